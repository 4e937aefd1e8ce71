"""Two requests, or two decisions, on one supplier's bank details at the same moment
(PostgreSQL: row locks)."""

import time

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from procurement import bank as procurement_bank
from procurement.models import Supplier, SupplierBankChange
from reintegration.accounts.roles import Role
from reintegration.common.validators import rib_key

from .concurrency import at_the_same_time
from .factories import SupplierFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def rib(first22: str) -> str:
    return first22 + rib_key(first22)


def ask(supplier, user, new_rib):
    return lambda: procurement_bank.request_bank_change(
        supplier=supplier,
        user=user,
        new_rib=new_rib,
        new_ice="",
        reason="Nouvelle banque",
        document=ContentFile(b"%PDF-1.4\n", name="attestation.pdf"),
    )


def test_two_requests_at_once_leave_one_pending(staff, outsider_staff):
    supplier = SupplierFactory(rib=rib("0117800000123456789012"))

    outcomes = at_the_same_time(
        ask(supplier, staff, rib("1907800000987654321000")),
        ask(supplier, outsider_staff, rib("2257800000111111111111")),
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["NoneType", "ValidationError"]
    assert SupplierBankChange.objects.filter(status=SupplierBankChange.Status.PENDING).count() == 1


def test_an_approval_and_a_refusal_at_once_decide_once(staff):
    supplier = SupplierFactory(rib=rib("0117800000123456789012"))
    ask(supplier, staff, rib("1907800000987654321000"))()
    change = SupplierBankChange.objects.get()
    first = UserFactory(username="admin_a", role=Role.ADMIN)
    second = UserFactory(username="admin_b", role=Role.ADMIN)

    outcomes = at_the_same_time(
        lambda: procurement_bank.approve_bank_change(change=change, user=first, code_entered_at=time.time()),
        lambda: procurement_bank.refuse_bank_change(
            change=change, user=second, reason="Faux courrier", code_entered_at=time.time()
        ),
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["NoneType", "ValidationError"]
    change.refresh_from_db()
    supplier = Supplier.objects.get()
    # The supplier's account is the one the decision that won says.
    approved = change.status == SupplierBankChange.Status.APPROVED
    assert supplier.rib == (change.new_rib if approved else change.old_rib)
