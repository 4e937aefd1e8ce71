"""Pages of the beneficiaries' files.

Thin views: fetch through `visible_to(user)` first (out of scope -> 404 for everyone,
before any role check, so nothing leaks), bind a form, call one function of
`beneficiaries.services`, redirect with a message.
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, DetailView, FormView, UpdateView
from django_filters.views import FilterView

from reintegration.audit.models import AccessLog, log_access
from reintegration.common.exports import ExportMixin
from reintegration.common.pagination import ListPaginator
from reintegration.common.uploads import EXTENSIONS
from reintegration.common.views import RememberFiltersMixin, put_errors_on_form

from . import services
from .exports import BENEFICIARY_COLUMNS
from .filters import BeneficiaryFilter
from .forms import BeneficiaryCreateForm, BeneficiaryForm, DocumentForm, StatusChangeForm
from .models import Beneficiary, BeneficiaryDocument
from .selectors import may_see_personal_data
from .timeline import file_timeline


def list_crumb() -> tuple[str, str]:
    return (_("Beneficiaries"), reverse("beneficiaries:list"))


class ScopedBeneficiaryMixin(PermissionRequiredMixin):
    """The page's beneficiary, fetched through the user's scope *before* the role check:
    out of scope is 404 for everyone; a reader in scope gets 403 on a write page."""

    raise_exception = True
    page_title = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.beneficiary = get_object_or_404(
                Beneficiary.objects.visible_to(request.user).select_related(
                    "prefecture", "establishment__prefecture", "created_by"
                ),
                public_id=kwargs["public_id"],
            )
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return self.beneficiary

    def get_context_data(self, **kwargs):
        kwargs.setdefault("beneficiary", self.beneficiary)
        kwargs.setdefault("crumbs", [
            list_crumb(), (self.beneficiary.full_name, self.beneficiary.get_absolute_url()),
            (self.page_title, None),
        ])
        return super().get_context_data(**kwargs)


class BeneficiaryListView(RememberFiltersMixin, ExportMixin, PermissionRequiredMixin, FilterView):
    permission_required = "beneficiaries.view_beneficiary"
    raise_exception = True
    filterset_class = BeneficiaryFilter
    template_name = "beneficiaries/beneficiary_list.html"
    paginate_by = 25
    paginator_class = ListPaginator
    export_columns = BENEFICIARY_COLUMNS
    export_filename = "beneficiaires"

    def get_queryset(self):
        return Beneficiary.objects.visible_to(self.request.user).select_related(
            "prefecture", "establishment"
        )

    def get_context_data(self, **kwargs):
        kwargs["crumbs"] = [(_("Beneficiaries"), None)]
        return super().get_context_data(**kwargs)


class BeneficiaryCreateView(PermissionRequiredMixin, CreateView):
    permission_required = "beneficiaries.add_beneficiary"
    raise_exception = True
    form_class = BeneficiaryCreateForm
    template_name = "beneficiaries/beneficiary_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        try:
            self.object = services.create_beneficiary(
                user=self.request.user,
                fields=form.service_fields(),
                documents=[services.NewDocument(kind=k, file=f) for k, f in form.documents],
                confirmed_different_person=form.cleaned_data["confirm_different_person"],
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("File %(number)s registered.") % {
            "number": self.object.file_number
        })
        return HttpResponseRedirect(self.object.get_absolute_url())

    def get_context_data(self, **kwargs):
        kwargs["crumbs"] = [list_crumb(), (_("New file"), None)]
        kwargs["page_title"] = _("New file")
        return super().get_context_data(**kwargs)


class BeneficiaryDetailView(ScopedBeneficiaryMixin, DetailView):
    permission_required = "beneficiaries.view_beneficiary"
    template_name = "beneficiaries/beneficiary_detail.html"
    context_object_name = "beneficiary"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        log_access(request, AccessLog.Action.VIEW, self.beneficiary)
        return response

    def get_context_data(self, **kwargs):
        beneficiary = self.beneficiary
        user = self.request.user
        kwargs["crumbs"] = [list_crumb(), (beneficiary.full_name, None)]
        kwargs["personal_data"] = may_see_personal_data(user)
        kwargs["can_edit"] = user.has_perm("beneficiaries.change_beneficiary")
        kwargs["can_upload"] = user.has_perm("beneficiaries.add_beneficiarydocument")
        documents = list(beneficiary.documents.select_related("uploaded_by"))
        kwargs["documents"] = documents
        kwargs["timeline"] = file_timeline(beneficiary, documents)
        kwargs["projects"] = beneficiary.projects.select_related("sector").prefetch_related(
            "visits"
        ).order_by("created_at")
        kwargs["moves"] = services.possible_moves(beneficiary)
        kwargs["Status"] = Beneficiary.Status
        if kwargs["can_edit"] and Beneficiary.Status.ELIGIBLE in kwargs["moves"]:
            # A previous funding is justified on the status form itself: not listed here.
            kwargs["eligibility_problems"] = services.eligibility_problems(
                beneficiary, check_funding=False
            )
        return super().get_context_data(**kwargs)


class BeneficiaryUpdateView(ScopedBeneficiaryMixin, UpdateView):
    permission_required = "beneficiaries.change_beneficiary"
    form_class = BeneficiaryForm
    template_name = "beneficiaries/beneficiary_form.html"
    page_title = _("Edit")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def render_to_response(self, context, **response_kwargs):
        # The form shows the whole file, national ID included: a read like the file's page
        # (also when it comes back with an error).
        log_access(self.request, AccessLog.Action.VIEW, self.beneficiary, detail="edit")
        return super().render_to_response(context, **response_kwargs)

    def form_valid(self, form):
        try:
            self.object = services.update_beneficiary(
                beneficiary=self.beneficiary,
                user=self.request.user,
                fields=form.service_fields(),
                confirmed_different_person=form.cleaned_data["confirm_different_person"],
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("File saved."))
        return HttpResponseRedirect(self.object.get_absolute_url())

    def get_context_data(self, **kwargs):
        kwargs["page_title"] = _("Edit the file of %(name)s") % {"name": self.beneficiary.full_name}
        return super().get_context_data(**kwargs)


class StatusChangeView(ScopedBeneficiaryMixin, FormView):
    permission_required = "beneficiaries.change_beneficiary"
    form_class = StatusChangeForm
    template_name = "beneficiaries/status_form.html"
    page_title = _("Change the status")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "beneficiary": self.beneficiary}

    def get_initial(self):
        # The file's page links "Mark eligible" / "Mark ineligible" here with the move chosen.
        return {"status": self.request.GET.get("status", "")}

    def form_valid(self, form):
        try:
            beneficiary = form.move(
                beneficiary=self.beneficiary, user=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Status changed to “%(status)s”.") % {
            "status": beneficiary.get_status_display()
        })
        return HttpResponseRedirect(beneficiary.get_absolute_url())


class DocumentUploadView(ScopedBeneficiaryMixin, FormView):
    permission_required = "beneficiaries.add_beneficiarydocument"
    form_class = DocumentForm
    template_name = "beneficiaries/document_form.html"
    page_title = _("Add a document")

    def form_valid(self, form):
        try:
            services.add_document(
                beneficiary=self.beneficiary, user=self.request.user,
                kind=form.cleaned_data["kind"], file=form.cleaned_data["file"],
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Document added."))
        return HttpResponseRedirect(self.beneficiary.get_absolute_url())


class DocumentDownloadView(PermissionRequiredMixin, View):
    """Documents leave the server only through here: scope, role, access log, then the
    bytes as an attachment (never a public media URL)."""

    permission_required = "beneficiaries.view_beneficiarydocument"
    raise_exception = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.document = get_object_or_404(
                BeneficiaryDocument.objects.visible_to(request.user).select_related("beneficiary"),
                public_id=kwargs["public_id"],
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        document = self.document
        if not may_see_personal_data(request.user):
            raise PermissionDenied(_("Your role does not give access to the documents."))
        log_access(request, AccessLog.Action.DOWNLOAD, document, detail=document.kind)
        extension = EXTENSIONS.get(document.content_type, "")
        filename = f"{document.beneficiary.file_number}-{document.kind}{extension}"
        return FileResponse(
            document.file.open("rb"), as_attachment=True, filename=filename,
            content_type=document.content_type or "application/octet-stream",
        )
