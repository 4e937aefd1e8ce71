"""A supplier's bank details under four eyes.

A supplier's RIB (and ICE) is set when the supplier is registered; every later change is
a `SupplierBankChange` that another person, an administrator who has just entered a
one-time code, approves or refuses. Until then the supplier keeps its account, and so do
the orders and their PDFs. Each order keeps the RIB and ICE in force when it was made
and sent (`record_order_identifiers`), so an approved change never rewrites one.

Suppliers are national: the request and the decision are open to staff and admins of
every prefecture, which is exactly why one person alone may never do both.
"""

from __future__ import annotations

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reintegration.common.dates import format_date
from reintegration.common.mail import send_on_commit
from reintegration.common.uploads import validate_document
from reintegration.common.validators import validate_ice, validate_rib
from reintegration.security.two_factor import fresh_code_seconds

from .models import PurchaseOrder, Supplier, SupplierBankChange
from .notifications import notify_bank_change_decided, notify_bank_change_requested


class StaleCode(PermissionDenied):
    """The decider's one-time code is older than `fresh_code_seconds()`: the view sends
    them to the code page and back."""


# --- guards ---------------------------------------------------------------------------

def ensure_can_request(user, supplier: Supplier) -> None:
    if not (
        user.has_perm("procurement.add_supplierbankchange")
        and Supplier.objects.visible_to(user).filter(pk=supplier.pk).exists()
    ):
        raise PermissionDenied(_("You may not ask for a change of this supplier's bank details."))


def may_decide(user, change: SupplierBankChange) -> bool:
    """An administrator other than the person who asked."""
    return user.has_perm("procurement.decide_supplierbankchange") and change.requested_by_id != user.pk


def ensure_can_decide(user, change: SupplierBankChange, *, code_entered_at: float | None) -> None:
    if not user.has_perm("procurement.decide_supplierbankchange"):
        raise PermissionDenied(_("Only an administrator may approve or refuse a change of bank details."))
    if change.requested_by_id == user.pk:
        raise PermissionDenied(_(
            "You asked for this change: another administrator must approve or refuse it."
        ))
    if code_entered_at is None or not 0 <= time.time() - code_entered_at <= fresh_code_seconds():
        raise StaleCode(_(
            "Enter a new one-time code to confirm this decision (a code counts for %(minutes)s minutes)."
        ) % {"minutes": fresh_code_seconds() // 60})


# --- the request ----------------------------------------------------------------------

@transaction.atomic
def request_bank_change(
    *, supplier: Supplier, user, new_rib: str, new_ice: str, reason: str, document
) -> SupplierBankChange:
    """Ask for `supplier`'s RIB and/or ICE to become `new_rib` / `new_ice` (the current
    value where it does not change). Administrators are told once the request is saved."""
    ensure_can_request(user, supplier)
    # The supplier's row is locked so that the details compared here are those a decision
    # will compare, and two requests cannot both pass the "one at a time" check.
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    new_rib, new_ice, reason = (new_rib or "").strip(), (new_ice or "").strip(), (reason or "").strip()
    errors = {}
    pending = supplier.bank_changes.pending().first()
    if pending is not None:
        raise ValidationError(_(
            "A change of this supplier's bank details asked on %(date)s awaits an administrator's "
            "decision: it must be decided before another is asked."
        ) % {"date": format_date(pending.requested_at)})
    for field, value, validate in (("new_rib", new_rib, validate_rib), ("new_ice", new_ice, validate_ice)):
        try:
            validate(value)
        except ValidationError as error:
            errors[field] = error.messages
    if supplier.rib and not new_rib:
        errors.setdefault("new_rib", []).append(_("A supplier's RIB can be replaced, not removed."))
    if supplier.ice and not new_ice:
        errors.setdefault("new_ice", []).append(_("A supplier's ICE can be corrected, not removed."))
    if new_ice and "new_ice" not in errors and (
        Supplier.objects.filter(ice=new_ice).exclude(pk=supplier.pk).exists()
    ):
        errors["new_ice"] = [_("A supplier with this ICE is already registered.")]
    if not errors and new_rib == supplier.rib and new_ice == supplier.ice:
        errors["new_rib"] = [_("These are the supplier's current bank details: change the RIB or the ICE.")]
    if not reason:
        errors["reason"] = [_("Say why the supplier's bank details change.")]
    if not document:
        errors["document"] = [_("Attach the supplier's bank certificate.")]
    else:
        try:
            validate_document(document)
        except ValidationError as error:
            errors["document"] = error.messages
    if errors:
        raise ValidationError(errors)

    change = SupplierBankChange.objects.create(
        supplier=supplier, old_rib=supplier.rib, new_rib=new_rib, old_ice=supplier.ice,
        new_ice=new_ice, reason=reason, document=document, requested_by=user,
    )
    send_on_commit(lambda: notify_bank_change_requested(change))
    return change


# --- the decision ---------------------------------------------------------------------

@transaction.atomic
def approve_bank_change(
    *, change: SupplierBankChange, user, reason: str = "", code_entered_at: float | None
) -> SupplierBankChange:
    """pending -> approved: the supplier's RIB and ICE become the requested ones, and its
    draft orders (not yet sent) carry them."""
    return _decide(change=change, user=user, approve=True, reason=reason, code_entered_at=code_entered_at)


@transaction.atomic
def refuse_bank_change(
    *, change: SupplierBankChange, user, reason: str, code_entered_at: float | None
) -> SupplierBankChange:
    """pending -> refused, with the reason: the supplier keeps its details."""
    return _decide(change=change, user=user, approve=False, reason=reason, code_entered_at=code_entered_at)


def _decide(*, change, user, approve: bool, reason: str, code_entered_at) -> SupplierBankChange:
    ensure_can_decide(user, change, code_entered_at=code_entered_at)
    # Supplier first, then the request: the order `request_bank_change` locks in.
    supplier = Supplier.objects.select_for_update().get(pk=change.supplier_id)
    change = SupplierBankChange.objects.select_for_update().get(pk=change.pk)
    reason = (reason or "").strip()
    if change.status != SupplierBankChange.Status.PENDING:
        raise ValidationError(_("This request was already decided (%(status)s).") % {
            "status": change.get_status_display()})
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the change is refused.")})
    if approve:
        if (supplier.rib, supplier.ice) != (change.old_rib, change.old_ice):
            raise ValidationError(_(
                "The supplier's bank details changed since this request was made: refuse it "
                "and ask again."
            ))
        if change.new_ice and Supplier.objects.filter(ice=change.new_ice).exclude(pk=supplier.pk).exists():
            raise ValidationError(_("Another supplier has since been registered with this ICE."))
        supplier.rib, supplier.ice = change.new_rib, change.new_ice
        supplier._change_reason = f"bank change {change.pk} approved"
        supplier.save(update_fields=["rib", "ice"])
        for order in supplier.purchase_orders.filter(status=PurchaseOrder.Status.DRAFT).select_for_update():
            record_order_identifiers(order, supplier)
            order.save(update_fields=["supplier_rib", "supplier_ice"])
    change.status = SupplierBankChange.Status.APPROVED if approve else SupplierBankChange.Status.REFUSED
    change.decided_by = user
    change.decided_at = timezone.now()
    change.decision_reason = reason
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    send_on_commit(lambda: notify_bank_change_decided(change))
    return change


# --- the details in force on an order -------------------------------------------------

def record_order_identifiers(order: PurchaseOrder, supplier: Supplier) -> None:
    """Copy onto `order` (not saved) the supplier's RIB and ICE in force now."""
    order.supplier_rib = supplier.rib
    order.supplier_ice = supplier.ice
