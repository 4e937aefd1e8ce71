"""E-mails about the suppliers' bank details, each in its recipient's language, through
the project workflow's delivery (`grants.notifications`): called by `procurement/bank.py`
through `send_on_commit`. A message names the supplier and links to the request; the
account numbers stay in the application.
"""

from django.conf import settings
from django.db.models import Q

from grants.notifications import _deliver
from reintegration.accounts.models import User
from reintegration.accounts.roles import Role

from .models import SupplierBankChange


def notify_bank_change_requested(change: SupplierBankChange) -> int:
    """Tell every administrator but the one who asked that a supplier's new bank details
    await a decision. The message names the supplier and links to the request; the
    account numbers stay in the application."""
    admins = (
        User.objects.filter(Q(groups__name=Role.ADMIN) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .exclude(pk=change.requested_by_id)
        .distinct()
    )
    return _deliver([user for user in admins if user.has_perm("procurement.decide_supplierbankchange")],
                    "procurement/email/bank_change_requested", _bank_change_context(change),
                    about=f"bank change {change.pk}")


def notify_bank_change_decided(change: SupplierBankChange) -> int:
    """Tell the person who asked whether the change was approved or refused."""
    requester = change.requested_by
    users = [requester] if requester.is_active and requester.email else []
    return _deliver(users, "procurement/email/bank_change_decided", {
        **_bank_change_context(change),
        "approved": change.status == SupplierBankChange.Status.APPROVED,
    }, about=f"bank change {change.pk}")


def _bank_change_context(change: SupplierBankChange) -> dict:
    return {
        "supplier": change.supplier.name,
        "requested_by": change.requested_by.get_full_name() or change.requested_by.username,
        "link": settings.PUBLIC_BASE_URL + change.get_absolute_url(),
    }
