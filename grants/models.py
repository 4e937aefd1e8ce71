import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Lower, Trim
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from beneficiaries.models import Beneficiary
from reintegration.accounts.scope import scope_filter
from reintegration.common.collation import LocalisedOrder
from reintegration.common.links import uuid_url
from reintegration.common.uploads import PDF_ONLY, StoredName, UploadCheck
from reintegration.common.validators import validate_arabic_text
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


def payments():
    """The cash grants paid (`procurement.Disbursement`), which the ledger's figures sum:
    read through the app registry, as procurement sits above grants and imports it."""
    return apps.get_model("procurement", "Disbursement")


def purchase_orders():
    """The purchase orders (`procurement.PurchaseOrder`), whose invoices the ledger checks:
    read through the app registry, like `payments()`."""
    return apps.get_model("procurement", "PurchaseOrder")


def visits():
    """The follow-up visits (`followup.FollowUpVisit`), whose latest a convention's report
    shows: read through the app registry, like `payments()`."""
    return apps.get_model("followup", "FollowUpVisit")


# --- the ledger: what a project and a convention spend, defined once ---------------------
#
# A project asks its convention for its *requested amount*: its equipment lines plus its
# cash grant (`Project.requested_amount`). Its *total cost* adds the beneficiary's own
# contribution, which the convention does not pay (`Project.total_cost`); a convention's
# `max_share` is a share of that cost. The officer's *approved amount*, changed afterwards
# only by an approved `Amendment`, is the ceiling of everything the project spends from
# the convention:
#
#   engaged   its equipment lines on a purchase order, a draft one included, each at its
#             share of the order's invoice once invoiced, at quantity × unit price before
#             (`line_cost()`);
#   paid      its cash-grant payments (`Disbursement`);
#   spent     engaged + paid, never above approved.
#
# A convention's *committed* is the approved amounts of its projects from approval on
# (`Project.COMMITTED_STATUSES`: an abandoned project keeps its commitment until an
# amendment lowers it); its *disbursed* is what has left the account: the cash paid and
# the invoices' shares of its projects' lines; *remaining* is envelope − committed; and
# disbursed ≤ committed ≤ envelope. `grants.services` enforces these rules at every door
# that engages or spends money, under the rows' locks; `grants.ledger` (the page and
# `manage.py check_ledger`) recomputes every figure from the rows and lists what breaks them.

MONEY_SUM = DecimalField(max_digits=14, decimal_places=2)


def line_cost():
    """What an equipment line costs its convention: its share of the invoice once its
    order is invoiced, its quantity × unit price before (see the ledger above)."""
    return Coalesce(F("invoiced_amount"), F("quantity") * F("unit_price"), output_field=MONEY_SUM)


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
        ordering = [LocalisedOrder("name")]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class FrameworkAgreementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """National agreements: every user with a role reads them (the conventions under
        them keep their own scope)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role is not None:
            return self
        return self.none()


def framework_document_upload_to(instance, filename: str) -> str:
    """Named in migration 0011; the field now stores under `StoredName`."""
    return f"framework_agreements/{uuid.uuid4().hex}.pdf"


class FrameworkAgreement(models.Model):
    """A national partnership agreement (*accord-cadre*), e.g. between the Foundation and
    the INDH, under which the provincial committees sign the local conventions."""

    reference = models.CharField(_("reference"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=255)
    parties = models.ManyToManyField(
        Partner, related_name="framework_agreements", verbose_name=_("parties")
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    document = models.FileField(
        _("signed agreement"), upload_to=StoredName("framework_agreements", "document"), blank=True,
        validators=[UploadCheck(PDF_ONLY)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[parties])
    objects = FrameworkAgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "reference"]
        verbose_name = _("framework agreement")
        verbose_name_plural = _("framework agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="framework_agreement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("grants:framework_agreement_detail", args=[self.pk])


class ConventionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "prefecture")

    def with_committed(self):
        """Annotate `committed` alone: a correlated sum per convention that PostgreSQL reads
        from the index `project_convention_status`, cheap enough to rank every convention
        of the country by the share of its envelope committed (the dashboard)."""
        return self.annotate(committed=_budget_sums(OuterRef("pk"))[0])

    def with_budget_figures(self):
        """Annotate `committed`, `disbursed` and `remaining`, derived from the projects.

        Correlated sums on every row: for one convention or an export. A page of a list
        uses `attach_budget_figures` (the database would sum for every row before it
        sorts and cuts the page)."""
        committed, disbursed = _budget_sums(OuterRef("pk"))
        return self.annotate(
            committed=committed,
            disbursed=disbursed,
            remaining=F("envelope") - committed,
        )


def _budget_sums(convention):
    """`committed` and `disbursed` of `convention` (an OuterRef to its pk), as correlated
    subqueries (see the ledger above): the approved amounts of its projects in a committed
    state; the cash grants paid and the invoices' shares of its projects' lines."""
    committed = _sum_subquery(
        Project.objects.filter(convention=convention, status__in=Project.COMMITTED_STATUSES),
        "approved_amount",
    )
    cash_paid = _sum_subquery(
        payments().objects.filter(project__convention=convention), "amount"
    )
    invoiced = _sum_subquery(
        EquipmentItem.objects.filter(project__convention=convention).invoiced(), "invoiced_amount"
    )
    return committed, cash_paid + invoiced


def _sums_by(queryset, key: str, expression) -> dict:
    """{value of `key`: sum of `expression`} over `queryset`, in one grouped query."""
    output = DecimalField(max_digits=14, decimal_places=2)
    return dict(
        queryset.order_by().values_list(key).annotate(total=Sum(expression, output_field=output))
    )


def attach_budget_figures(conventions, *, disbursed: bool = True) -> None:
    """Set on each of `conventions` (a page of a list, a report's conventions) what
    `with_budget_figures()` annotates: `committed`, `remaining` and, unless
    `disbursed=False`, `disbursed`.

    One grouped query per sum for all of them, however many, reading only their rows; a
    page that does not show `disbursed` skips its two sums.
    """
    conventions = list(conventions)
    ids = [convention.pk for convention in conventions]
    if not ids:
        return
    committed = _sums_by(
        Project.objects.filter(convention__in=ids, status__in=Project.COMMITTED_STATUSES),
        "convention", "approved_amount",
    )
    if disbursed:
        cash_paid = _sums_by(
            payments().objects.filter(project__convention__in=ids), "project__convention", "amount"
        )
        invoiced = _sums_by(
            EquipmentItem.objects.filter(project__convention__in=ids).invoiced(),
            "project__convention", "invoiced_amount",
        )
    for convention in conventions:
        convention.committed = committed.get(convention.pk, ZERO)
        convention.remaining = convention.envelope - convention.committed
        if disbursed:
            convention.disbursed = cash_paid.get(convention.pk, ZERO) + invoiced.get(convention.pk, ZERO)


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
    title_ar = models.CharField(
        _("title (Arabic)"), max_length=255, blank=True, validators=[validate_arabic_text],
        help_text=_("Printed in the Arabic half of the documents; the French title otherwise."),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="conventions", verbose_name=_("partner")
    )
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="conventions",
        verbose_name=_("prefecture or province"),
    )
    framework_agreement = models.ForeignKey(
        FrameworkAgreement, on_delete=models.PROTECT, null=True, blank=True,
        related_name="conventions", verbose_name=_("framework agreement"),
        help_text=_("The national agreement under which this convention is signed."),
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
        _("signed convention"), upload_to=StoredName("conventions", "document"), blank=True,
        validators=[UploadCheck(PDF_ONLY)],
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

    def with_stored_figures(self) -> "Convention":
        """This convention with `committed`, `disbursed` and `remaining` (what
        `with_budget_figures()` computes) read from its `ConventionFigures` row, fetched with
        `select_related("figures")`: no sum over its projects on the pages that show them."""
        try:
            figures = self.figures
        except ConventionFigures.DoesNotExist:
            # Written by the first refresh, which comes with the first approved project.
            figures = ConventionFigures(convention=self)
        self.committed = figures.committed
        self.disbursed = figures.disbursed
        self.remaining = self.envelope - self.committed
        return self


class ConventionPartner(models.Model):
    """A partner that funds a convention, with its share of the envelope. The shares of a
    convention's partners add up to 100 % (`grants.services.set_convention_partners`, the
    forms and the admin check it); each partner's part of what is committed and disbursed
    follows from its share (`partner_parts`)."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="partner_shares",
        verbose_name=_("convention"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="convention_shares",
        verbose_name=_("partner"),
    )
    share = models.DecimalField(
        _("share of the envelope (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-share", "partner__name"]
        verbose_name = _("convention partner")
        verbose_name_plural = _("convention partners")
        constraints = [
            models.UniqueConstraint(fields=["convention", "partner"], name="convention_partner_once"),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=100), name="convention_partner_share_percentage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} — {self.share} %"


FULL_SHARE = Decimal("100")
CENT = Decimal("0.01")


def split_by_shares(total: Decimal, shares: list[Decimal]) -> list[Decimal]:
    """`total` split in proportion to `shares` (percentages adding up to 100), to the
    centime, the parts adding up to `total` exactly: each part is rounded down and the
    centimes left go to the largest remainders (so 100 DH over three thirds is
    33.34 + 33.33 + 33.33, not 99.99)."""
    if not shares:
        return []
    weight = sum(shares, Decimal("0")) or FULL_SHARE
    exact = [total * share / weight for share in shares]
    parts = [value.quantize(CENT, rounding="ROUND_DOWN") for value in exact]
    left = int(((total - sum(parts, ZERO)) / CENT).to_integral_value())
    by_remainder = sorted(range(len(shares)), key=lambda i: parts[i] - exact[i])
    for index in by_remainder[:left]:
        parts[index] += CENT
    return parts


@dataclass
class PartnerPart:
    """What one partner of a convention funds: its share of the envelope, and the same
    share of what the convention has committed and disbursed."""

    partner: Partner
    share: Decimal
    envelope: Decimal
    committed: Decimal
    disbursed: Decimal


def partner_parts(convention: Convention, shares: list[ConventionPartner] | None = None) -> list[PartnerPart]:
    """Each partner's part of `convention`'s envelope, committed and disbursed amounts.

    `convention` carries `committed` and `disbursed` (`with_stored_figures()`,
    `with_budget_figures()` or `attach_budget_figures`): the parts follow whatever those
    figures mean. `shares` (the convention's `ConventionPartner` rows with their partner)
    is read when not given. A convention without partners' shares is its own partner's
    at 100 %.
    """
    if shares is None:
        shares = list(convention.partner_shares.select_related("partner"))
    if not shares:
        shares = [ConventionPartner(convention=convention, partner=convention.partner, share=FULL_SHARE)]
    percentages = [row.share for row in shares]
    envelope = split_by_shares(convention.envelope, percentages)
    committed = split_by_shares(getattr(convention, "committed", ZERO), percentages)
    disbursed = split_by_shares(getattr(convention, "disbursed", ZERO), percentages)
    return [
        PartnerPart(row.partner, row.share, *amounts)
        for row, *amounts in zip(shares, envelope, committed, disbursed, strict=True)
    ]


def own_contributions(convention: Convention) -> Decimal:
    """The beneficiaries' own contributions to the projects `convention` funds (those whose
    approved amount it has committed)."""
    return Project.objects.filter(
        convention=convention, status__in=Project.COMMITTED_STATUSES
    ).aggregate(total=Sum("own_contribution"))["total"] or ZERO


class Sector(models.Model):
    name_fr = models.CharField(_("name (French)"), max_length=100, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = [LocalisedOrder("name_fr", "name_ar", english="name_en")]
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

    def awaiting_das_opinion(self):
        """Submitted files the DAS has not given its opinion on since their submission."""
        return self.submitted().exclude(models.Exists(
            DasOpinion.objects.filter(project=OuterRef("pk"), at__gte=OuterRef("submitted_at"))
        ))

    def awaiting_committee(self):
        """Submitted files with a favourable DAS opinion, waiting for the committee's session."""
        return self.submitted().filter(models.Exists(DasOpinion.objects.filter(
            project=OuterRef("pk"), at__gte=OuterRef("submitted_at"),
            opinion=DasOpinion.Opinion.FAVOURABLE,
        )))

    def awaiting_order(self):
        """Approved projects none of whose equipment lines is on a purchase order yet."""
        return self.filter(status=Project.Status.APPROVED).exclude(models.Exists(
            EquipmentItem.objects.filter(project=OuterRef("pk"), purchase_order__isnull=False)
        ))

    def ready_for_ceremony(self):
        """Approved projects whose every equipment line (at least one) is delivered."""
        lines = EquipmentItem.objects.filter(project=OuterRef("pk"))
        return self.filter(
            models.Exists(lines),
            ~models.Exists(lines.exclude(status=EquipmentItem.Status.DELIVERED)),
            status=Project.Status.APPROVED,
        )

    def with_other_funding(self):
        """Annotate `has_other_funding`: whether the beneficiary has another project in a
        committed state. The project page lists those only then (most files have none)."""
        others = Project.objects.filter(
            beneficiary=OuterRef("beneficiary"), status__in=Project.COMMITTED_STATUSES
        ).exclude(pk=OuterRef("pk"))
        return self.annotate(has_other_funding=models.Exists(others))

    def with_equipment_total(self):
        """Annotate `equipment_total`, which `equipment_value`, `requested_amount` and
        `total_cost` then read instead of the lines."""
        return self.annotate(
            equipment_total=_sum_subquery(
                EquipmentItem.objects.filter(project=OuterRef("pk")),
                F("quantity") * F("unit_price"),
            )
        )

    def with_spending(self):
        """Annotate `equipment_total` and the ledger's `engaged`, `paid` and `invoiced`
        (see the ledger above; `Project.spent` adds them up): one correlated sum each,
        for a project's page or a page of a list."""
        lines = EquipmentItem.objects.filter(project=OuterRef("pk"))
        return self.with_equipment_total().annotate(
            engaged=_sum_subquery(lines.engaged(), line_cost()),
            paid=_sum_subquery(payments().objects.filter(project=OuterRef("pk")), "amount"),
            invoiced=_sum_subquery(lines.invoiced(), "invoiced_amount"),
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

    # The colours of `{% status_badge %}` (reintegration/common/templatetags/badges.py):
    # funded and running projects are green, those ended without success red.
    STATUS_BADGES = {
        Status.DRAFT: "text-bg-light border",
        Status.SUBMITTED: "text-bg-info",
        Status.APPROVED: "text-bg-success",
        Status.REJECTED: "text-bg-danger",
        Status.RETURNED: "text-bg-warning",
        Status.EQUIPPED: "text-bg-success",
        Status.ACTIVE: "text-bg-success",
        Status.CLOSED: "text-bg-secondary",
        Status.ABANDONED: "text-bg-danger",
    }

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
    title_ar = models.CharField(
        _("title (Arabic)"), max_length=200, blank=True, validators=[validate_arabic_text],
        help_text=_("Printed in the Arabic half of the certificate and the minutes; the French "
                    "title otherwise."),
    )
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
    # The amount requested from the convention is computed (`requested_amount`), never typed.
    approved_amount = MoneyField(
        _("approved amount (DH)"), null=True, blank=True,
        help_text=_("The ceiling of everything the project spends from its convention."),
    )
    cash_grant_amount = MoneyField(_("cash grant (DH)"), default=ZERO)
    own_contribution = MoneyField(_("beneficiary's own contribution (DH)"), default=ZERO)
    expected_monthly_revenue = MoneyField(
        _("expected monthly revenue (DH)"), null=True, blank=True
    )
    feasibility_study = models.FileField(
        _("feasibility study"), upload_to=StoredName("feasibility", "feasibility_study"), blank=True,
        validators=[UploadCheck(PDF_ONLY)],
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
    # The day its equipment was handed over (the held ceremony's date, or the day given to a
    # handover without ceremony): set by `equip_project`; no launch may come before it.
    equipped_on = models.DateField(_("equipment handed over on"), null=True, blank=True)
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
            # The committed sum of every convention (dashboard, lists) read from the index
            # alone, without visiting the table; with the key, a convention's projects are
            # joined to their payments and equipment lines from the index too (its figures).
            models.Index(
                fields=["convention", "status"], include=["approved_amount", "id"],
                name="project_convention_status",
            ),
            # The projects' list is sorted newest first: without it, a sort of the whole table.
            models.Index(fields=["-created_at"], name="project_created_desc"),
            # The dashboard's monthly trend: submissions of the last twelve months.
            models.Index(fields=["submitted_at"], name="project_submitted_at"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def get_absolute_url(self) -> str:
        return uuid_url("grants:project_detail", self.public_id)  # once per row of the lists

    @property
    def equipment_value(self) -> Decimal:
        """Sum of the equipment lines (use `with_equipment_total()` in lists)."""
        total = getattr(self, "equipment_total", None)
        if total is not None:
            return total
        return sum((item.total for item in self.equipment_items.all()), ZERO)

    @property
    def requested_amount(self) -> Decimal:
        """What the project asks of its convention: the equipment and the cash grant."""
        return self.equipment_value + (self.cash_grant_amount or ZERO)

    @property
    def total_cost(self) -> Decimal:
        """The requested amount and the beneficiary's own contribution: the cost of which
        a convention's `max_share` is a share."""
        return self.requested_amount + (self.own_contribution or ZERO)

    @property
    def spent(self) -> Decimal:
        """Engaged and paid (annotated by `with_spending()`): never above `approved_amount`."""
        return self.engaged + self.paid

    @property
    def available(self) -> Decimal:
        """What the project may still engage or pay (annotated by `with_spending()`)."""
        return (self.approved_amount or ZERO) - self.spent


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
        indexes = [
            # The dashboard's monthly trend: approvals of the last twelve months.
            models.Index(fields=["to_status", "at"], name="event_status_at"),
        ]

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
        return f"{self.project.reference}: {self.decision_taken}"

    @property
    def decision_taken(self) -> str:
        """The decision as the file's history tells it: "Approved", not the button's "Approve"."""
        status = {
            self.Decision.APPROVE: Project.Status.APPROVED,
            self.Decision.REJECT: Project.Status.REJECTED,
            self.Decision.RETURN: Project.Status.RETURNED,
        }[self.decision]
        return str(status.label)


class AmendmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "project__prefecture")

    def pending(self):
        return self.filter(status=Amendment.Status.REQUESTED)


class Amendment(models.Model):
    """A change of a project's approved amount (and, if asked, of its cash grant) after
    its approval: real costs move (a price, an extra machine). Requested by staff with a
    reason, decided by an officer of the project's prefecture under the convention's rules
    (`grants.services.request_amendment`, `approve_amendment`, `refuse_amendment`); only
    an approved one changes the project."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("amendment status", "Requested")
        APPROVED = "approved", pgettext_lazy("amendment status", "Approved")
        REFUSED = "refused", pgettext_lazy("amendment status", "Refused")
        WITHDRAWN = "withdrawn", pgettext_lazy("amendment status", "Withdrawn")

    STATUS_BADGES = {
        Status.REQUESTED: "text-bg-info",
        Status.APPROVED: "text-bg-success",
        Status.REFUSED: "text-bg-danger",
        Status.WITHDRAWN: "text-bg-light border",
    }

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("project")
    )
    previous_amount = MoneyField(_("approved amount before (DH)"))
    requested_amount = MoneyField(_("approved amount requested (DH)"))
    previous_cash_grant = MoneyField(_("cash grant before (DH)"))
    cash_grant_amount = MoneyField(
        _("cash grant requested (DH)"), null=True, blank=True,
        help_text=_("Empty: the cash grant stays as it is."),
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="amendments_requested",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_amount = MoneyField(_("approved amount decided (DH)"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="amendments_decided", verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    history = HistoricalRecords()
    objects = AmendmentQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "pk"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0) & Q(previous_amount__gte=0)
                & Q(previous_cash_grant__gte=0),
                name="amendment_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(cash_grant_amount__isnull=True) | Q(cash_grant_amount__gte=0),
                name="amendment_cash_grant_non_negative",
            ),
            # An officer grants at most what was asked.
            models.CheckConstraint(
                condition=Q(decided_amount__isnull=True)
                | (Q(decided_amount__gt=0) & Q(decided_amount__lte=F("requested_amount"))),
                name="amendment_decided_within_requested",
            ),
            # Approved: with its amount, who and when; refused or withdrawn: who and when;
            # still requested: nothing decided.
            models.CheckConstraint(
                condition=(
                    Q(status="requested", decided_amount__isnull=True, decided_by__isnull=True,
                      decided_at__isnull=True)
                    | Q(status="approved", decided_amount__isnull=False, decided_by__isnull=False,
                        decided_at__isnull=False)
                    | Q(status__in=["refused", "withdrawn"], decided_amount__isnull=True,
                        decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="amendment_decision_complete",
            ),
            # One request at a time per project: a second one waits for the first decision.
            models.UniqueConstraint(
                fields=["project"], condition=Q(status="requested"), name="one_pending_amendment_per_project",
            ),
        ]
        indexes = [
            # The officers' list of amendments to decide.
            models.Index(fields=["requested_at"], condition=Q(status="requested"), name="amendment_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.project.reference}: {self.previous_amount} → {self.requested_amount}"

    def get_absolute_url(self) -> str:
        return reverse("grants:amendment_decide", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.REQUESTED

    @property
    def change(self) -> Decimal:
        """By how much the approved amount moves (requested, or decided once approved)."""
        amount = self.decided_amount if self.decided_amount is not None else self.requested_amount
        return amount - self.previous_amount


def file_history(project: Project) -> tuple[list[ProjectEvent], list[Review], list[dict]]:
    """The project's workflow events, its reviews and its amendments' steps (a request,
    a decision), each list in the order things happened, with their authors (names and
    username only), read in one query: a UNION ALL of the three tables, as the project
    page shows them all within its query budget. An amendment's step is a dict: `at`,
    `user`, `amendment` (an `Amendment` with its amounts and status) and `step`
    ("requested" or its decision)."""
    author = ("first_name", "last_name", "username")
    columns = ("kind", "pk", "at", "from_status", "to_status", "decision", "note")
    amounts = ("amount_before", "amount_asked", "amount_decided", "cash_before", "cash_asked")
    # Typed NULLs: PostgreSQL reads two untyped NULLs of a UNION as text.
    no_amounts = {name: Cast(Value(None), MONEY_SUM) for name in amounts}
    events = (
        ProjectEvent.objects.filter(project=project)
        .annotate(kind=Value("event"), decision=Value(""), note=F("reason"), **no_amounts)
        .order_by()
        .values_list(*columns, *amounts, "user_id", *(f"user__{name}" for name in author))
    )
    reviews = (
        Review.objects.filter(project=project)
        .annotate(kind=Value("review"), from_status=Value(""), to_status=Value(""), note=F("reason"),
                  **no_amounts)
        .order_by()
        .values_list(*columns, *amounts, "reviewer_id", *(f"reviewer__{name}" for name in author))
    )
    amendment_amounts = {
        "amount_before": F("previous_amount"), "amount_asked": F("requested_amount"),
        "amount_decided": F("decided_amount"), "cash_before": F("previous_cash_grant"),
        "cash_asked": F("cash_grant_amount"),
    }
    requests = (
        Amendment.objects.filter(project=project)
        .annotate(kind=Value("amendment"), at=F("requested_at"), from_status=Value(""),
                  to_status=Value(""), decision=Value(Amendment.Status.REQUESTED), note=F("reason"),
                  **amendment_amounts)
        .order_by()
        .values_list(*columns, *amounts, "requested_by_id", *(f"requested_by__{name}" for name in author))
    )
    decisions = (
        Amendment.objects.filter(project=project, decided_at__isnull=False)
        .annotate(kind=Value("amendment"), at=F("decided_at"), from_status=Value(""),
                  to_status=Value(""), decision=F("status"), note=F("decision_reason"),
                  **amendment_amounts)
        .order_by()
        .values_list(*columns, *amounts, "decided_by_id", *(f"decided_by__{name}" for name in author))
    )
    user_model = ProjectEvent._meta.get_field("user").related_model
    found: dict[str, list] = {"event": [], "review": [], "amendment": []}
    for kind, pk, at, from_status, to_status, decision, reason, *rest in (
        events.union(reviews, requests, decisions, all=True).order_by("at", "pk")
    ):
        before, asked, decided, cash_before, cash_asked, user_id, *names = rest
        user = user_model(pk=user_id, **dict(zip(author, names, strict=True)))
        if kind == "event":
            found[kind].append(ProjectEvent(
                pk=pk, project=project, at=at, from_status=from_status, to_status=to_status,
                reason=reason, user=user,
            ))
        elif kind == "review":
            found[kind].append(Review(
                pk=pk, project=project, at=at, decision=decision, reason=reason, reviewer=user,
            ))
        else:
            amendment = Amendment(
                pk=pk, project=project, previous_amount=before, requested_amount=asked,
                decided_amount=decided, previous_cash_grant=cash_before, cash_grant_amount=cash_asked,
                status=decision,
            )
            found[kind].append({"at": at, "user": user, "step": decision, "reason": reason,
                                "amendment": amendment})
    return found["event"], found["review"], found["amendment"]


def bank_certificate_upload_to(instance, filename: str) -> str:
    """Named in migration 0009; the field now stores under `StoredName`."""
    return f"bank_certificates/{uuid.uuid4().hex}"


class EquipmentItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "project__prefecture")

    def engaged(self):
        """The lines on a purchase order, a draft one included: what their projects have
        engaged (at `line_cost()`)."""
        return self.filter(purchase_order__isnull=False)

    def invoiced(self):
        """The lines whose order is invoiced, each with its share of the invoice (only
        `record_invoice` and the admin's corrections through `allocate_invoice` set it)."""
        return self.filter(invoiced_amount__isnull=False)

    def with_kit_price(self, sector_id):
        """Annotate `kit_price`: the reference price of the line of `sector_id`'s trade kit
        with the same designation (case and surrounding spaces aside; the last such kit
        line), or None. SQLite's LOWER() folds ASCII letters only; PostgreSQL folds all."""
        kit = (
            KitItem.objects.annotate(key=Lower(Trim("designation")))
            .filter(sector=sector_id, key=Lower(Trim(OuterRef("designation"))))
            .order_by("-pk")
            .values("reference_price")[:1]
        )
        return self.annotate(kit_price=Subquery(kit))


class EquipmentItem(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("equipment status", "Planned")
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
    designation_ar = models.CharField(
        _("designation (Arabic)"), max_length=200, blank=True, validators=[validate_arabic_text],
        help_text=_("Printed in the Arabic half of the certificate; the French otherwise."),
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = MoneyField(_("unit price (DH)"))
    reference_price = MoneyField(_("reference unit price (DH)"), null=True, blank=True)
    supplier = models.ForeignKey(
        "procurement.Supplier", on_delete=models.PROTECT, null=True, blank=True,
        related_name="equipment_items", verbose_name=_("supplier"),
    )
    purchase_order = models.ForeignKey(
        "procurement.PurchaseOrder", on_delete=models.PROTECT, null=True, blank=True,
        related_name="lines", verbose_name=_("purchase order"),
    )
    quantity_delivered = models.PositiveIntegerField(_("quantity delivered"), default=0)
    # Written with the order's invoice (grants.services.allocate_invoice): what the line
    # costs its convention from then on, instead of quantity × unit price.
    invoiced_amount = MoneyField(
        _("share of the invoice (DH)"), null=True, blank=True, editable=False,
        help_text=_("The part of its order's invoice that falls on this line."),
    )
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
            # Only a line on an order can carry a share of its invoice, never a negative one.
            models.CheckConstraint(
                condition=Q(invoiced_amount__isnull=True)
                | (Q(invoiced_amount__gte=0) & Q(purchase_order__isnull=False)),
                name="equipment_invoiced_share_on_an_order",
            ),
        ]
        indexes = [
            # The dashboard's "equipment handed over" sums its ~260,000 lines (at 100,000
            # files) grouped by project from the index alone; it serves `status` lookups too.
            models.Index(
                fields=["status", "project"], include=["quantity", "unit_price", "invoiced_amount"],
                name="equipment_status_project_cost",
            ),
            # A convention's invoiced equipment (`refresh_convention_figures`, lists), what
            # its projects engaged, and the equipment totals of a page of projects, summed
            # from the index alone.
            models.Index(
                fields=["project"],
                include=["purchase_order", "quantity", "unit_price", "invoiced_amount"],
                name="equipment_project_ledger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.designation} × {self.quantity}"

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_price

    @property
    def quantity_remaining(self) -> int:
        return self.quantity - self.quantity_delivered

    @property
    def cost(self) -> Decimal:
        """What the line costs its convention (`line_cost()` for one line)."""
        return self.total if self.invoiced_amount is None else self.invoiced_amount


def visit_photo_upload_to(instance, filename: str) -> str:
    return f"visits/{uuid.uuid4().hex}.jpg"


class ConventionFigures(models.Model):
    """A convention's committed and disbursed amounts, kept so that its page and its
    projects' pages read two columns instead of summing a thousand projects, their
    payments and four thousand equipment lines on every view.

    The same figures as `Convention.objects.with_budget_figures()` computes, written only by
    `grants.services.refresh_convention_figures`, which every door that changes them calls
    (its docstring lists them). The budget rule itself (`approve_project`) never reads
    them: it sums the commitments under the convention's lock.
    """

    convention = models.OneToOneField(
        Convention, on_delete=models.CASCADE, primary_key=True, related_name="figures",
        verbose_name=_("convention"),
    )
    # Sums of amounts: the digits of the sums that compute them (`_sum_subquery`).
    committed = models.DecimalField(_("committed (DH)"), max_digits=14, decimal_places=2, default=ZERO)
    disbursed = models.DecimalField(_("disbursed (DH)"), max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("convention figures")
        verbose_name_plural = _("convention figures")

    def __str__(self) -> str:
        return str(self.convention_id)


# --- the decision: the DAS opinion, then the CPDH committee's session --------------------

class DasOpinionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "project__prefecture")


class DasOpinion(models.Model):
    """The opinion of the prefecture's division of social action (DAS) on a submitted
    file: favourable (the file waits for the CPDH committee's next session), unfavourable
    (the file is rejected) or a return for correction."""

    class Opinion(models.TextChoices):
        FAVOURABLE = "favourable", _("Favourable")
        UNFAVOURABLE = "unfavourable", _("Unfavourable")
        RETURN = "return", _("Return for correction")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="das_opinions", verbose_name=_("project")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="das_opinions",
        verbose_name=_("officer"),
    )
    opinion = models.CharField(_("opinion"), max_length=12, choices=Opinion.choices)
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = DasOpinionQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("DAS opinion")
        verbose_name_plural = _("DAS opinions")

    def __str__(self) -> str:
        return f"{self.project.reference}: {self.get_opinion_display()}"


class CommitteeSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "prefecture")


class CommitteeSession(models.Model):
    """One session of a prefecture's provincial committee (CPDH), deciding many files:
    its minutes list every decision (`CommitteeDecision`)."""

    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="committee_sessions",
        verbose_name=_("prefecture or province"),
    )
    held_on = models.DateField(_("held on"))
    minutes_number = models.CharField(_("minutes number"), max_length=50)
    members = models.TextField(
        _("members present"), blank=True,
        help_text=_("One per line: name and office (e.g. “Mr A. Alaoui, DAS chief”)."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = CommitteeSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("committee session")
        verbose_name_plural = _("committee sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["prefecture", "minutes_number"], name="unique_session_minutes_number",
                violation_error_message=_("A session of this prefecture already has these minutes."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes_number} ({self.held_on:%d/%m/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("grants:committee_session_detail", args=[self.pk])

    @property
    def member_list(self) -> list[str]:
        return [line.strip() for line in self.members.splitlines() if line.strip()]


class CommitteeDecision(models.Model):
    """The committee's decision on one file in one session; an approval commits its amount
    on the convention (`grants.services.approve_project`, called by the session)."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REFUSE = "refuse", _("Refused")

    session = models.ForeignKey(
        CommitteeSession, on_delete=models.CASCADE, related_name="decisions",
        verbose_name=_("committee session"),
    )
    project = models.OneToOneField(
        Project, on_delete=models.PROTECT, related_name="committee_decision",
        verbose_name=_("project"),
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    convention = models.ForeignKey(
        Convention, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("convention"),
    )
    amount = MoneyField(_("approved amount (DH)"), null=True, blank=True)
    reason = models.TextField(_("reason"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "pk"]
        verbose_name = _("committee decision")
        verbose_name_plural = _("committee decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="approve")
                | (Q(amount__gt=0) & Q(convention__isnull=False)),
                name="committee_approval_has_amount_and_convention",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session.minutes_number}: {self.project.reference} ({self.get_decision_display()})"
