"""Procurement and cash grants: every write of suppliers' orders, deliveries, quotes and
disbursements goes through one function here (keyword-only, atomic,
guard first). Views, the demo seed and tests call the same functions.

The money these doors engage and spend obeys the ledger (grants.models, grants.services):
putting lines on an order engages them at their price, an invoice replaces that price by
its shares, a payment spends; none may bring a project above its approved amount. Each
door locks its projects, then their conventions (`lock_ledger`), then the order, then the
lines, and sums the figures after the locks were granted.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import ZERO, Convention, EquipmentItem, Project
from grants.services import (
    allocate_invoice,
    check_invoice,
    ensure_within_approved,
    lock_ledger,
    project_money,
    refresh_convention_figures,
)
from reintegration.common.money import format_money
from reintegration.common.validators import validate_rib
from reintegration.sequences.models import next_number

from .bank import record_order_identifiers
from .models import Disbursement, PurchaseOrder, Quote, Supplier

QUOTES_REQUIRED = 3

# A cash grant is paid between approval and the end of the follow-up.
DISBURSABLE_STATUSES = [Project.Status.APPROVED, Project.Status.EQUIPPED, Project.Status.ACTIVE]


# --- guards ---------------------------------------------------------------------------

def ensure_can_order(user, convention: Convention) -> None:
    """Foundation staff of the convention's prefecture (or an admin) buy its equipment."""
    if not (
        user.has_perm("procurement.add_purchaseorder")
        and Convention.objects.visible_to(user).filter(pk=convention.pk).exists()
    ):
        raise PermissionDenied(_("You may not order equipment for this convention."))


def ensure_can_change_order(user, purchase_order: PurchaseOrder) -> None:
    if not (
        user.has_perm("procurement.change_purchaseorder")
        and PurchaseOrder.objects.visible_to(user).filter(pk=purchase_order.pk).exists()
    ):
        raise PermissionDenied(_("You may not change this purchase order."))


def ensure_can_pay(user, project: Project) -> None:
    if not (
        user.has_perm("procurement.add_disbursement")
        and Project.objects.visible_to(user).filter(pk=project.pk).exists()
    ):
        raise PermissionDenied(_("You may not pay this project's cash grant."))


# --- purchase orders ------------------------------------------------------------------

def eligible_lines(*, convention: Convention, user):
    """Equipment lines that may go on a new order of `convention`: approved projects,
    visible to `user`, not already ordered."""
    return (
        EquipmentItem.objects.visible_to(user)
        .filter(
            project__convention=convention,
            project__status=Project.Status.APPROVED,
            purchase_order__isnull=True,
            status=EquipmentItem.Status.PLANNED,
        )
        .select_related("project", "project__beneficiary")
        .order_by("project__reference", "pk")
    )


@transaction.atomic
def create_purchase_order(
    *,
    supplier: Supplier,
    convention: Convention,
    lines: Iterable[EquipmentItem],
    user,
    ordered_on: datetime.date,
) -> PurchaseOrder:
    """A draft order to `supplier` grouping equipment lines of approved projects of one convention."""
    ensure_can_order(user, convention)
    ids = [line.pk for line in lines]
    if not ids:
        raise ValidationError({"lines": _("Choose at least one equipment line.")})
    # The projects and the convention first (the ledger's order), then the lines: two
    # orders cannot take the same line, nor together engage more than a project's
    # approved amount. Related rows are read after the locks, so they show what the
    # other door wrote.
    lock_ledger(
        projects=EquipmentItem.objects.filter(pk__in=ids).values_list("project", flat=True),
        conventions=[convention.pk],
    )
    locked = list(EquipmentItem.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    projects = Project.objects.in_bulk({line.project_id for line in locked})
    numbers = dict(
        PurchaseOrder.objects.filter(pk__in={line.purchase_order_id for line in locked})
        .values_list("pk", "number")
    )
    visible = set(EquipmentItem.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    errors = []
    for line in locked:
        project = projects[line.project_id]
        if line.pk not in visible:
            errors.append(_("Line “%(line)s” is outside your prefectures.") % {"line": line.designation})
        elif project.status != Project.Status.APPROVED:
            errors.append(_(
                "Line “%(line)s” belongs to project %(project)s, which is not approved (%(status)s)."
            ) % {"line": line.designation, "project": project.reference,
                 "status": project.get_status_display()})
        elif project.convention_id != convention.pk:
            errors.append(_(
                "Line “%(line)s” belongs to project %(project)s, funded by another convention."
            ) % {"line": line.designation, "project": project.reference})
        elif line.purchase_order_id is not None:
            errors.append(_("Line “%(line)s” is already on order %(number)s.") % {
                "line": line.designation, "number": numbers[line.purchase_order_id]})
        elif line.status != EquipmentItem.Status.PLANNED:
            errors.append(_("Line “%(line)s” is no longer planned.") % {"line": line.designation})
    if len(locked) != len(set(ids)):
        errors.append(_("Some equipment lines no longer exist."))
    if errors:
        raise ValidationError({"lines": errors})
    for project_id, project in sorted(projects.items()):
        adding = sum((line.total for line in locked if line.project_id == project_id), ZERO)
        money = project_money(project)
        try:
            ensure_within_approved(
                project, adding=adding, spent_after=money.spent + adding, approved=money.approved,
                message=_(
                    "Ordering these lines of project %(project)s (%(amount)s) would bring it to "
                    "%(spent)s engaged and paid, above its approved amount of %(approved)s."
                ),
            )
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError({"lines": errors})

    supplier.refresh_from_db(fields=["rib", "ice"])  # the bank details in force, kept on the order
    order = PurchaseOrder.objects.create(
        number=next_number("BC", ordered_on.year, 5),
        supplier=supplier,
        convention=convention,
        ordered_on=ordered_on,
        created_by=user,
        supplier_rib=supplier.rib,
        supplier_ice=supplier.ice,
    )
    for line in locked:
        line.purchase_order = order
        line.supplier = supplier
        line.save(update_fields=["purchase_order", "supplier"])
    return order


def _locked_order(purchase_order: PurchaseOrder) -> PurchaseOrder:
    return (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("convention", "supplier")
        .get(pk=purchase_order.pk)
    )


def _lock_order_ledger(purchase_order: PurchaseOrder) -> PurchaseOrder:
    """Lock what an order's money touches in the ledger's order: its lines' projects,
    their conventions and its own, then the order. Returns the order, reloaded."""
    projects = set(
        EquipmentItem.objects.filter(purchase_order=purchase_order.pk).values_list("project", flat=True)
    )
    conventions = lock_ledger(projects=projects, conventions=[purchase_order.convention_id])
    order = _locked_order(purchase_order)
    now = set(order.lines.values_list("project", flat=True))
    if not now <= projects or order.convention_id not in conventions:
        # An admin moved a line or the order meanwhile: its locks were not all taken.
        raise ValidationError(_("This order changed while you were working on it: try again."))
    return order


def quotes_problem(order: PurchaseOrder) -> str | None:
    """Why the order may not be sent yet for lack of quotes, or None when it may."""
    threshold = order.convention.quote_threshold
    if threshold is None or order.total <= threshold:
        return None
    quotes = list(order.quotes.all())
    if len(quotes) < QUOTES_REQUIRED:
        return _(
            "This order exceeds %(threshold)s: record three supplier quotes before sending it."
        ) % {"threshold": format_money(threshold)}
    chosen = [quote for quote in quotes if quote.chosen]
    if len(chosen) != 1:
        return _("Mark the one quote chosen.")
    chosen = chosen[0]
    if chosen.supplier_id != order.supplier_id:
        return _("The chosen quote must be the order's supplier's.")
    lowest = min(quote.amount for quote in quotes)
    if chosen.amount > lowest and not chosen.justification.strip():
        return _("The chosen quote is not the lowest: justify the choice.")
    return None


@transaction.atomic
def record_quote(
    *,
    purchase_order: PurchaseOrder,
    supplier: Supplier,
    amount: Decimal,
    quoted_on: datetime.date,
    document,
    user,
    chosen: bool = False,
    justification: str = "",
) -> Quote:
    """Add a supplier's quote to a draft order; the chosen one replaces any earlier choice."""
    ensure_can_change_order(user, purchase_order)
    order = _locked_order(purchase_order)
    if order.status != PurchaseOrder.Status.DRAFT:
        raise ValidationError(_("Quotes are recorded before the order is sent."))
    if amount is None or amount < 0:
        raise ValidationError({"amount": _("A quote's amount cannot be negative.")})
    if not document:
        raise ValidationError({"document": _("Attach the supplier's quote.")})
    if quoted_on > timezone.localdate():
        raise ValidationError({"quoted_on": _("A quote cannot be dated in the future.")})
    if order.quotes.filter(supplier=supplier).exists():
        raise ValidationError({"supplier": _("This supplier's quote is already recorded.")})
    if chosen:
        if supplier.pk != order.supplier_id:
            raise ValidationError({"chosen": _("The chosen quote must be the order's supplier's.")})
        lowest = min([amount, *order.quotes.values_list("amount", flat=True)])
        if amount > lowest and not justification.strip():
            raise ValidationError({
                "justification": _("This quote is not the lowest: justify the choice.")
            })
        for previous in order.quotes.filter(chosen=True):
            previous.chosen = False
            previous.save(update_fields=["chosen"])
    return Quote.objects.create(
        purchase_order=order, supplier=supplier, amount=amount, quoted_on=quoted_on,
        document=document, chosen=chosen, justification=justification.strip(),
    )


@transaction.atomic
def delete_quote(*, quote: Quote, user) -> None:
    ensure_can_change_order(user, quote.purchase_order)
    order = _locked_order(quote.purchase_order)
    if order.status != PurchaseOrder.Status.DRAFT:
        raise ValidationError(_("The quotes of a sent order are kept."))
    quote.delete()  # its document leaves the storage once this commits (common/storage.py)


@transaction.atomic
def send_purchase_order(*, purchase_order: PurchaseOrder, user) -> PurchaseOrder:
    """draft -> sent; its lines planned -> ordered. Above the threshold, three quotes first."""
    ensure_can_change_order(user, purchase_order)
    order = _lock_order_ledger(purchase_order)
    if order.status != PurchaseOrder.Status.DRAFT:
        raise ValidationError(_("Only a draft order can be sent; this one is %(status)s.") % {
            "status": order.get_status_display()})
    lines = list(order.lines.select_for_update(of=("self",)).select_related("project"))
    if not lines:
        raise ValidationError(_("This order has no lines."))
    problem = quotes_problem(order)
    if problem:
        raise ValidationError(problem)
    for project in sorted({line.project for line in lines}, key=lambda project: project.pk):
        if project.status != Project.Status.APPROVED:
            raise ValidationError(_(
                "Project %(project)s is no longer approved: remove its lines first."
            ) % {"project": project.reference})
        # Its lines were engaged when the draft was made; sending commits the supplier,
        # so the project must still be within its approved amount (an admin may have
        # corrected it meanwhile).
        money = project_money(project)
        ensure_within_approved(
            project, adding=ZERO, spent_after=money.spent, approved=money.approved, message=_(
                "Project %(project)s has %(spent)s engaged and paid, above its approved amount of "
                "%(approved)s: this order cannot be sent."
            ),
        )
    for line in lines:
        line.status = EquipmentItem.Status.ORDERED
        line.save(update_fields=["status"])
    order.status = PurchaseOrder.Status.SENT
    # The bank details in force when it is sent, read with the order's lock.
    record_order_identifiers(order, order.supplier)
    order.save(update_fields=["status", "supplier_rib", "supplier_ice"])
    return order


@transaction.atomic
def cancel_purchase_order(*, purchase_order: PurchaseOrder, user) -> None:
    """Delete a draft order; its lines go back to the lines still to order. Its number is
    never given again."""
    ensure_can_change_order(user, purchase_order)
    # The projects first: an order being made of the same lines, or of lines of the same
    # projects, waits for the cancellation and then sees the lines free again.
    order = _lock_order_ledger(purchase_order)
    if order.status != PurchaseOrder.Status.DRAFT:
        raise ValidationError(_("Only a draft order can be cancelled."))
    for line in order.lines.select_for_update():
        line.purchase_order = None
        line.save(update_fields=["purchase_order"])
    order.delete()  # with its quotes, whose documents leave the storage once this commits


@transaction.atomic
def receive_delivery(
    *,
    purchase_order: PurchaseOrder,
    quantities: dict[int, int],
    delivered_on: datetime.date,
    user,
    serial_numbers: dict[int, str] | None = None,
) -> PurchaseOrder:
    """Record what the supplier delivered, line by line (`quantities`: line id -> quantity
    received now). A line fully received is `delivered`; the order is once all are.

    A delivery is received at the order's prices: it engages nothing more (only the
    invoice may change a price, through `record_invoice`)."""
    ensure_can_change_order(user, purchase_order)
    order = _lock_order_ledger(purchase_order)
    serial_numbers = serial_numbers or {}
    if order.status != PurchaseOrder.Status.SENT:
        raise ValidationError(_("Deliveries are received on a sent order; this one is %(status)s.") % {
            "status": order.get_status_display()})
    if delivered_on < order.ordered_on:
        raise ValidationError({"delivered_on": _("A delivery cannot come before the order.")})
    if delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": _("A delivery cannot be dated in the future.")})
    lines = {line.pk: line for line in order.lines.select_for_update()}
    unknown = set(quantities) - set(lines)
    if unknown:
        raise ValidationError(_("Some lines do not belong to this order."))
    errors = []
    received_any = False
    for line_id, received in quantities.items():
        line = lines[line_id]
        received = received or 0
        if received < 0:
            errors.append(_("Line “%(line)s”: a quantity cannot be negative.") % {"line": line.designation})
        elif received > line.quantity_remaining:
            errors.append(_(
                "Line “%(line)s”: %(received)s received but only %(remaining)s still expected "
                "(%(ordered)s ordered)."
            ) % {"line": line.designation, "received": received,
                 "remaining": line.quantity_remaining, "ordered": line.quantity})
        elif received:
            received_any = True
    if errors:
        raise ValidationError(errors)
    if not received_any and not any(serial_numbers.values()):
        raise ValidationError(_("Enter the quantity received on at least one line."))

    for line_id, line in lines.items():
        received = quantities.get(line_id) or 0
        serial = (serial_numbers.get(line_id) or "").strip()
        if not received and not serial:
            continue
        line.quantity_delivered += received
        if serial:
            line.serial_number = serial
        if line.quantity_delivered == line.quantity and line.status == EquipmentItem.Status.ORDERED:
            line.status = EquipmentItem.Status.DELIVERED
        line.save(update_fields=["quantity_delivered", "serial_number", "status"])
    order.delivered_on = delivered_on
    update = ["delivered_on"]
    if all(line.status in EquipmentItem.DELIVERED_STATUSES for line in lines.values()):
        order.status = PurchaseOrder.Status.DELIVERED
        update.append("status")
    order.save(update_fields=update)
    return order


@transaction.atomic
def record_invoice(
    *, purchase_order: PurchaseOrder, invoice_number: str, invoice_amount: Decimal, user
) -> PurchaseOrder:
    """delivered -> invoiced. The invoice is shared among the order's lines in proportion
    to their prices (`allocate_invoice`); from then on each line costs its convention its
    share. An invoice below the lines' total is kept and flagged
    (`PurchaseOrder.invoice_differs`); above it, it is accepted only through an amendment
    of the projects' approved amounts decided after the order, and never beyond them
    (`check_invoice`)."""
    ensure_can_change_order(user, purchase_order)
    order = _lock_order_ledger(purchase_order)
    if order.status != PurchaseOrder.Status.DELIVERED:
        raise ValidationError(_("An invoice is recorded once the whole order is delivered."))
    invoice_number = (invoice_number or "").strip()
    if not invoice_number:
        raise ValidationError({"invoice_number": _("Enter the invoice number.")})
    if invoice_amount is None or invoice_amount < 0:
        raise ValidationError({"invoice_amount": _("An invoice amount cannot be negative.")})
    lines = list(order.lines.select_for_update().order_by("pk"))
    check_invoice(order=order, amount=invoice_amount, lines=lines)
    order.invoice_number = invoice_number
    order.invoice_amount = invoice_amount
    order.status = PurchaseOrder.Status.INVOICED
    order.save(update_fields=["invoice_number", "invoice_amount", "status"])
    allocate_invoice(order)
    # Its lines now count as disbursed by their projects' convention.
    refresh_convention_figures(conventions=[
        order.convention_id, *order.lines.order_by().values_list("project__convention", flat=True).distinct(),
    ])
    return order


# --- cash grants ----------------------------------------------------------------------

def disbursed_total(project: Project) -> Decimal:
    return project.disbursements.aggregate(total=Sum("amount"))["total"] or ZERO


@transaction.atomic
def record_disbursement(
    *,
    project: Project,
    amount: Decimal,
    paid_on: datetime.date,
    method: str,
    reference: str,
    user,
    rib: str = "",
) -> Disbursement:
    """Pay (part of) the project's cash grant: the payments never exceed the cash grant
    of its approved plan, and with its orders never its approved amount."""
    ensure_can_pay(user, project)
    # The project's row, then its convention's, are locked so that two payments entered
    # at once, or a payment and an order or an amendment, cannot both pass the checks.
    lock_ledger(projects=[project])
    project = Project.objects.get(pk=project.pk)
    if project.status not in DISBURSABLE_STATUSES:
        raise ValidationError(_(
            "A cash grant is paid to an approved, equipped or active project; this one is %(status)s."
        ) % {"status": project.get_status_display()})
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment cannot be dated in the future.")})
    if method not in Disbursement.Method.values:
        raise ValidationError({"method": _("Choose a transfer or a cheque.")})
    check_credited_account(method=method, rib=rib)
    money = project_money(project)
    remaining = money.cash_grant - money.paid
    if amount > remaining:
        raise ValidationError({"amount": _(
            "This payment would exceed the approved cash grant of %(grant)s: "
            "at most %(remaining)s remains to pay."
        ) % {"grant": format_money(money.cash_grant), "remaining": format_money(remaining)}})
    ensure_within_approved(
        project, adding=amount, spent_after=money.spent + amount, approved=money.approved, field="amount",
        message=_(
            "This payment of %(amount)s would bring project %(project)s to %(spent)s engaged and "
            "paid, above its approved amount of %(approved)s."
        ),
    )
    disbursement = Disbursement.objects.create(
        project=project, amount=amount, paid_on=paid_on, method=method,
        reference=(reference or "").strip(), created_by=user,
        rib=(rib or "").strip(),
    )
    refresh_convention_figures(conventions=[project.convention_id])
    return disbursement


def check_credited_account(*, method: str, rib: str) -> None:
    """A transfer's RIB, when given, is a valid one; a cheque credits no account."""
    rib = (rib or "").strip()
    if method == Disbursement.Method.CHEQUE and rib:
        raise ValidationError({"rib": _("A cheque credits no account: leave the RIB empty.")})
    try:
        validate_rib(rib)
    except ValidationError as error:
        raise ValidationError({"rib": error.messages}) from None
