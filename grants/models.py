import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.models import Beneficiary
from reintegration.accounts.scope import scope_filter
from reintegration.territories.models import Prefecture

ZERO = Decimal("0.00")


def MoneyField(verbose_name, **kwargs):  # noqa: N802 - reads like a field class
    """Dirhams: exact decimals, never floats."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


def _sum_subquery(queryset, expression):
    """A correlated subquery that sums `expression` over `queryset`, 0 when empty.

    Subqueries rather than joins, so several sums on one row never multiply each other.
    """
    output = DecimalField(max_digits=14, decimal_places=2)
    summed = (
        queryset.order_by()
        .annotate(_group=Value(1))
        .values("_group")
        .annotate(total=Sum(expression, output_field=output))
        .values("total")
    )
    return Coalesce(Subquery(summed, output_field=output), Value(ZERO), output_field=output)


class Partner(models.Model):
    class Kind(models.TextChoices):
        CPDH = "cpdh", _("Provincial committee (CPDH)")
        INDH = "indh", _("INDH")
        FOUNDATION = "foundation", _("Foundation")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, null=True, blank=True,
        related_name="partners", verbose_name=_("prefecture or province"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class ConventionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "prefecture")

    def with_budget_figures(self):
        """Annotate `committed`, `disbursed` and `remaining`, derived from the projects."""
        committed = _sum_subquery(
            Project.objects.filter(
                convention=OuterRef("pk"), status__in=Project.COMMITTED_STATUSES
            ),
            "approved_amount",
        )
        cash_paid = _sum_subquery(
            Disbursement.objects.filter(project__convention=OuterRef("pk")), "amount"
        )
        invoiced = _sum_subquery(
            EquipmentItem.objects.filter(
                project__convention=OuterRef("pk"),
                purchase_order__status=PurchaseOrder.Status.INVOICED,
            ),
            F("quantity") * F("unit_price"),
        )
        return self.annotate(
            committed=committed,
            disbursed=cash_paid + invoiced,
            remaining=F("envelope") - committed,
        )


class Convention(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    class IndhProgramme(models.TextChoices):
        INFRASTRUCTURE = "infrastructure", _("Programme 1: catching up on infrastructure")
        PRECARIOUS = "precarious", _("Programme 2: support for people in precarious situations")
        INCOME = "income", _("Programme 3: income and economic inclusion of young people")
        HUMAN_CAPITAL = "human_capital", _("Programme 4: human capital of the rising generations")

    reference = models.CharField(_("reference"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=255)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="conventions", verbose_name=_("partner")
    )
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="conventions",
        verbose_name=_("prefecture or province"),
    )
    indh_phase = models.PositiveSmallIntegerField(
        _("INDH phase"), default=3, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    indh_programme = models.CharField(
        _("INDH programme"), max_length=20, choices=IndhProgramme.choices,
        default=IndhProgramme.INCOME,
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    envelope = MoneyField(_("envelope (DH)"))
    max_per_project = MoneyField(
        _("maximum per project (DH)"), null=True, blank=True,
        help_text=_("The most one project may receive; empty for no limit."),
    )
    max_share = models.DecimalField(
        _("maximum share of a project's cost (%)"), max_digits=5, decimal_places=2,
        null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("The largest share of a project's total cost the convention may pay."),
    )
    quote_threshold = MoneyField(
        _("threshold for three quotes (DH)"), null=True, blank=True,
        help_text=_("Purchases above this amount need three supplier quotes."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    document = models.FileField(
        _("signed convention"), upload_to="conventions/", blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = ConventionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "reference"]
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        constraints = [
            models.CheckConstraint(condition=Q(envelope__gte=0), name="convention_envelope_non_negative"),
            models.CheckConstraint(
                condition=Q(max_per_project__isnull=True) | Q(max_per_project__gte=0),
                name="convention_max_per_project_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(max_share__isnull=True) | (Q(max_share__gte=0) & Q(max_share__lte=100)),
                name="convention_max_share_percentage",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="convention_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("grants:convention_detail", args=[self.pk])


class Sector(models.Model):
    name_fr = models.CharField(_("name (French)"), max_length=100, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        from django.utils.translation import get_language

        language = get_language() or ""
        if language.startswith("ar"):
            return self.name_ar or self.name_fr
        if language.startswith("en"):
            return self.name_en or self.name_fr
        return self.name_fr


class KitItem(models.Model):
    """One line of a sector's trade kit: the usual equipment with a reference price."""

    sector = models.ForeignKey(
        Sector, on_delete=models.CASCADE, related_name="kit_items", verbose_name=_("sector")
    )
    designation = models.CharField(_("designation"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    reference_price = MoneyField(_("reference unit price (DH)"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["sector", "pk"]
        verbose_name = _("kit item")
        verbose_name_plural = _("kit items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="kititem_quantity_positive"),
            models.CheckConstraint(
                condition=Q(reference_price__gte=0), name="kititem_price_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.designation


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "prefecture")

    def submitted(self):
        return self.filter(status=Project.Status.SUBMITTED)

    def ready_for_ceremony(self):
        """Approved projects whose every equipment line (at least one) is delivered."""
        lines = EquipmentItem.objects.filter(project=OuterRef("pk"))
        return self.filter(
            models.Exists(lines),
            ~models.Exists(lines.exclude(status=EquipmentItem.Status.DELIVERED)),
            status=Project.Status.APPROVED,
        )

    def with_equipment_total(self):
        return self.annotate(
            equipment_total=_sum_subquery(
                EquipmentItem.objects.filter(project=OuterRef("pk")),
                F("quantity") * F("unit_price"),
            )
        )


class Project(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for correction")
        EQUIPPED = "equipped", _("Equipped")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        ABANDONED = "abandoned", _("Abandoned")

    # The states whose approved amount counts against the convention's envelope.
    COMMITTED_STATUSES = [
        Status.APPROVED, Status.EQUIPPED, Status.ACTIVE, Status.CLOSED, Status.ABANDONED,
    ]

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="projects",
        verbose_name=_("beneficiary"),
    )
    co_beneficiaries = models.ManyToManyField(
        Beneficiary, blank=True, related_name="co_projects", verbose_name=_("co-beneficiaries")
    )
    title = models.CharField(_("title"), max_length=200)
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="projects", verbose_name=_("sector")
    )
    description = models.TextField(_("description"), blank=True)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="projects",
        verbose_name=_("prefecture or province"),
    )
    convention = models.ForeignKey(
        Convention, on_delete=models.PROTECT, null=True, blank=True,
        related_name="projects", verbose_name=_("convention"),
    )
    requested_amount = MoneyField(_("requested amount (DH)"), default=ZERO)
    approved_amount = MoneyField(_("approved amount (DH)"), null=True, blank=True)
    cash_grant_amount = MoneyField(_("cash grant (DH)"), default=ZERO)
    own_contribution = MoneyField(_("beneficiary's own contribution (DH)"), default=ZERO)
    expected_monthly_revenue = MoneyField(
        _("expected monthly revenue (DH)"), null=True, blank=True
    )
    feasibility_study = models.FileField(
        _("feasibility study"), upload_to="feasibility/", blank=True
    )
    previous_funding_justification = models.TextField(
        _("justification of a previous funding"), blank=True,
        help_text=_("Required when the beneficiary already had a project funded."),
    )
    committee_minutes_number = models.CharField(
        _("CPDH committee minutes number"), max_length=50, blank=True
    )
    committee_decision_on = models.DateField(_("CPDH committee decision date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    launched_on = models.DateField(_("launched on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gte=0), name="project_requested_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="project_approved_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(cash_grant_amount__gte=0), name="project_cash_grant_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(own_contribution__gte=0), name="project_contribution_non_negative"
            ),
            # From approval on, a project is funded by a convention with an amount.
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "equipped", "active", "closed", "abandoned"])
                | (Q(convention__isnull=False) & Q(approved_amount__isnull=False)),
                name="project_approved_has_convention_and_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["prefecture", "status"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["convention", "status"]),
            # The projects' list is sorted newest first: without it, a sort of the whole table.
            models.Index(fields=["-created_at"], name="project_created_desc"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("grants:project_detail", args=[self.public_id])

    @property
    def equipment_value(self) -> Decimal:
        """Sum of the equipment lines (use `with_equipment_total()` in lists)."""
        total = getattr(self, "equipment_total", None)
        if total is not None:
            return total
        return sum((item.total for item in self.equipment_items.all()), ZERO)


class ProjectEvent(models.Model):
    """One move of a project's workflow: who, when, from which state to which, and why."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("project")
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=Project.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=Project.Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="project_events",
        verbose_name=_("user"),
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("project event")
        verbose_name_plural = _("project events")

    def __str__(self) -> str:
        return f"{self.project.reference}: {self.from_status} → {self.to_status}"


class Review(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        RETURN = "return", _("Return for correction")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("project")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews",
        verbose_name=_("reviewer"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.project.reference}: {self.get_decision_display()}"


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
    ice = models.CharField(_("ICE"), max_length=15, blank=True)
    rc = models.CharField(_("commercial register (RC)"), max_length=50, blank=True)
    tax_id = models.CharField(_("tax identifier (IF)"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)
    rib = models.CharField(_("bank account (RIB)"), max_length=24, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = SupplierQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        constraints = [
            models.UniqueConstraint(fields=["ice"], condition=~Q(ice=""), name="unique_supplier_ice"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("grants:supplier_detail", args=[self.pk])


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
    invoice_number = models.CharField(_("invoice number"), max_length=50, blank=True)
    invoice_amount = MoneyField(_("invoice amount (DH)"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = PurchaseOrderQuerySet.as_manager()

    class Meta:
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
    document = models.FileField(_("document"), upload_to="quotes/", blank=True)
    chosen = models.BooleanField(_("chosen"), default=False)
    justification = models.TextField(
        _("justification"), blank=True,
        help_text=_("Required when the chosen quote is not the lowest."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["amount"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="quote_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} — {self.amount}"


class EquipmentItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "project__prefecture")


class EquipmentItem(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ORDERED = "ordered", _("Ordered")
        DELIVERED = "delivered", _("Delivered")
        HANDED_OVER = "handed_over", _("Handed over")

    # Lines the supplier has fully delivered (handing over comes after delivery).
    DELIVERED_STATUSES = [Status.DELIVERED, Status.HANDED_OVER]

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="equipment_items",
        verbose_name=_("project"),
    )
    designation = models.CharField(_("designation"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = MoneyField(_("unit price (DH)"))
    reference_price = MoneyField(_("reference unit price (DH)"), null=True, blank=True)
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, null=True, blank=True,
        related_name="equipment_items", verbose_name=_("supplier"),
    )
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, null=True, blank=True,
        related_name="lines", verbose_name=_("purchase order"),
    )
    quantity_delivered = models.PositiveIntegerField(_("quantity delivered"), default=0)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)

    history = HistoricalRecords()
    objects = EquipmentItemQuerySet.as_manager()

    class Meta:
        ordering = ["project", "pk"]
        verbose_name = _("equipment item")
        verbose_name_plural = _("equipment items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="equipment_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="equipment_unit_price_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity_delivered__lte=F("quantity")),
                name="equipment_delivered_at_most_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.designation} × {self.quantity}"

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_price

    @property
    def quantity_remaining(self) -> int:
        return self.quantity - self.quantity_delivered


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = DisbursementQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_on"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project.reference} — {self.amount}"


class FollowUpVisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "project__prefecture")

    def pending(self):
        """Planned visits not yet made, of projects still followed up (launched, not ended)."""
        return self.filter(visited_on__isnull=True, project__status=Project.Status.ACTIVE)

    def done(self):
        return self.filter(visited_on__isnull=False)


def visit_photo_upload_to(instance, filename: str) -> str:
    return f"visits/{uuid.uuid4().hex}.jpg"


class FollowUpVisit(models.Model):
    class ActivityStatus(models.TextChoices):
        ACTIVE = "active", _("Active")
        STRUGGLING = "struggling", _("Struggling")
        STOPPED = "stopped", _("Stopped")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="visits", verbose_name=_("project")
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="visits", verbose_name=_("visitor"),
    )
    activity_status = models.CharField(
        _("activity status"), max_length=10, choices=ActivityStatus.choices, blank=True
    )
    monthly_revenue = MoneyField(_("monthly revenue (DH)"), null=True, blank=True)
    jobs_created = models.PositiveSmallIntegerField(_("jobs created"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    next_visit_on = models.DateField(_("next visit on"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to=visit_photo_upload_to, blank=True)
    equipment_missing = models.BooleanField(_("equipment sold or missing"), default=False)
    activity_closed = models.BooleanField(_("activity closed"), default=False)
    reincarcerated = models.BooleanField(_("beneficiary re-incarcerated"), default=False)

    history = HistoricalRecords()
    objects = FollowUpVisitQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "visited_on"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_revenue__isnull=True) | Q(monthly_revenue__gte=0),
                name="visit_revenue_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["due_on", "visited_on"]),
            # Visits still to make (lists, dashboard): a small part of the table.
            models.Index(fields=["due_on"], condition=Q(visited_on__isnull=True), name="visit_pending_due"),
            # A project's latest visit (outcomes, project page) without a sort.
            models.Index(fields=["project", "-visited_on"], name="visit_project_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.project.reference} — {self.visited_on or self.due_on}"
