"""The budget rule under concurrency: officers approving at the same moment never
commit more than the envelope. Needs PostgreSQL (SQLite ignores `select_for_update`)."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from grants import services
from grants.models import Convention, Project

from .factories import ConventionFactory
from .test_grants_services import COMMITTEE, submitted_project

APPROVALS = 12
AMOUNT = Decimal("40000.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_exceed_the_envelope(staff, officer):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    # Room for 4 approvals of 40,000 DH (and 20,000 DH to spare), 12 officers' clicks at once.
    convention = ConventionFactory(envelope=Decimal("180000.00"))
    projects = [submitted_project(staff, cash_grant_amount=Decimal("10000.00")) for _ in range(APPROVALS)]
    start = threading.Barrier(APPROVALS)
    outcomes: dict[int, str] = {}

    def approve(project):
        try:
            start.wait()
            services.approve_project(
                project=Project.objects.get(pk=project.pk), officer=officer, convention=convention,
                amount=AMOUNT, reason="Avis favorable du comité.", **COMMITTEE,
            )
            outcomes[project.pk] = "approved"
        except ValidationError as error:
            outcomes[project.pk] = " ".join(error.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(project,)) for project in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    approved = [pk for pk, outcome in outcomes.items() if outcome == "approved"]
    refused = [outcome for outcome in outcomes.values() if outcome != "approved"]
    assert len(outcomes) == APPROVALS
    assert len(approved) == 4
    assert len(refused) == APPROVALS - 4
    assert all("dépasse ce qui reste de la convention" in message for message in refused)
    assert all("20\u00a0000,00\u00a0DH" in message for message in refused)
    figures = Convention.objects.with_budget_figures().get(pk=convention.pk)
    assert figures.committed == Decimal("160000.00")
    assert figures.remaining == Decimal("20000.00")
    assert set(Project.objects.filter(status=Project.Status.APPROVED).values_list("pk", flat=True)) == set(
        approved
    )
    assert Project.objects.filter(status=Project.Status.SUBMITTED).count() == APPROVALS - 4
