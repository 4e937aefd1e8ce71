from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reintegration.audit.admin import PersonalDataAdminMixin
from reintegration.common.admin import HistoryAdmin
from reintegration.common.uploads import validate_document
from reintegration.common.validators import normalise_cin, normalise_phone
from reintegration.sequences.models import next_number

from .models import (
    Beneficiary,
    BeneficiaryDocument,
    PenitentiaryEstablishment,
)


class DocumentAdminForm(forms.ModelForm):
    """The same upload check as the staff pages: type by content, size, stored name."""

    class Meta:
        model = BeneficiaryDocument
        fields = ["kind", "file"]

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded and uploaded is not self.instance.file and hasattr(uploaded, "content_type"):
            # content_type first: the stored name (upload_to) takes its extension from it.
            self.instance.content_type = validate_document(uploaded)
            self.instance.original_name = uploaded.name[:255]
            self.instance.size = uploaded.size
        return uploaded


class DocumentInline(admin.TabularInline):
    model = BeneficiaryDocument
    form = DocumentAdminForm
    extra = 0
    fields = ["kind", "file", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]


class BeneficiaryAdminForm(forms.ModelForm):
    """Normalises the national ID and phone as the staff form does.

    No Meta: the admin then builds the form from every editable field of the file. (The
    admin takes its fields from a form's Meta when it declares none itself: a Meta naming
    these two once gave an add page without the date of birth.)"""
    def clean_cin(self):
        return normalise_cin(self.cleaned_data.get("cin", ""))

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone", ""))


@admin.register(Beneficiary)
class BeneficiaryAdmin(PersonalDataAdminMixin, HistoryAdmin):
    form = BeneficiaryAdminForm
    list_shows_personal_data = True
    list_display = [
        "file_number", "last_name", "first_name", "masked_cin", "prefecture", "status",
        "consent_signed_on", "created_at",
    ]
    list_filter = ["status", "sex", "prefecture", "establishment", "education_level"]
    search_fields = [
        "file_number", "cin", "first_name", "last_name", "first_name_ar", "last_name_ar",
    ]
    list_select_related = ["prefecture"]
    # Status moves go through beneficiaries.services (with a reason, shown in the
    # history), not the admin.
    readonly_fields = ["public_id", "file_number", "status", "created_by", "created_at", "updated_at"]
    autocomplete_fields = ["establishment"]
    date_hierarchy = "created_at"
    inlines = [DocumentInline]

    @admin.display(description=_("national ID number (CIN)"))
    def masked_cin(self, obj):
        return obj.masked_cin

    def save_model(self, request, obj, form, change):
        if not change:
            obj.file_number = next_number("BEN", timezone.localdate().year, 5)
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for document in formset.save(commit=False):
            if document.uploaded_by_id is None:
                document.uploaded_by = request.user
            document.save()
        for document in formset.deleted_objects:
            document.delete()
        formset.save_m2m()


class ArabicNameFilter(admin.SimpleListFilter):
    """The establishments still to name in Arabic (the Arabic pages and documents show
    their French name until then)."""

    title = _("Arabic name")
    parameter_name = "arabic_name"

    def lookups(self, request, model_admin):
        return [("missing", _("Missing")), ("given", _("Given"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(name_ar="")
        if self.value() == "given":
            return queryset.exclude(name_ar="")
        return queryset


@admin.register(PenitentiaryEstablishment)
class PenitentiaryEstablishmentAdmin(HistoryAdmin):
    list_display = ["name", "name_ar", "prefecture"]
    list_filter = [ArabicNameFilter, "prefecture__region"]
    search_fields = ["name", "name_ar", "prefecture__name_fr"]
    list_select_related = ["prefecture"]


@admin.register(BeneficiaryDocument)
class BeneficiaryDocumentAdmin(PersonalDataAdminMixin, HistoryAdmin):
    form = DocumentAdminForm
    list_shows_personal_data = True
    list_display = ["beneficiary", "kind", "original_name", "content_type", "size", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["beneficiary__file_number", "beneficiary__last_name", "original_name"]
    list_select_related = ["beneficiary"]
    raw_id_fields = ["beneficiary"]
    readonly_fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]

    def get_fields(self, request, obj=None):
        return ["beneficiary", "kind", "file", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if obj.uploaded_by_id is None:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
