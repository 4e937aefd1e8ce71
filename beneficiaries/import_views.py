"""Pages of the spreadsheet import: upload, dry run, confirmation, template download.

Staff and admins only (they may register files). The uploaded file waits in a private
temporary directory, its token in the session; the confirmation reads it again and
checks it again, so what is saved is what the database allows at that moment.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from reintegration.audit.models import AccessLog, log_access
from reintegration.common.exports import XLSX_CONTENT_TYPE

from . import importing
from .selectors import log_lookups

SESSION_KEY = importing.SESSION_KEY


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        help_text=gettext_lazy("The first row holds the column names of the template."),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > importing.MAX_FILE_SIZE:
            raise forms.ValidationError(
                _("This file is %(size)s; the limit is %(limit)s.") % {
                    "size": filesizeformat(uploaded.size),
                    "limit": filesizeformat(importing.MAX_FILE_SIZE),
                }
            )
        return uploaded


class ImportMixin(PermissionRequiredMixin):
    permission_required = "beneficiaries.add_beneficiary"
    raise_exception = True

    def stored(self):
        """The token and path of the user's file waiting for confirmation, if any."""
        pending = self.request.session.get(SESSION_KEY) or {}
        token = pending.get("token", "")
        return pending, importing.stored_path(token)

    def forget(self) -> None:
        pending = self.request.session.pop(SESSION_KEY, None) or {}
        importing.discard(pending.get("token", ""))

    def get_context_data(self, **kwargs):
        kwargs.setdefault("crumbs", [
            (_("Beneficiaries"), reverse("beneficiaries:list")), (_("Import"), None),
        ])
        return super().get_context_data(**kwargs)


class ImportUploadView(ImportMixin, FormView):
    form_class = ImportUploadForm
    template_name = "beneficiaries/import/upload.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, columns=importing.COLUMNS)

    def form_valid(self, form):
        self.forget()
        uploaded = form.cleaned_data["file"]
        token = importing.store_upload(uploaded)
        self.request.session[SESSION_KEY] = {"token": token, "name": uploaded.name[:200]}
        return HttpResponseRedirect(reverse("beneficiaries:import_preview"))


class ImportPreviewView(ImportMixin, TemplateView):
    """The dry run: what would be created, the duplicates, each bad row and why."""

    template_name = "beneficiaries/import/preview.html"

    def get(self, request, *args, **kwargs):
        pending, path = self.stored()
        if path is None:
            messages.warning(request, _("Upload a spreadsheet first."))
            return HttpResponseRedirect(reverse("beneficiaries:import"))
        report = importing.dry_run(path, request.user)
        log_lookups(request, report.lookups)
        if report.file_errors:
            self.forget()
        return self.render_to_response(self.get_context_data(
            report=report, file_name=pending.get("name", ""),
        ))


class ImportConfirmView(ImportMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        pending, path = self.stored()
        if path is None:
            messages.warning(request, _("Upload a spreadsheet first."))
            return HttpResponseRedirect(reverse("beneficiaries:import"))
        report = importing.dry_run(path, request.user)
        expected = request.POST.get("expected", "")
        if report.file_errors or not report.new_count:
            self.forget()
            messages.error(request, _("Nothing was imported: the file has no row to create."))
            return HttpResponseRedirect(reverse("beneficiaries:import"))
        if expected != str(report.new_count):
            messages.warning(request, _(
                "The files registered changed since the check: nothing was imported. "
                "Check the rows again, then confirm."
            ))
            return HttpResponseRedirect(reverse("beneficiaries:import_preview"))
        try:
            created = importing.import_rows(user=request.user, report=report)
        except importing.ImportRowError as failure:
            messages.error(request, _("Nothing was imported: row %(row)s: %(reason)s") % {
                "row": failure.row.number, "reason": " ".join(failure.error.messages),
            })
            return HttpResponseRedirect(reverse("beneficiaries:import_preview"))
        self.forget()
        log_access(
            request, AccessLog.Action.IMPORT,
            detail=f"{len(created)} files from {pending.get('name', '')}",
        )
        messages.success(request, ngettext(
            "%(count)s file imported.", "%(count)s files imported.", len(created)
        ) % {"count": len(created)})
        return HttpResponseRedirect(reverse("beneficiaries:list"))


class ImportTemplateView(ImportMixin, View):
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        response = HttpResponse(importing.template_workbook(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="modele-import-beneficiaires.xlsx"'
        return response
