"""Django admin of the ceremonies app, for administrators.

A ceremony's status and its certificates change only through `ceremonies.services`
(holding issues the certificates and equips the projects in one transaction; revoking
records who and why), so here they are read-only; certificates cannot be added or
deleted by hand, which keeps every number's story in one place.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reintegration.common.admin import HistoryAdmin
from reintegration.common.money import format_money

from . import documents
from .models import Ceremony, CeremonyPhoto, Guest, Handover


class GuestInline(admin.TabularInline):
    model = Guest
    extra = 0
    fields = ["name", "title", "kind"]


class HandoverInline(admin.TabularInline):
    model = Handover
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["certificate_number", "project", "issued_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PhotoInline(admin.TabularInline):
    model = CeremonyPhoto
    extra = 0
    fields = ["caption", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_by", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the ceremony's page, which checks the file


@admin.register(Ceremony)
class CeremonyAdmin(HistoryAdmin):
    list_display = ["title", "held_on", "place", "prefecture", "presided_by", "status"]
    list_filter = ["status", "prefecture__region", "prefecture"]
    search_fields = ["title", "title_ar", "place", "presided_by", "presided_by_title"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["prefecture", "convention"]
    # Projects are added on the ceremony's page, which checks they are ready.
    readonly_fields = ["status", "projects", "created_by", "created_at"]
    inlines = [GuestInline, HandoverInline, PhotoInline]
    list_select_related = ["prefecture"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and form.instance.status == Ceremony.Status.HELD:
            # A correction to a held ceremony: its stored PDFs are rendered again.
            documents.forget_stored_documents(form.instance)


@admin.register(Handover)
class HandoverAdmin(HistoryAdmin):
    list_display = ["certificate_number", "ceremony", "project", "value_display", "issued_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "ceremony__prefecture"]
    search_fields = [
        "certificate_number", "project__reference", "project__beneficiary__last_name",
        "project__beneficiary__file_number",
    ]
    date_hierarchy = "issued_at"
    list_select_related = ["ceremony", "project"]
    fields = [
        "certificate_number", "ceremony", "project", "issued_at", "items", "cash_grant",
        "signed_copy", "revoked_at", "revoked_by", "revoked_reason",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("value"))
    def value_display(self, obj):
        return format_money(obj.value)
