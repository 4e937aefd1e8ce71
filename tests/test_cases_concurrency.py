"""Two answers to the same transfer request at the same moment: one wins, the other is
told the request is answered; the file moves once or not at all. Needs PostgreSQL."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from beneficiaries.models import Beneficiary
from cases import services
from cases.models import FileTransfer
from reintegration.accounts.roles import Role

from .concurrency import at_the_same_time
from .factories import BeneficiaryFactory, FileTransferFactory, UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_acceptance_and_a_refusal_at_the_same_time_leave_one_answer(temara, rabat):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    sender = UserFactory(role=Role.FOUNDATION_STAFF, prefectures=[temara])
    colleague = UserFactory(role=Role.FOUNDATION_STAFF, prefectures=[temara])
    file = BeneficiaryFactory(prefecture=temara)
    transfer = FileTransferFactory(beneficiary=file, from_prefecture=temara, to_prefecture=rabat,
                                   status="pending", decided_at=None)

    outcomes = at_the_same_time(
        lambda: services.accept_transfer(transfer=transfer, user=sender),
        lambda: services.refuse_transfer(transfer=transfer, user=colleague, answer="Suivi ici"),
    )

    failures = [outcome for outcome in outcomes if outcome is not None]
    assert len(failures) == 1 and isinstance(failures[0], ValidationError)
    assert failures[0].code == "answered"
    transfer.refresh_from_db()
    moved = Beneficiary.objects.get(pk=file.pk).prefecture == rabat
    assert moved == (transfer.status == FileTransfer.Status.ACCEPTED)
    assert transfer.history.count() == 2  # created, then one answer
