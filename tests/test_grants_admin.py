"""The Django admin of the grants app: every model registered, its pages open, and the
workflow's fields are read-only there (they change only through grants.services)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from followup.models import FollowUpVisit
from grants.models import (
    Amendment,
    Convention,
    EquipmentItem,
    KitItem,
    Partner,
    Project,
    ProjectEvent,
    Review,
    Sector,
)
from procurement.models import Disbursement, PurchaseOrder, Quote, Supplier

from .factories import KitItemFactory
from .test_grants_services import approve, submitted_project

pytestmark = pytest.mark.django_db

REGISTERED = [Partner, Convention, Sector, Project, ProjectEvent, Review, Supplier, PurchaseOrder, Quote,
              EquipmentItem, Disbursement, FollowUpVisit, Amendment]


def test_every_grants_model_is_in_the_admin():
    for model in REGISTERED:
        assert admin.site.is_registered(model), model
    sector_admin = admin.site._registry[Sector]
    assert any(inline.model is KitItem for inline in sector_admin.inlines)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.model_name)
def test_admin_pages_open(client_for, admin_user, staff, officer, model):
    from .factories import ConventionFactory

    approve(submitted_project(staff), officer, ConventionFactory())
    KitItemFactory()
    client = client_for(admin_user)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist, {"q": "a"}).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200
        history = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
        assert client.get(history).status_code == 200


def test_the_workflow_fields_are_read_only_in_the_admin():
    project_admin = admin.site._registry[Project]
    assert {"status", "convention", "approved_amount"} <= set(project_admin.readonly_fields)
