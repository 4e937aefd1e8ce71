from django.contrib import admin
from django.utils import timezone

from reintegration.common.admin import HistoryAdmin
from reintegration.sequences.models import next_number

from .models import ContactPreference, FileTransfer, Grievance, Referral, SmsMessage


@admin.register(Grievance)
class GrievanceAdmin(HistoryAdmin):
    list_display = ["reference", "beneficiary", "category", "status", "owner", "due_on"]
    list_filter = ["status", "category", "channel", "beneficiary__prefecture"]
    search_fields = ["reference", "beneficiary__file_number", "beneficiary__last_name"]
    date_hierarchy = "raised_on"
    autocomplete_fields = ["beneficiary"]
    raw_id_fields = ["project", "owner", "raised_by"]
    # Moved by the services only (assign, resolve).
    readonly_fields = ["reference", "status", "resolved_at", "resolved_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not obj.reference:
            obj.reference = next_number("REC", (obj.raised_on or timezone.localdate()).year, 5)
        super().save_model(request, obj, form, change)


@admin.register(Referral)
class ReferralAdmin(HistoryAdmin):
    list_display = ["beneficiary", "service", "referred_on", "outcome", "outcome_on"]
    list_filter = ["service", "outcome", "beneficiary__prefecture"]
    search_fields = ["beneficiary__file_number", "beneficiary__last_name", "partner_name"]
    date_hierarchy = "referred_on"
    autocomplete_fields = ["beneficiary"]
    raw_id_fields = ["referred_by"]
    readonly_fields = ["outcome", "outcome_recorded_at", "outcome_recorded_by", "created_at"]


@admin.register(FileTransfer)
class FileTransferAdmin(HistoryAdmin):
    """Read and corrected here; the move of a file itself is made by the staff pages
    (cases.services.accept_transfer), which move its projects with it."""

    list_display = ["beneficiary", "from_prefecture", "to_prefecture", "status", "requested_at"]
    list_filter = ["status", "from_prefecture", "to_prefecture"]
    search_fields = ["beneficiary__file_number", "beneficiary__last_name"]
    autocomplete_fields = ["beneficiary", "from_prefecture", "to_prefecture"]
    raw_id_fields = ["requested_by"]
    readonly_fields = ["status", "decided_by", "decided_at", "requested_at"]


@admin.register(ContactPreference)
class ContactPreferenceAdmin(HistoryAdmin):
    list_display = ["beneficiary", "language", "sms_consent_on", "opted_out_at"]
    list_filter = ["language", "beneficiary__prefecture"]
    search_fields = ["beneficiary__file_number", "beneficiary__last_name"]
    autocomplete_fields = ["beneficiary"]


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """The log: read, never written here (cases.services.send_sms writes it)."""

    list_display = ["created_at", "beneficiary", "masked_phone", "template", "language", "status"]
    list_filter = ["status", "template", "language"]
    search_fields = ["beneficiary__file_number", "gateway_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
