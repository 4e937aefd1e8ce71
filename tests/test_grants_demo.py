"""The demo seed of the grants app: the Témara story, within the envelope, safe to run twice."""

import io
from decimal import Decimal

import pytest

from beneficiaries import demo as beneficiaries_demo
from grants import demo
from grants.models import Convention, Project
from reintegration.demo.management.commands.seed_demo import Command

pytestmark = pytest.mark.django_db


def run_seed(users):
    out = io.StringIO()
    beneficiaries_demo.seed(users=users, stdout=out)
    demo.seed(users=users, stdout=out)
    return out.getvalue()


def test_the_demo_seeds_the_temara_convention_and_projects_twice_without_duplicates():
    users = Command().seed_users()
    run_seed(users)
    counts = Project.objects.count()
    output = run_seed(users)

    assert Project.objects.count() == counts == len(demo.PROJECTS)
    assert "0 projects created" in output
    convention = Convention.objects.with_budget_figures().get(reference="CONV-INDH3-ST-2024-01")
    assert convention.envelope == Decimal("500000.00")
    assert 0 < convention.committed <= convention.envelope
    temara = Project.objects.filter(prefecture__code=demo.TEMARA)
    assert temara.filter(status=Project.Status.APPROVED).count() == 7
    assert temara.filter(status=Project.Status.SUBMITTED).get().previous_funding_justification
    assert all(project.equipment_items.count() >= 3 for project in temara.filter(status="approved"))
    assert set(Project.objects.filter(prefecture__code=demo.RABAT).values_list("status", flat=True)) == {
        "approved", "submitted", "rejected", "draft",
    }


def test_the_grants_seed_skips_missing_beneficiaries():
    out = io.StringIO()
    demo.seed(users=Command().seed_users(), stdout=out)
    assert not Project.objects.exists()
    assert "skipped" in out.getvalue()
