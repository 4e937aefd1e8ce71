"""Django admin of procurement, for administrators: suppliers and their bank details'
changes, purchase orders with their lines and quotes, cash grants. Orders and payments
count in the ledger: corrected through `grants.admin.LedgerAdminMixin`'s rules."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from grants.admin import AmendmentInline, LedgerAdminMixin, ProjectAdmin, ReadOnlyInline, _keys
from grants.models import EquipmentItem
from reintegration.common.admin import HistoryAdmin
from reintegration.sequences.models import next_number

from .forms import BANK_FIELDS, SupplierForm
from .models import Disbursement, PurchaseOrder, Quote, Supplier, SupplierBankChange


class DisbursementInline(ReadOnlyInline):
    model = Disbursement
    fields = ["paid_on", "amount", "method", "reference", "created_by"]
    readonly_fields = fields


class SupplierBankChangeInline(ReadOnlyInline):
    model = SupplierBankChange
    fields = ["requested_at", "requested_by", "old_rib", "new_rib", "old_ice", "new_ice", "status",
              "decided_by", "decided_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Supplier)
class SupplierAdmin(HistoryAdmin):
    """RIB and ICE are set when a supplier is added; afterwards they change only through a
    `SupplierBankChange` approved by a second person (procurement.bank)."""

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
    fields = ["project", "designation", "quantity", "unit_price", "invoiced_amount", "quantity_delivered",
              "status", "serial_number"]
    readonly_fields = ["project", "designation", "quantity", "unit_price", "invoiced_amount",
                       "quantity_delivered", "status"]

    def has_add_permission(self, request, obj=None):
        return False


class QuoteInline(admin.TabularInline):
    model = Quote
    extra = 0
    fields = ["supplier", "amount", "quoted_on", "document", "chosen", "justification"]
    autocomplete_fields = ["supplier"]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(LedgerAdminMixin, HistoryAdmin):
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

    # Its lines are engaged, and disbursed once it is invoiced (a history revert, or a
    # corrected invoice amount, changes that).
    def ledger_rows(self, queryset):
        return _keys(queryset, "lines__project"), _keys(queryset, "convention"), _keys(queryset, "pk")

    def ledger_rows_of(self, obj):
        return set(), {obj.convention_id}, {obj.pk}

    def get_queryset(self, request):
        return super().get_queryset(request).with_totals()

    def save_model(self, request, obj, form, change):
        if not change:  # numbered as the staff pages number it (procurement.services)
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


@admin.register(Disbursement)
class DisbursementAdmin(LedgerAdminMixin, HistoryAdmin):
    list_display = ["project", "amount", "paid_on", "method", "reference"]
    list_filter = ["method"]
    search_fields = ["project__reference", "reference"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    date_hierarchy = "paid_on"
    readonly_fields = ["created_by", "created_at"]

    # The account a transfer credited is a fact of the payment, recorded when it was made
    # (as an order keeps its supplier's RIB): written once, never corrected afterwards.
    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *(["rib"] if obj else [])]

    def ledger_rows(self, queryset):
        return _keys(queryset, "project"), set(), set()

    def ledger_rows_of(self, obj):
        return {obj.project_id}, set(), set()


# A project's payments, on its admin page between its events and its amendments.
_at = ProjectAdmin.inlines.index(AmendmentInline)
ProjectAdmin.inlines = [*ProjectAdmin.inlines[:_at], DisbursementInline, *ProjectAdmin.inlines[_at:]]
