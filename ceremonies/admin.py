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
from .models import (
    Attendance,
    Ceremony,
    CeremonyPhoto,
    Guest,
    Handover,
    ImageConsent,
    PressCoverage,
    PressRelease,
)


class GuestInline(admin.TabularInline):
    model = Guest
    extra = 0
    fields = ["category", "rank", "name", "title", "attendance"]


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


@admin.register(Attendance)
class AttendanceAdmin(HistoryAdmin):
    """Recorded on the ceremony's page, which checks the proxy's ID and document; read here."""

    list_display = ["project", "ceremony", "status", "proxy_name", "recorded_at"]
    list_filter = ["status", "ceremony__prefecture"]
    search_fields = ["project__reference", "project__beneficiary__last_name", "proxy_name"]
    list_select_related = ["project", "ceremony"]
    fields = ["ceremony", "project", "status", "proxy_name", "proxy_cin", "proxy_document",
              "recorded_by", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(ImageConsent)
class ImageConsentAdmin(HistoryAdmin):
    """Recorded on the ceremony's page, which checks the signed form; read here."""

    list_display = ["beneficiary", "granted", "signed_on", "recorded_at"]
    list_filter = ["granted", "beneficiary__prefecture"]
    search_fields = ["beneficiary__last_name", "beneficiary__file_number"]
    list_select_related = ["beneficiary"]
    fields = ["beneficiary", "granted", "signed_on", "signed_form", "recorded_by", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(PressRelease)
class PressReleaseAdmin(HistoryAdmin):
    list_display = ["ceremony", "updated_by", "updated_at"]
    search_fields = ["ceremony__title", "text_fr", "text_ar"]
    list_select_related = ["ceremony", "updated_by"]
    autocomplete_fields = ["ceremony"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(PressCoverage)
class PressCoverageAdmin(HistoryAdmin):
    list_display = ["outlet", "published_on", "ceremony", "url"]
    list_filter = ["ceremony__prefecture"]
    search_fields = ["outlet", "ceremony__title"]
    date_hierarchy = "published_on"
    list_select_related = ["ceremony"]
    autocomplete_fields = ["ceremony"]
    readonly_fields = ["recorded_by", "recorded_at"]
