"""Django admin of the grants app, for administrators.

The workflow's fields (status, convention and approved amount, committee decision) are
read-only here: they change only through `grants.services`, so the budget rule and the
history of moves cannot be bypassed. What admins may still correct (a price, a quantity,
a payment, an invoice amount, a cash grant, a history revert) goes through the ledger's
rules (`LedgerAdminMixin`).
"""

from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reintegration.audit.admin import PersonalDataAdminMixin
from reintegration.common.admin import HistoryAdmin
from reintegration.common.money import format_money
from reintegration.sequences.models import next_number

from . import ledger
from .forms import BaseConventionPartnerFormSet
from .funding import ensure_lead_partner_share
from .models import (
    Amendment,
    CommitteeDecision,
    CommitteeSession,
    Convention,
    ConventionPartner,
    DasOpinion,
    EquipmentItem,
    FrameworkAgreement,
    KitItem,
    Partner,
    Project,
    ProjectEvent,
    Review,
    Sector,
    purchase_orders,
)
from .services import (
    allocate_invoice,
    launch_date_hooks,
    lock_ledger,
    refresh_convention_figures,
)


class LedgerBreachError(Exception):
    """A correction that would create or grow a breach of the ledger: its messages."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass
class LedgerCorrection:
    """The ledger's rows one admin request touches, and their breaches before it wrote."""

    projects: set = field(default_factory=set)
    conventions: set = field(default_factory=set)
    orders: set = field(default_factory=set)
    before: dict = field(default_factory=dict)  # breach key -> Breach


class LedgerAdminMixin:
    """The admin of rows that count in the ledger (grants.models): projects with their
    equipment lines, lines, purchase orders, payments, conventions. A correction — a
    change, a history revert (which restores every field, the read-only ones included),
    a deletion, one row or a selection —

    1. locks the rows it touches in the ledger's order before writing (`lock_ledger`) and
       notes their breaches as they stand;
    2. after its writes, shares again the invoices of the orders concerned
       (`allocate_invoice`) and refreshes their conventions' stored figures;
    3. reconciles those rows (`grants.ledger.check`): a correction that creates a breach,
       or grows one, is undone whole and refused — the form comes back as typed with the
       figures on top; one that leaves an old breach as it was, or reduces it, passes.

    `ledger_rows(queryset)` names the projects, conventions and orders the rows of
    `queryset` count in, `ledger_rows_of(obj)` those an unsaved instance will.
    """

    def ledger_rows(self, queryset) -> tuple[set, set, set]:
        raise NotImplementedError

    def ledger_rows_of(self, obj) -> tuple[set, set, set]:
        raise NotImplementedError

    # -- the steps ------------------------------------------------------------------------

    def ledger_touch(self, request, *rows: tuple[set, set, set]) -> None:
        state = request.__dict__.setdefault("_ledger_correction", LedgerCorrection())
        projects, conventions, orders = (set().union(*parts) - {None} for parts in zip(*rows, strict=True))
        # The orders' projects and conventions count too, and the projects' orders.
        projects |= set(
            EquipmentItem.objects.filter(purchase_order__in=orders).values_list("project", flat=True)
        )
        conventions |= set(
            purchase_orders().objects.filter(pk__in=orders).values_list("convention", flat=True)
        )
        orders |= set(
            EquipmentItem.objects.filter(project__in=projects, purchase_order__isnull=False)
            .values_list("purchase_order", flat=True)
        )
        conventions = lock_ledger(projects=projects, conventions=conventions)
        new = (projects - state.projects, conventions - state.conventions, orders - state.orders)
        if any(new):
            report = ledger.check(projects=new[0], conventions=new[1], orders=new[2])
            for breach in report.breaches:
                state.before.setdefault(breach.key, breach)
        state.projects |= projects
        state.conventions |= conventions
        state.orders |= orders

    def ledger_reconcile(self, request) -> None:
        state = request.__dict__.pop("_ledger_correction", None)
        if state is None:
            return
        for order in purchase_orders().objects.filter(pk__in=state.orders).order_by("pk"):
            allocate_invoice(order)
        refresh_convention_figures(conventions=state.conventions)
        after = ledger.check(projects=state.projects, conventions=state.conventions, orders=state.orders)
        worse = ledger.new_or_grown(ledger.Report(breaches=list(state.before.values())), after)
        if worse:
            raise LedgerBreachError([breach.message for breach in worse])

    # -- the hooks ------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        model = type(obj)
        before = self.ledger_rows(model.objects.filter(pk=obj.pk)) if change else (set(), set(), set())
        self.ledger_touch(request, before, self.ledger_rows_of(obj))
        super().save_model(request, obj, form, change)
        if request.__dict__.get("_ledger_history"):
            self.ledger_reconcile(request)  # a revert saves no related rows

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.ledger_reconcile(request)

    def delete_model(self, request, obj):
        self.ledger_touch(request, self.ledger_rows(type(obj).objects.filter(pk=obj.pk)))
        super().delete_model(request, obj)
        self.ledger_reconcile(request)

    def delete_queryset(self, request, queryset):
        self.ledger_touch(request, self.ledger_rows(queryset))
        super().delete_queryset(request, queryset)
        self.ledger_reconcile(request)

    # -- the views: all or nothing, a refusal shown where it was asked ----------------------

    def _guarded(self, request, view, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        try:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        except LedgerBreachError as breach:
            request.__dict__.pop("_ledger_correction", None)
            if view.__name__ in {"delete_view", "changelist_view"}:
                # A deletion: back to the page it was asked from, nothing deleted.
                messages.error(
                    request, gettext("This deletion was not made: it would break the ledger's rules.")
                )
                for message in breach.messages:
                    messages.error(request, message)
                return HttpResponseRedirect(request.get_full_path())
            # A form: shown again as posted, the figures on top, nothing saved.
            request._ledger_refusal = [
                gettext("This correction was not saved: it would break the ledger's rules."),
                *breach.messages,
            ]
            return view(request, *args, **kwargs)

    def changeform_view(self, request, *args, **kwargs):
        return self._guarded(request, super().changeform_view, *args, **kwargs)

    def history_form_view(self, request, *args, **kwargs):
        request._ledger_history = True
        return self._guarded(request, super().history_form_view, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._guarded(request, super().delete_view, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._guarded(request, super().changelist_view, *args, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = request.__dict__.get("_ledger_refusal")
        if not refusal:
            return form

        class RefusedForm(form):
            def clean(self):
                super().clean()
                raise ValidationError(refusal, code="ledger")

        return RefusedForm


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(HistoryAdmin):
    list_display = ["name", "kind", "prefecture"]
    list_filter = ["kind", "prefecture__region"]
    search_fields = ["name"]
    autocomplete_fields = ["prefecture"]


def _keys(queryset, *paths) -> set:
    """The values of `paths` over `queryset`'s rows, as one set (None left out)."""
    found = set()
    for path in paths:
        found |= set(queryset.order_by().values_list(path, flat=True))
    return found - {None}


class ConventionInline(ReadOnlyInline):
    model = Convention
    fields = ["reference", "title", "prefecture", "envelope", "status"]
    readonly_fields = fields
    show_change_link = True


@admin.register(FrameworkAgreement)
class FrameworkAgreementAdmin(HistoryAdmin):
    list_display = ["reference", "title", "signed_on", "starts_on", "ends_on"]
    search_fields = ["reference", "title", "parties__name"]
    list_filter = ["parties"]
    filter_horizontal = ["parties"]
    date_hierarchy = "starts_on"
    readonly_fields = ["created_at"]
    inlines = [ConventionInline]


class ConventionPartnerAdminFormSet(BaseConventionPartnerFormSet):
    """As on the staff page, except that no row at all is allowed: the convention is then
    its own partner's at 100 % (`ConventionAdmin.save_related`), as a new one starts."""

    def clean(self):
        if not any(self.errors) and not self.shares():
            return
        super().clean()


class ConventionPartnerInline(admin.TabularInline):
    """The partners that fund the convention; their shares add up to 100 %."""

    model = ConventionPartner
    formset = ConventionPartnerAdminFormSet
    extra = 0
    fields = ["partner", "share"]
    autocomplete_fields = ["partner"]


@admin.register(ConventionPartner)
class ConventionPartnerAdmin(HistoryAdmin):
    """Read here; changed with the convention (its inline), where the shares are checked
    together."""

    list_display = ["convention", "partner", "share"]
    list_filter = ["partner__kind"]
    search_fields = ["convention__reference", "partner__name"]
    list_select_related = ["convention", "partner"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Convention)
class ConventionAdmin(LedgerAdminMixin, HistoryAdmin):
    list_display = ["reference", "title", "partner", "prefecture", "envelope_display", "status"]
    list_filter = ["status", "indh_phase", "indh_programme", "prefecture__region", "framework_agreement"]
    search_fields = ["reference", "title", "title_ar", "partner__name", "partner_shares__partner__name"]
    autocomplete_fields = ["partner", "prefecture", "framework_agreement"]
    inlines = [ConventionPartnerInline]
    date_hierarchy = "starts_on"
    readonly_fields = ["created_at"]

    @admin.display(description=_("envelope (DH)"), ordering="envelope")
    def envelope_display(self, obj):
        return format_money(obj.envelope)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        ensure_lead_partner_share(form.instance)

    # Its envelope bounds what its projects commit.
    def ledger_rows(self, queryset):
        return set(), _keys(queryset, "pk"), set()

    def ledger_rows_of(self, obj):
        return set(), {obj.pk}, set()


class KitItemInline(admin.TabularInline):
    model = KitItem
    extra = 1
    fields = ["designation", "quantity", "reference_price"]


@admin.register(Sector)
class SectorAdmin(HistoryAdmin):
    list_display = ["name_fr", "name_ar", "name_en"]
    search_fields = ["name_fr", "name_ar", "name_en"]
    inlines = [KitItemInline]


class OrderedLinesKeptFormSet(BaseInlineFormSet):
    """A line on a purchase order is part of the supplier's document: it is not deleted."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.purchase_order_id:
                raise ValidationError(gettext(
                    "The line “%(line)s” is on a purchase order: it cannot be deleted."
                ) % {"line": form.instance.designation})


class EquipmentItemInline(admin.TabularInline):
    model = EquipmentItem
    formset = OrderedLinesKeptFormSet
    extra = 0
    fields = ["designation", "designation_ar", "quantity", "unit_price", "reference_price", "supplier",
              "purchase_order", "invoiced_amount", "quantity_delivered", "status", "serial_number"]
    readonly_fields = ["purchase_order", "invoiced_amount", "quantity_delivered", "status"]
    autocomplete_fields = ["supplier"]


class ProjectEventInline(ReadOnlyInline):
    model = ProjectEvent
    fields = ["at", "from_status", "to_status", "user", "reason"]
    readonly_fields = fields


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = ["at", "decision", "reviewer", "reason"]
    readonly_fields = fields


class AmendmentInline(ReadOnlyInline):
    model = Amendment
    fk_name = "project"
    fields = ["requested_at", "requested_by", "previous_amount", "requested_amount", "cash_grant_amount",
              "status", "decided_amount", "decided_by", "decided_at"]
    readonly_fields = fields


@admin.register(Project)
class ProjectAdmin(PersonalDataAdminMixin, LedgerAdminMixin, HistoryAdmin):
    list_display = ["reference", "title", "beneficiary", "sector", "prefecture", "convention", "status",
                    "submitted_at"]
    list_filter = ["status", "sector", "prefecture__region", "convention"]
    search_fields = ["reference", "title", "title_ar", "beneficiary__last_name", "beneficiary__first_name",
                     "beneficiary__file_number"]
    list_select_related = ["beneficiary", "sector", "prefecture", "convention"]
    autocomplete_fields = ["beneficiary", "co_beneficiaries", "prefecture"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "reference", "status", "convention", "approved_amount", "committee_minutes_number",
        "committee_decision_on", "submitted_at", "equipped_on", "launched_on", "created_by", "created_at",
        "updated_at",
    ]
    # procurement/admin.py puts its payments between the events and the amendments.
    inlines = [EquipmentItemInline, ReviewInline, ProjectEventInline, AmendmentInline]
    list_shows_personal_data = True  # the beneficiary's name

    def ledger_rows(self, queryset):
        return _keys(queryset, "pk"), _keys(queryset, "convention"), set()

    def ledger_rows_of(self, obj):
        return {obj.pk}, {obj.convention_id}, set()

    def has_delete_permission(self, request, obj=None):
        # Its lines on a purchase order are part of the supplier's documents.
        if obj is not None and obj.equipment_items.filter(purchase_order__isnull=False).exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        ordered = queryset.filter(equipment_items__purchase_order__isnull=False).distinct()
        if ordered:
            raise LedgerBreachError([gettext(
                "Project %(project)s has equipment on a purchase order: it cannot be deleted."
            ) % {"project": project.reference} for project in ordered])
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.reference = next_number("PRJ", timezone.localdate().year, 5)
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if change:  # reverting the history may restore another launch date
            for react in launch_date_hooks:
                react(project=obj)



@admin.register(ProjectEvent)
class ProjectEventAdmin(admin.ModelAdmin):
    """The workflow's log: written by grants.services, never edited."""

    list_display = ["at", "project", "from_status", "to_status", "user"]
    list_filter = ["to_status"]
    search_fields = ["project__reference", "user__username", "reason"]
    list_select_related = ["project", "user"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(HistoryAdmin):
    list_display = ["at", "project", "decision", "reviewer"]
    list_filter = ["decision"]
    search_fields = ["project__reference", "reviewer__username", "reason"]
    list_select_related = ["project", "reviewer"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Amendment)
class AmendmentAdmin(HistoryAdmin):
    """Amendments are requested and decided through `grants.services` (the staff's and
    officers' pages), which apply the funding rules and change the project with them:
    here they are read, never written."""

    list_display = ["project", "requested_at", "previous_amount", "requested_amount", "status",
                    "decided_amount", "decided_by", "decided_at"]
    list_filter = ["status", "project__prefecture__region"]
    search_fields = ["project__reference", "reason", "decision_reason", "requested_by__username",
                     "decided_by__username"]
    list_select_related = ["project", "decided_by"]
    date_hierarchy = "requested_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EquipmentItem)
class EquipmentItemAdmin(LedgerAdminMixin, HistoryAdmin):
    list_display = [
        "designation", "project", "quantity", "unit_price", "supplier", "purchase_order", "status",
    ]
    list_filter = ["status", "project__sector"]
    search_fields = ["designation", "designation_ar", "serial_number", "project__reference",
                     "purchase_order__number"]
    list_select_related = ["project", "supplier", "purchase_order"]
    autocomplete_fields = ["project", "supplier"]
    readonly_fields = ["purchase_order", "quantity_delivered", "invoiced_amount", "status"]

    def ledger_rows(self, queryset):
        return _keys(queryset, "project"), set(), _keys(queryset, "purchase_order")

    def ledger_rows_of(self, obj):
        return {obj.project_id}, set(), {obj.purchase_order_id}

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.purchase_order_id:
            return False  # part of the supplier's order
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        ordered = queryset.filter(purchase_order__isnull=False).select_related("purchase_order")
        if ordered:
            raise LedgerBreachError([
                gettext("The line “%(line)s” is on order %(order)s: it cannot be deleted.")
                % {"line": line.designation, "order": line.purchase_order.number}
                for line in ordered
            ])
        super().delete_queryset(request, queryset)


# --- the DAS opinion and the committee's sessions: written by grants.services --------------

class ReadOnlyDecisionAdmin(HistoryAdmin):
    """Recorded through the officers' pages (`record_das_opinion`,
    `record_committee_session`), which move the projects and commit the envelope with
    them: here they are read, never written."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DasOpinion)
class DasOpinionAdmin(ReadOnlyDecisionAdmin):
    list_display = ["at", "project", "opinion", "officer"]
    list_filter = ["opinion", "project__prefecture__region"]
    search_fields = ["project__reference", "officer__username", "reason"]
    list_select_related = ["project", "officer"]
    date_hierarchy = "at"


class CommitteeDecisionInline(ReadOnlyInline):
    model = CommitteeDecision
    fields = ["project", "decision", "convention", "amount", "reason"]
    readonly_fields = fields


@admin.register(CommitteeSession)
class CommitteeSessionAdmin(ReadOnlyDecisionAdmin):
    list_display = ["held_on", "minutes_number", "prefecture", "recorded_by"]
    list_filter = ["prefecture__region", "prefecture"]
    search_fields = ["minutes_number", "members", "decisions__project__reference"]
    list_select_related = ["prefecture", "recorded_by"]
    date_hierarchy = "held_on"
    inlines = [CommitteeDecisionInline]


@admin.register(CommitteeDecision)
class CommitteeDecisionAdmin(ReadOnlyDecisionAdmin):
    list_display = ["session", "project", "decision", "convention", "amount"]
    list_filter = ["decision"]
    search_fields = ["session__minutes_number", "project__reference", "reason"]
    list_select_related = ["session", "project", "convention"]
