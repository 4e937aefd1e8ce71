"""Django admin of the grants app, for administrators.

The workflow's fields (status, convention and approved amount, committee decision) are
read-only here: they change only through `grants.services`, so the budget rule and the
history of moves cannot be bypassed.
"""

from django.contrib import admin
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reintegration.audit.admin import PersonalDataAdminMixin
from reintegration.common.admin import HistoryAdmin
from reintegration.common.money import format_money
from reintegration.sequences.models import next_number

from .forms import BaseConventionPartnerFormSet
from .funding import ensure_lead_partner_share
from .models import (
    Convention,
    ConventionPartner,
    Disbursement,
    EquipmentItem,
    FollowUpVisit,
    FrameworkAgreement,
    KitItem,
    Partner,
    Project,
    ProjectEvent,
    PurchaseOrder,
    Quote,
    Review,
    Sector,
    Supplier,
    SupplierBankChange,
)
from .procurement_forms import BANK_FIELDS, SupplierForm
from .services import refresh_convention_figures, refresh_outcome, refresh_outcomes


class ConventionFiguresAdminMixin:
    """The admin of rows that count in a convention's stored figures (`ConventionFigures`):
    after a save (a history revert too, which restores every field, the read-only ones
    included) or a deletion, the figures of the conventions the rows counted in before and
    count in after are recomputed, in the admin's transaction.

    `convention_path`: the lookup from the row to its convention.
    """

    convention_path = ""

    def conventions_of(self, queryset) -> set:
        return set(queryset.order_by().values_list(self.convention_path, flat=True))

    def save_model(self, request, obj, form, change):
        model = type(obj)
        before = self.conventions_of(model.objects.filter(pk=obj.pk)) if change else set()
        super().save_model(request, obj, form, change)
        refresh_convention_figures(conventions=before | self.conventions_of(model.objects.filter(pk=obj.pk)))

    def delete_model(self, request, obj):
        before = self.conventions_of(type(obj).objects.filter(pk=obj.pk))
        super().delete_model(request, obj)
        refresh_convention_figures(conventions=before)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        before = self.conventions_of(queryset)
        super().delete_queryset(request, queryset)
        refresh_convention_figures(conventions=before)


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
class ConventionAdmin(HistoryAdmin):
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


class KitItemInline(admin.TabularInline):
    model = KitItem
    extra = 1
    fields = ["designation", "quantity", "reference_price"]


@admin.register(Sector)
class SectorAdmin(HistoryAdmin):
    list_display = ["name_fr", "name_ar", "name_en"]
    search_fields = ["name_fr", "name_ar", "name_en"]
    inlines = [KitItemInline]


class EquipmentItemInline(admin.TabularInline):
    model = EquipmentItem
    extra = 0
    fields = ["designation", "designation_ar", "quantity", "unit_price", "reference_price", "supplier",
              "purchase_order", "quantity_delivered", "status", "serial_number"]
    readonly_fields = ["purchase_order", "quantity_delivered", "status"]
    autocomplete_fields = ["supplier"]


class ProjectEventInline(ReadOnlyInline):
    model = ProjectEvent
    fields = ["at", "from_status", "to_status", "user", "reason"]
    readonly_fields = fields


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = ["at", "decision", "reviewer", "reason"]
    readonly_fields = fields


class DisbursementInline(ReadOnlyInline):
    model = Disbursement
    fields = ["paid_on", "amount", "method", "reference", "created_by"]
    readonly_fields = fields


@admin.register(Project)
class ProjectAdmin(PersonalDataAdminMixin, ConventionFiguresAdminMixin, HistoryAdmin):
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
        "committee_decision_on", "submitted_at", "launched_on", "created_by", "created_at", "updated_at",
    ]
    inlines = [EquipmentItemInline, ReviewInline, ProjectEventInline, DisbursementInline]
    convention_path = "convention"
    list_shows_personal_data = True  # the beneficiary's name

    def save_model(self, request, obj, form, change):
        if not change:
            obj.reference = next_number("PRJ", timezone.localdate().year, 5)
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if change:  # reverting the history may restore another launch date
            refresh_outcome(project=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The equipment lines edited or deleted inline (their order may be invoiced).
        refresh_convention_figures(conventions=[form.instance.convention_id])


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


class SupplierBankChangeInline(ReadOnlyInline):
    model = SupplierBankChange
    fields = ["requested_at", "requested_by", "old_rib", "new_rib", "old_ice", "new_ice", "status",
              "decided_by", "decided_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Supplier)
class SupplierAdmin(HistoryAdmin):
    """RIB and ICE are set when a supplier is added; afterwards they change only through a
    `SupplierBankChange` approved by a second person (grants.procurement_bank)."""

    form = SupplierForm  # the same ICE, RIB and phone checks as the staff pages
    list_display = ["name", "ice", "phone", "email"]
    search_fields = ["name", "ice", "rc", "tax_id", "email"]
    inlines = [SupplierBankChangeInline]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly + list(BANK_FIELDS) if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        if change:
            # Reverting the history restores every field, read-only ones included: the
            # bank details stay those in force, read under the row's lock.
            current = Supplier.objects.select_for_update().get(pk=obj.pk)
            obj.rib, obj.ice = current.rib, current.ice
        super().save_model(request, obj, form, change)


@admin.register(SupplierBankChange)
class SupplierBankChangeAdmin(HistoryAdmin):
    """The requests and their decisions, read-only: they are made on the staff pages,
    where the decision asks for a fresh one-time code."""

    list_display = ["requested_at", "supplier", "requested_by", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["supplier__name", "supplier__ice", "new_rib", "old_rib", "requested_by__username",
                     "decided_by__username"]
    list_select_related = ["supplier", "requested_by", "decided_by"]
    date_hierarchy = "requested_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(admin.TabularInline):
    model = EquipmentItem
    fk_name = "purchase_order"
    extra = 0
    can_delete = False
    fields = ["project", "designation", "quantity", "unit_price", "quantity_delivered", "status",
              "serial_number"]
    readonly_fields = ["project", "designation", "quantity", "unit_price", "quantity_delivered", "status"]

    def has_add_permission(self, request, obj=None):
        return False


class QuoteInline(admin.TabularInline):
    model = Quote
    extra = 0
    fields = ["supplier", "amount", "quoted_on", "document", "chosen", "justification"]
    autocomplete_fields = ["supplier"]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ConventionFiguresAdminMixin, HistoryAdmin):
    list_display = [
        "number", "supplier", "convention", "ordered_on", "status", "invoice_number", "invoice_flag",
    ]
    list_filter = ["status", "convention"]
    search_fields = ["number", "supplier__name", "invoice_number"]
    list_select_related = ["supplier", "convention"]
    autocomplete_fields = ["supplier", "convention"]
    date_hierarchy = "ordered_on"
    readonly_fields = ["number", "status", "supplier_rib", "supplier_ice", "created_by", "created_at"]
    inlines = [OrderLineInline, QuoteInline]
    # Its lines count as disbursed once it is invoiced (a history revert may undo that).
    convention_path = "lines__project__convention"

    def get_queryset(self, request):
        return super().get_queryset(request).with_totals()

    def save_model(self, request, obj, form, change):
        if not change:  # numbered as the staff pages number it (grants.procurement)
            obj.number = next_number("BC", obj.ordered_on.year, 5)
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(boolean=True, description=_("invoice differs"))
    def invoice_flag(self, order):
        return order.invoice_differs


@admin.register(Quote)
class QuoteAdmin(HistoryAdmin):
    list_display = ["purchase_order", "supplier", "amount", "quoted_on", "chosen"]
    list_filter = ["chosen"]
    search_fields = ["purchase_order__number", "supplier__name"]
    list_select_related = ["purchase_order", "supplier"]
    autocomplete_fields = ["purchase_order", "supplier"]


@admin.register(EquipmentItem)
class EquipmentItemAdmin(ConventionFiguresAdminMixin, HistoryAdmin):
    list_display = [
        "designation", "project", "quantity", "unit_price", "supplier", "purchase_order", "status",
    ]
    list_filter = ["status", "project__sector"]
    search_fields = ["designation", "designation_ar", "serial_number", "project__reference",
                     "purchase_order__number"]
    list_select_related = ["project", "supplier", "purchase_order"]
    autocomplete_fields = ["project", "supplier"]
    readonly_fields = ["purchase_order", "quantity_delivered", "status"]
    convention_path = "project__convention"


@admin.register(Disbursement)
class DisbursementAdmin(ConventionFiguresAdminMixin, HistoryAdmin):
    list_display = ["project", "amount", "paid_on", "method", "reference"]
    list_filter = ["method"]
    search_fields = ["project__reference", "reference"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    date_hierarchy = "paid_on"
    readonly_fields = ["created_by", "created_at"]
    convention_path = "project__convention"


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(PersonalDataAdminMixin, HistoryAdmin):  # notes and photo of the visit
    list_display = ["project", "due_on", "visited_on", "visitor", "activity_status", "monthly_revenue"]
    list_filter = ["activity_status", "equipment_missing", "activity_closed", "reincarcerated"]
    search_fields = ["project__reference", "notes"]
    list_select_related = ["project", "visitor"]
    autocomplete_fields = ["project", "visitor"]
    date_hierarchy = "due_on"

    # A visit written here (also by reverting its history) changes what the dashboard
    # counts for its project, and for the project it was moved from: the same refresh as
    # the staff pages, in the admin's transaction.
    def save_model(self, request, obj, form, change):
        before = FollowUpVisit.objects.filter(pk=obj.pk).values_list("project", flat=True).first()
        super().save_model(request, obj, form, change)
        refresh_outcomes(projects=Project.objects.filter(pk__in={obj.project_id, before} - {None}))

    def delete_model(self, request, obj):
        project = obj.project
        super().delete_model(request, obj)
        refresh_outcome(project=project)

    def delete_queryset(self, request, queryset):
        projects = set(queryset.values_list("project", flat=True))
        super().delete_queryset(request, queryset)
        refresh_outcomes(projects=Project.objects.filter(pk__in=projects))
