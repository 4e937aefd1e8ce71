"""Procurement's rows: suppliers and the changes of their bank details, purchase orders
with their quotes, and the cash grants paid to the beneficiaries (`Disbursement`).

Moved out of `grants` without moving their tables: each keeps its `grants_…` table (and
its history's), so an existing database upgrades in place (migration 0001 here, 0020 in
grants). Every write goes through `procurement.services` or `procurement.bank`.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from grants.models import ZERO, Convention, EquipmentItem, MoneyField, Project, _sum_subquery
from reintegration.accounts.scope import scope_filter
from reintegration.common.collation import LocalisedOrder
from reintegration.common.uploads import StoredName, UploadCheck
from reintegration.common.validators import validate_ice, validate_rib


class SupplierQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Suppliers are national reference data: every user with a role sees them all."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role is not None:
            return self
        return self.none()


class Supplier(models.Model):
    name = models.CharField(_("name"), max_length=200)
    ice = models.CharField(_("ICE"), max_length=15, blank=True, validators=[validate_ice])
    rc = models.CharField(_("commercial register (RC)"), max_length=50, blank=True)
    tax_id = models.CharField(_("tax identifier (IF)"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)
    rib = models.CharField(_("bank account (RIB)"), max_length=24, blank=True, validators=[validate_rib])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(table_name="grants_historicalsupplier")
    objects = SupplierQuerySet.as_manager()

    class Meta:
        db_table = "grants_supplier"
        ordering = [LocalisedOrder("name")]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        constraints = [
            models.UniqueConstraint(fields=["ice"], condition=~Q(ice=""), name="unique_supplier_ice"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("grants:supplier_detail", args=[self.pk])


class SupplierBankChangeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """As national as the suppliers they change: every user with a role."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role is not None:
            return self
        return self.none()

    def pending(self):
        return self.filter(status=SupplierBankChange.Status.PENDING)


class SupplierBankChange(models.Model):
    """A request to change a supplier's bank account (RIB) or ICE, which another person,
    an administrator who has just entered a one-time code, approves or refuses
    (`procurement.bank`). Until then the supplier, its orders and their PDFs keep
    the account in force: redirecting a supplier's payments is the classic fraud of
    grant programmes, so no single person can do it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    STATUS_BADGES = {
        Status.PENDING: "text-bg-warning",
        Status.APPROVED: "text-bg-success",
        Status.REFUSED: "text-bg-danger",
    }

    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="bank_changes", verbose_name=_("supplier")
    )
    old_rib = models.CharField(_("former RIB"), max_length=24, blank=True)
    new_rib = models.CharField(_("new RIB"), max_length=24, blank=True, validators=[validate_rib])
    old_ice = models.CharField(_("former ICE"), max_length=15, blank=True)
    new_ice = models.CharField(_("new ICE"), max_length=15, blank=True, validators=[validate_ice])
    reason = models.TextField(_("reason for the change"))
    document = models.FileField(
        _("supporting document"), upload_to=StoredName("bank_certificates", "document"),
        validators=[UploadCheck()],
        help_text=_("The supplier's bank certificate (attestation de RIB) on its letterhead."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    history = HistoricalRecords(table_name="grants_historicalsupplierbankchange")
    objects = SupplierBankChangeQuerySet.as_manager()

    class Meta:
        db_table = "grants_supplierbankchange"
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("change of bank details")
        verbose_name_plural = _("changes of bank details")
        permissions = [
            ("decide_supplierbankchange", _("Can approve or refuse a change of bank details")),
        ]
        constraints = [
            # One request at a time per supplier: a second would be decided against
            # details that the first may already have changed.
            models.UniqueConstraint(
                fields=["supplier"], condition=Q(status="pending"), name="bank_change_one_pending"
            ),
            # Four eyes: whoever asked never decides.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="bank_change_decided_by_another",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="pending", decided_by__isnull=True, decided_at__isnull=True)
                    | (~Q(status="pending") & Q(decided_by__isnull=False, decided_at__isnull=False))
                ),
                name="bank_change_decision_complete",
            ),
            models.CheckConstraint(
                condition=~Q(new_rib=F("old_rib")) | ~Q(new_ice=F("old_ice")),
                name="bank_change_changes_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} — {self.requested_at:%d/%m/%Y}" if self.requested_at else str(self.supplier)

    def get_absolute_url(self) -> str:
        return reverse("grants:bank_change_detail", args=[self.pk])

    @property
    def rib_changes(self) -> bool:
        return self.new_rib != self.old_rib

    @property
    def ice_changes(self) -> bool:
        return self.new_ice != self.old_ice


class PurchaseOrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "convention__prefecture")

    def with_totals(self):
        """Annotate `lines_total` (sum of its lines), `line_count` and `delivered_count`."""
        lines = EquipmentItem.objects.filter(purchase_order=OuterRef("pk"))
        count = models.IntegerField()
        return self.annotate(
            lines_total=_sum_subquery(lines, F("quantity") * F("unit_price")),
            line_count=Coalesce(Subquery(
                lines.order_by().values("purchase_order").annotate(n=models.Count("pk")).values("n"),
                output_field=count,
            ), 0),
            delivered_count=Coalesce(Subquery(
                lines.filter(status__in=EquipmentItem.DELIVERED_STATUSES).order_by()
                .values("purchase_order").annotate(n=models.Count("pk")).values("n"),
                output_field=count,
            ), 0),
        )


class PurchaseOrder(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        INVOICED = "invoiced", _("Invoiced")

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="purchase_orders",
        verbose_name=_("supplier"),
    )
    convention = models.ForeignKey(
        Convention, on_delete=models.PROTECT, related_name="purchase_orders",
        verbose_name=_("convention"),
    )
    ordered_on = models.DateField(_("ordered on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The supplier's identifiers in force when the order was made and sent: a later change
    # of the supplier's bank details never rewrites an order (its PDF prints these).
    supplier_rib = models.CharField(_("supplier's RIB on the order"), max_length=24, blank=True)
    supplier_ice = models.CharField(_("supplier's ICE on the order"), max_length=15, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=50, blank=True)
    invoice_amount = MoneyField(_("invoice amount (DH)"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(table_name="grants_historicalpurchaseorder")
    objects = PurchaseOrderQuerySet.as_manager()

    class Meta:
        db_table = "grants_purchaseorder"
        ordering = ["-ordered_on", "-number"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        constraints = [
            models.CheckConstraint(
                condition=Q(invoice_amount__isnull=True) | Q(invoice_amount__gte=0),
                name="purchaseorder_invoice_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("grants:purchase_order_detail", args=[self.pk])

    @property
    def total(self) -> Decimal:
        """Sum of the order's lines (annotated by `with_totals()` in lists)."""
        total = getattr(self, "lines_total", None)
        if total is not None:
            return total
        return sum((line.total for line in self.lines.all()), ZERO)

    @property
    def invoice_differs(self) -> bool:
        """The supplier's invoice does not match the lines ordered: flagged for checking."""
        return self.invoice_amount is not None and self.invoice_amount != self.total

    @property
    def partly_delivered(self) -> bool:
        return self.status == self.Status.SENT and any(
            line.quantity_delivered for line in self.lines.all()
        )


class Quote(models.Model):
    """A supplier's quote for a purchase order above the convention's threshold."""

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="quotes",
        verbose_name=_("purchase order"),
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("supplier")
    )
    amount = MoneyField(_("amount (DH)"))
    quoted_on = models.DateField(_("date"))
    document = models.FileField(
        _("document"), upload_to=StoredName("quotes", "document"), blank=True, validators=[UploadCheck()]
    )
    chosen = models.BooleanField(_("chosen"), default=False)
    justification = models.TextField(
        _("justification"), blank=True,
        help_text=_("Required when the chosen quote is not the lowest."),
    )

    history = HistoricalRecords(table_name="grants_historicalquote")

    class Meta:
        db_table = "grants_quote"
        ordering = ["amount"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="quote_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} — {self.amount}"


class DisbursementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "project__prefecture")


class Disbursement(models.Model):
    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Bank transfer")
        CHEQUE = "cheque", _("Cheque")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="disbursements",
        verbose_name=_("project"),
    )
    amount = MoneyField(_("amount (DH)"))
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    reference = models.CharField(_("reference"), max_length=50, blank=True)
    # The account credited by a transfer, as it was when paid: kept on the payment.
    rib = models.CharField(_("account credited (RIB)"), max_length=24, blank=True, validators=[validate_rib])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(table_name="grants_historicaldisbursement")
    objects = DisbursementQuerySet.as_manager()

    class Meta:
        db_table = "grants_disbursement"
        ordering = ["-paid_on"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
        ]
        indexes = [
            # A convention's cash paid (`refresh_convention_figures`, lists), summed over
            # its projects from the index alone.
            models.Index(fields=["project"], include=["amount"], name="disbursement_project_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.project.reference} — {self.amount}"
