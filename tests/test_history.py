"""Every change that matters leaves a trace: who, when, what."""

import pytest
from django.urls import reverse

from grants import services
from reintegration.accounts.models import User

from .factories import ConventionFactory, EquipmentItemFactory, ProjectFactory, SectorFactory

pytestmark = pytest.mark.django_db


def test_changing_a_users_scope_is_recorded(temara, rabat, staff):
    staff.prefectures.add(rabat)
    staff.is_active = False
    staff.save()
    record = User.history.filter(id=staff.pk).latest("history_date")
    assert record.is_active is False
    assert not hasattr(record, "password")


def test_editing_a_sector_and_its_kit_is_recorded():
    sector = SectorFactory()
    sector.name_ar = "مخبز"
    sector.save()
    assert sector.history.count() == 2
    assert sector.history.first().name_ar == "مخبز"


def test_every_model_with_personal_or_money_data_keeps_history():
    from django.apps import apps

    # ProjectOutcome is derived from the visits (which keep history), rewritten at each one;
    # ConventionFigures from the projects, payments and orders, likewise.
    logs = {"ProjectEvent", "AccessLog", "Sequence", "Region", "Prefecture", "ProjectOutcome",
            "ConventionFigures"}
    without = [
        model.__name__
        for app in ("accounts", "beneficiaries", "grants", "ceremonies")
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
        and not model._meta.auto_created
        and model.__name__ not in logs
        and not hasattr(model, "history")
    ]
    assert without == []


def test_a_failure_half_way_through_an_approval_leaves_nothing_behind(
    monkeypatch, client_for, staff, officer
):
    convention = ConventionFactory()
    project = ProjectFactory(status="submitted")
    EquipmentItemFactory(project=project)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "record_event", broken)
    with pytest.raises(RuntimeError):
        services.approve_project(
            project=project, officer=officer, convention=convention, amount=10000,
            reason="Dossier complet", committee_minutes_number="PV-12",
            committee_decision_on="2024-11-20",
        )
    project.refresh_from_db()
    assert project.status == "submitted"
    assert project.approved_amount is None and project.convention_id is None
    assert not project.reviews.exists()
    annotated = type(convention).objects.with_budget_figures().get(pk=convention.pk)
    assert annotated.committed == 0
    client = client_for(officer)
    assert client.get(reverse("grants:convention_detail", args=[convention.pk])).status_code == 200
