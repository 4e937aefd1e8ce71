"""Pages of ceremonies and their certificates, and the public verification page.

Thin views: fetch through `visible_to(user)` first (out of scope -> 404 for everyone,
before any role check, so nothing leaks), bind a form, call one function of
`ceremonies.services`, redirect with a message. Readers in scope (the prefecture's
officers, the auditor) get 403 on the pages that change something.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView

from reintegration.audit.models import AccessLog, log_access
from reintegration.common.exports import ExportMixin
from reintegration.common.money import format_money
from reintegration.common.pagination import ListPaginator
from reintegration.common.views import CrumbsMixin, put_errors_on_form
from reintegration.jobs.models import Job

from . import documents, press, services
from .exports import CEREMONY_COLUMNS
from .filters import CeremonyFilter
from .forms import (
    AddProjectsForm,
    AttendanceForm,
    CeremonyForm,
    GuestFormSet,
    ImageConsentForm,
    PhotoForm,
    PressCoverageForm,
    PressReleaseForm,
    ReasonForm,
    SignedCopyForm,
)
from .models import Attendance, Ceremony, CeremonyPhoto, Handover, ImageConsent, PressCoverage, PressRelease
from .ratelimit import too_many_requests
from .tasks import start_hold_job

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def ceremony_crumbs(ceremony: Ceremony | None = None) -> list[tuple[str, str | None]]:
    crumbs = [(_("Ceremonies"), reverse("ceremonies:list"))]
    if ceremony is not None:
        crumbs.append((str(ceremony), ceremony.get_absolute_url()))
    return crumbs


def press_line(summary: dict) -> str:
    """“7 bénéficiaires, équipements d'une valeur de 512 430,00 DH”, for the press release."""
    count = summary["beneficiary_count"]
    return ngettext(
        "%(count)s beneficiary, equipment worth %(value)s",
        "%(count)s beneficiaries, equipment worth %(value)s",
        count,
    ) % {"count": count, "value": format_money(summary["total_value"])}


class CeremonyMixin(CrumbsMixin, PermissionRequiredMixin):
    """Fetch the ceremony through the user's scope *before* checking the role."""

    permission_required = "ceremonies.view_ceremony"
    raise_exception = True

    def dispatch(self, request, *args, **kwargs):
        self.ceremony = get_object_or_404(
            Ceremony.objects.visible_to(request.user).select_related("prefecture", "convention"),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_crumbs(self):
        return ceremony_crumbs(self.ceremony)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("ceremony", self.ceremony)
        return super().get_context_data(**kwargs)

    def back(self):
        return redirect(self.ceremony.get_absolute_url())


class HandoverMixin(CrumbsMixin, PermissionRequiredMixin):
    permission_required = "ceremonies.view_handover"
    raise_exception = True

    def dispatch(self, request, *args, **kwargs):
        self.handover = get_object_or_404(
            Handover.objects.visible_to(request.user).select_related(
                "ceremony__prefecture", "project__beneficiary", "project__sector",
                "project__convention", "attendance",
            ),
            pk=kwargs["pk"],
        )
        self.ceremony = self.handover.ceremony
        return super().dispatch(request, *args, **kwargs)

    def get_crumbs(self):
        return [*ceremony_crumbs(self.ceremony), (self.handover.certificate_number, None)]

    def get_context_data(self, **kwargs):
        kwargs.setdefault("handover", self.handover)
        kwargs.setdefault("ceremony", self.ceremony)
        return super().get_context_data(**kwargs)


# --- ceremonies -------------------------------------------------------------------------

class CeremonyListView(ExportMixin, CrumbsMixin, PermissionRequiredMixin, FilterView):
    permission_required = "ceremonies.view_ceremony"
    raise_exception = True
    filterset_class = CeremonyFilter
    template_name = "ceremonies/ceremony_list.html"
    paginate_by = 25
    paginator_class = ListPaginator
    export_columns = CEREMONY_COLUMNS
    export_filename = "ceremonies"
    export_select_related = ["convention"]

    def get_crumbs(self):
        return [(_("Ceremonies"), None)]

    def get_queryset(self):
        return (
            Ceremony.objects.visible_to(self.request.user)
            .with_figures()
            # A subquery, not a join: the paginator's count then drops every annotation,
            # and the figures are computed for the 25 ceremonies shown only (bench/README.md).
            .annotate(handover_count=Coalesce(Subquery(
                Handover.objects.filter(ceremony=OuterRef("pk"), revoked_at__isnull=True)
                .order_by().values("ceremony").annotate(n=Count("pk")).values("n")
            ), 0))
            .select_related("prefecture")
            .order_by("-held_on", "-pk")
        )


class CeremonyFormMixin:
    """The ceremony's form and its guests' formset, saved together or not at all."""

    template_name = "ceremonies/ceremony_form.html"

    def forms(self, instance):
        data = self.request.POST if self.request.method == "POST" else None
        form = CeremonyForm(data, instance=instance, user=self.request.user)
        formset = GuestFormSet(data, instance=instance, prefix="guests")
        return form, formset

    def render_forms(self, form, formset, **extra):
        context = {"form": form, "formset": formset, "crumbs": self.get_crumbs(), **extra}
        return render(self.request, self.template_name, context)

    def save(self, form, formset, service):
        """Call `service(ceremony, guests, removed)` with the unsaved objects; None when
        the forms or the service refuse (errors are then on the form)."""
        if not (form.is_valid() and formset.is_valid()):
            return None
        try:
            with transaction.atomic():
                guests = formset.save(commit=False)
                return service(form.save(commit=False), guests, list(formset.deleted_objects))
        except ValidationError as error:
            put_errors_on_form(form, error)
            return None


class CeremonyCreateView(CeremonyFormMixin, CrumbsMixin, PermissionRequiredMixin, View):
    permission_required = "ceremonies.add_ceremony"
    raise_exception = True

    def get_crumbs(self):
        return [*ceremony_crumbs(), (_("New ceremony"), None)]

    def get(self, request, *args, **kwargs):
        return self.render_forms(*self.forms(Ceremony()))

    def post(self, request, *args, **kwargs):
        form, formset = self.forms(Ceremony())
        ceremony = self.save(form, formset, lambda ceremony, guests, _removed: services.create_ceremony(
            ceremony=ceremony, user=request.user, guests=guests))
        if ceremony is None:
            return self.render_forms(form, formset)
        messages.success(request, _("Ceremony created. Now add the projects handed over."))
        return redirect(ceremony)


class CeremonyUpdateView(CeremonyFormMixin, CeremonyMixin, View):
    permission_required = "ceremonies.change_ceremony"

    def get_crumbs(self):
        return [*ceremony_crumbs(self.ceremony), (_("Edit"), None)]

    def get(self, request, *args, **kwargs):
        if self.ceremony.status == Ceremony.Status.HELD:
            messages.error(request, _("This ceremony has been held: its details can no longer change."))
            return self.back()
        return self.render_forms(*self.forms(self.ceremony), ceremony=self.ceremony)

    def post(self, request, *args, **kwargs):
        form, formset = self.forms(self.ceremony)
        ceremony = self.save(form, formset, lambda ceremony, guests, removed: services.update_ceremony(
            ceremony=ceremony, user=request.user, guests=guests, removed_guests=removed))
        if ceremony is None:
            return self.render_forms(form, formset, ceremony=self.ceremony)
        messages.success(request, _("Ceremony saved."))
        return redirect(ceremony)


class CeremonyDetailView(CeremonyMixin, TemplateView):
    template_name = "ceremonies/ceremony_detail.html"
    # What the page shows of each handover, valid or revoked (read in one query).
    handover_columns = (
        "ceremony", "certificate_number", "items", "cash_grant", "signed_copy",
        "revoked_at", "revoked_reason",
        "project__public_id", "project__reference", "project__title", "project__title_ar",
        "project__beneficiary__first_name", "project__beneficiary__last_name",
        "project__beneficiary__first_name_ar", "project__beneficiary__last_name_ar",
        "project__beneficiary__file_number",
        "project__sector__name_fr", "project__sector__name_ar", "project__sector__name_en",
    )

    def get_crumbs(self):
        return [*ceremony_crumbs(), (str(self.ceremony), None)]

    def get_context_data(self, **kwargs):
        ceremony = self.ceremony
        user = self.request.user
        handovers = list(
            ceremony.handovers.select_related("project__beneficiary", "project__sector")
            .only(*self.handover_columns).with_cash_paid().order_by("certificate_number")
        )
        summary = documents.ceremony_summary(
            ceremony, handovers=[handover for handover in handovers if not handover.is_revoked]
        )
        if ceremony.status == Ceremony.Status.HELD:
            paid = {row["project"].pk: row["handover"].cash_paid for row in summary["rows"]}
        else:  # its rows are the projects to hand over
            paid = documents.paid_cash_grants([row["project"] for row in summary["rows"]])
        for row in summary["rows"]:
            row["paid"] = paid.get(row["project"].pk)
        may_manage = services.may_manage(user, ceremony)
        planned = ceremony.status == Ceremony.Status.PLANNED
        return super().get_context_data(
            summary=summary,
            press_line=press_line(summary),
            guests=list(ceremony.guests.in_protocol_order()),
            photos=list(ceremony.photos.publishable()),
            revoked=[handover for handover in handovers if handover.is_revoked],
            may_manage=may_manage,
            may_revoke=services.may_revoke(user),
            planned=planned,
            ready_count=services.ready_projects(ceremony).count() if may_manage and planned else 0,
            **kwargs,
        )


class AddProjectsView(CeremonyMixin, FormView):
    permission_required = "ceremonies.change_ceremony"
    form_class = AddProjectsForm
    template_name = "ceremonies/add_projects.html"

    def get_crumbs(self):
        return [*ceremony_crumbs(self.ceremony), (_("Add projects"), None)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "ceremony": self.ceremony}

    def form_valid(self, form):
        try:
            services.add_projects(
                ceremony=self.ceremony, projects=form.cleaned_data["projects"], user=self.request.user
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        count = len(form.cleaned_data["projects"])
        messages.success(self.request, ngettext(
            "%(count)s project added to the ceremony.", "%(count)s projects added to the ceremony.", count
        ) % {"count": count})
        return self.back()


class RemoveProjectView(CeremonyMixin, View):
    permission_required = "ceremonies.change_ceremony"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        project = get_object_or_404(self.ceremony.projects.all(), pk=kwargs["project_pk"])
        try:
            services.remove_project(ceremony=self.ceremony, project=project, user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Project %(reference)s removed from the ceremony.")
                             % {"reference": project.reference})
        return self.back()


class AttendanceView(CeremonyMixin, FormView):
    """On the day: the beneficiary came, sent a proxy, or is absent."""

    permission_required = "ceremonies.change_ceremony"
    form_class = AttendanceForm
    template_name = "ceremonies/attendance_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.project_pk = kwargs["project_pk"]

    def get_project(self):
        return get_object_or_404(
            self.ceremony.projects.select_related("beneficiary"), pk=self.project_pk
        )

    def get_crumbs(self):
        return [*ceremony_crumbs(self.ceremony), (_("Attendance"), None)]

    def get_initial(self):
        attendance = self.ceremony.attendances.filter(project=self.get_project()).first()
        if attendance is None:
            return {}
        return {"status": attendance.status, "proxy_name": attendance.proxy_name,
                "proxy_cin": attendance.proxy_cin, "cash_method": attendance.cash_method,
                "cash_reference": attendance.cash_reference}

    def get_context_data(self, **kwargs):
        project = self.get_project()
        return super().get_context_data(
            project=project,
            attendance=self.ceremony.attendances.filter(project=project).first(),
            **kwargs,
        )

    def form_valid(self, form):
        if self.ceremony.status != Ceremony.Status.PLANNED:
            form.add_error(
                None, _("This ceremony has been held: its details and projects can no longer change.")
            )
            return self.form_invalid(form)
        project = self.get_project()
        try:
            services.record_attendance(
                ceremony=self.ceremony, project=project, user=self.request.user,
                status=form.cleaned_data["status"], proxy_name=form.cleaned_data["proxy_name"],
                proxy_cin=form.cleaned_data["proxy_cin"],
                proxy_document=form.cleaned_data["proxy_document"],
                cash_method=form.cleaned_data["cash_method"],
                cash_reference=form.cleaned_data["cash_reference"],
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Attendance of %(name)s recorded.")
                         % {"name": project.beneficiary.full_name})
        return self.back()


class ImageConsentView(CeremonyMixin, FormView):
    """A beneficiary of the ceremony says, in a signed form, whether they may be
    photographed and named in the press."""

    permission_required = "ceremonies.change_ceremony"
    form_class = ImageConsentForm
    template_name = "ceremonies/image_consent_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.beneficiary_pk = kwargs["beneficiary_pk"]

    def get_beneficiary(self):
        return get_object_or_404(services.ceremony_beneficiaries(self.ceremony), pk=self.beneficiary_pk)

    def get_crumbs(self):
        return [*ceremony_crumbs(self.ceremony), (_("Image rights"), None)]

    def get_initial(self):
        consent = ImageConsent.objects.filter(beneficiary=self.get_beneficiary()).first()
        if consent is None:
            return {}
        return {"granted": "yes" if consent.granted else "no", "signed_on": consent.signed_on}

    def get_context_data(self, **kwargs):
        beneficiary = self.get_beneficiary()
        return super().get_context_data(
            beneficiary=beneficiary,
            consent=ImageConsent.objects.filter(beneficiary=beneficiary).first(), **kwargs,
        )

    def form_valid(self, form):
        beneficiary = self.get_beneficiary()
        try:
            services.record_image_consent(
                beneficiary=beneficiary, user=self.request.user, granted=form.cleaned_data["granted"],
                signed_on=form.cleaned_data["signed_on"], signed_form=form.cleaned_data["signed_form"],
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Image-rights consent of %(name)s recorded.")
                         % {"name": beneficiary.full_name})
        return self.back()


class ImageConsentFormView(CrumbsMixin, PermissionRequiredMixin, View):
    """The signed image-rights form (a personal document: each download logged)."""

    permission_required = "ceremonies.view_ceremony"
    raise_exception = True

    def dispatch(self, request, *args, **kwargs):
        self.consent = get_object_or_404(  # through the scope first: out of it is 404
            ImageConsent.objects.visible_to(request.user).exclude(signed_form=""), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        consent = self.consent
        log_access(request, AccessLog.Action.DOWNLOAD, consent.beneficiary,
                   detail=f"image-rights consent {consent.pk}")
        content_type = consent.signed_form_content_type or "application/octet-stream"
        return FileResponse(consent.signed_form.open("rb"), content_type=content_type,
                            as_attachment=True,
                            filename=f"droit-image-{consent.pk}{EXTENSIONS.get(content_type, '')}")


class PressKitView(CeremonyMixin, TemplateView):
    """The press release (drafted from the facts, edited, saved, downloaded) and the
    coverage recorded."""

    template_name = "ceremonies/press_kit.html"

    def get_crumbs(self):
        return [*ceremony_crumbs(self.ceremony), (_("Press kit"), None)]

    def release(self):
        return PressRelease.objects.filter(ceremony=self.ceremony).first()

    def get_context_data(self, **kwargs):
        release = self.release()
        if "form" not in kwargs:
            if release is not None:
                initial = {"text_fr": release.text_fr, "text_ar": release.text_ar}
            else:
                text_fr, text_ar = press.draft(self.ceremony)
                initial = {"text_fr": text_fr, "text_ar": text_ar}
            kwargs["form"] = PressReleaseForm(initial=initial)
        kwargs.setdefault("coverage_form", PressCoverageForm())
        return super().get_context_data(
            release=release, may_manage=services.may_manage(self.request.user, self.ceremony),
            coverage=list(PressCoverage.objects.filter(ceremony=self.ceremony)), **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not services.may_manage(request.user, self.ceremony):
            raise PermissionDenied
        form = PressReleaseForm(request.POST)
        if form.is_valid():
            try:
                services.save_press_release(ceremony=self.ceremony, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                put_errors_on_form(form, error)
            else:
                messages.success(request, _("Press release saved."))
                return redirect("ceremonies:press", pk=self.ceremony.pk)
        return self.render_to_response(self.get_context_data(form=form))


class PressCoverageView(CeremonyMixin, View):
    permission_required = "ceremonies.change_ceremony"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PressCoverageForm(request.POST)
        if form.is_valid():
            try:
                services.add_press_coverage(ceremony=self.ceremony, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                put_errors_on_form(form, error)
            else:
                messages.success(request, _("Coverage recorded."))
                return redirect("ceremonies:press", pk=self.ceremony.pk)
        view = PressKitView()
        view.setup(request, *args, **kwargs)
        view.ceremony = self.ceremony
        return view.render_to_response(view.get_context_data(coverage_form=form))


class PressReleaseDownloadView(CeremonyMixin, View):
    kind = "pdf"

    def get(self, request, *args, **kwargs):
        release = get_object_or_404(PressRelease, ceremony=self.ceremony)
        if self.kind == "pdf":
            document = press.press_release_pdf(release)
        else:
            document = press.press_release_docx(release)
        return _pdf_response(document)


class PowerOfAttorneyView(CrumbsMixin, PermissionRequiredMixin, View):
    """The power of attorney a proxy brought (a personal document: each download logged)."""

    permission_required = "ceremonies.view_ceremony"
    raise_exception = True

    def dispatch(self, request, *args, **kwargs):
        self.attendance = get_object_or_404(  # through the scope first: out of it is 404
            Attendance.objects.visible_to(request.user).exclude(proxy_document=""), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        attendance = self.attendance
        log_access(request, AccessLog.Action.DOWNLOAD, attendance.ceremony,
                   detail=f"power of attorney {attendance.pk}")
        content_type = attendance.proxy_document_content_type or "application/octet-stream"
        return FileResponse(attendance.proxy_document.open("rb"), content_type=content_type,
                            as_attachment=True,
                            filename=f"procuration-{attendance.pk}{EXTENSIONS.get(content_type, '')}")


class HoldView(CeremonyMixin, View):
    """The ceremony took place: certificates are issued, projects become equipped, the
    documents are made. A job does it (ceremonies/tasks.py), in a worker with Redis: the
    page answers at once and the job's page shows the certificates made one by one."""

    permission_required = "ceremonies.change_ceremony"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not services.may_manage(request.user, self.ceremony):
            raise PermissionDenied
        if self.ceremony.status == Ceremony.Status.HELD:
            messages.error(request, _("This ceremony has already been marked as held."))
            return self.back()
        job = start_hold_job(ceremony=self.ceremony, user=request.user)
        self.ceremony.refresh_from_db(fields=["status"])
        if self.ceremony.status != Ceremony.Status.HELD:
            if job.status == Job.Status.FAILED:
                # Run inline and refused (no project, a future date…): as before, on the
                # ceremony's page.
                messages.error(request, job.error)
                return self.back()
            messages.info(request, ngettext(
                "The ceremony is being held: %(count)s certificate to issue.",
                "The ceremony is being held: %(count)s certificates to issue.",
                job.total,
            ) % {"count": job.total})
        else:
            count = self.ceremony.handovers.count()
            messages.success(request, ngettext(
                "Ceremony held: %(count)s certificate issued.",
                "Ceremony held: %(count)s certificates issued.",
                count,
            ) % {"count": count})
        return redirect("jobs:detail", public_id=job.public_id)


class PhotoUploadView(CeremonyMixin, FormView):
    permission_required = "ceremonies.add_ceremonyphoto"
    form_class = PhotoForm
    template_name = "ceremonies/upload.html"

    def get_crumbs(self):
        return [*ceremony_crumbs(self.ceremony), (_("Add a photo"), None)]

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=_("Add a photo of the ceremony"), **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "ceremony": self.ceremony}

    def form_valid(self, form):
        try:
            services.add_photo(
                ceremony=self.ceremony, user=self.request.user,
                image=form.cleaned_data["image"], caption=form.cleaned_data["caption"],
                people=form.cleaned_data["people"],
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Photo added."))
        return self.back()


class PhotoView(CeremonyMixin, View):
    def get(self, request, *args, **kwargs):
        # A photo showing someone without image-rights consent is shown to no one.
        photo = get_object_or_404(
            CeremonyPhoto.objects.publishable().filter(ceremony=self.ceremony), pk=kwargs["photo_pk"]
        )
        # The people photographed are the beneficiaries: each display is a read of them.
        log_access(request, AccessLog.Action.DOWNLOAD, self.ceremony, detail=f"photo {photo.pk}")
        content_type = photo.content_type or "image/jpeg"
        return FileResponse(photo.image.open("rb"), content_type=content_type)


# --- documents --------------------------------------------------------------------------

class BundlePdfView(CeremonyMixin, View):
    def get(self, request, *args, **kwargs):
        if self.ceremony.status != Ceremony.Status.HELD:
            raise Http404
        document = documents.bundle_pdf(self.ceremony)
        log_access(request, AccessLog.Action.PDF, self.ceremony, detail="ceremony bundle")
        return _pdf_response(document)


class AttendancePdfView(CeremonyMixin, View):
    def get(self, request, *args, **kwargs):
        document = documents.attendance_pdf(self.ceremony)
        log_access(request, AccessLog.Action.PDF, self.ceremony, detail="attendance sheet")
        return _pdf_response(document)


class CertificatePdfView(HandoverMixin, View):
    def get(self, request, *args, **kwargs):
        handover = self.handover
        document = documents.certificate_pdf(handover)
        log_access(request, AccessLog.Action.PDF, handover,
                   detail=f"{handover.certificate_number} {handover.project.beneficiary.file_number}")
        return _pdf_response(document)


def _pdf_response(document) -> HttpResponse:
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="{document.filename}"'
    return response


class SignedCopyUploadView(HandoverMixin, FormView):
    permission_required = "ceremonies.change_handover"
    form_class = SignedCopyForm
    template_name = "ceremonies/upload.html"

    def get_context_data(self, **kwargs):
        heading = _("Signed copy of certificate %(number)s") % {
            "number": self.handover.certificate_number
        }
        return super().get_context_data(heading=heading, **kwargs)

    def form_valid(self, form):
        try:
            services.attach_signed_copy(
                handover=self.handover, user=self.request.user, file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Signed copy of %(number)s saved.")
                         % {"number": self.handover.certificate_number})
        return redirect(self.ceremony)


class SignedCopyDownloadView(HandoverMixin, View):
    def get(self, request, *args, **kwargs):
        handover = self.handover
        if not handover.signed_copy:
            raise Http404
        log_access(request, AccessLog.Action.DOWNLOAD, handover,
                   detail=f"signed copy {handover.certificate_number}")
        content_type = handover.signed_copy_content_type or "application/octet-stream"
        filename = f"{handover.certificate_number}-signe{EXTENSIONS.get(content_type, '')}"
        return FileResponse(handover.signed_copy.open("rb"), content_type=content_type,
                            as_attachment=True, filename=filename)


class RevokeView(HandoverMixin, FormView):
    """An administrator cancels a certificate, with the reason."""

    form_class = ReasonForm
    template_name = "ceremonies/revoke.html"

    def has_permission(self):
        return services.may_revoke(self.request.user)

    def get_crumbs(self):
        return [*ceremony_crumbs(self.ceremony), (_("Revoke %(number)s") % {
            "number": self.handover.certificate_number}, None)]

    def form_valid(self, form):
        try:
            services.revoke_handover(
                handover=self.handover, user=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Certificate %(number)s revoked.")
                         % {"number": self.handover.certificate_number})
        return redirect(self.ceremony)


# --- public verification ----------------------------------------------------------------

@login_not_required
@never_cache
@require_safe
def verify(request, token: str):
    """Whether a certificate is genuine, for whoever scans its QR code: number, date,
    ceremony and place, the beneficiary's initials — nothing more personal."""
    if too_many_requests(request, scope="verify"):
        response = render(request, "ceremonies/too_many_requests.html", status=429)
        response["Retry-After"] = "60"
        return response
    handover = None
    # A token is what `new_verification_token` makes; anything else is not looked up.
    if TOKEN_SHAPE.fullmatch(token):
        handover = (
            Handover.objects.select_related("ceremony", "project__beneficiary")
            .filter(verification_token=token).first()
        )
    if handover is None:
        # Whoever scanned the code may read any of the three languages: the page says it
        # in all of them, with the status a missing page has.
        return render(request, "ceremonies/verify_unknown.html", status=404)
    beneficiary = handover.project.beneficiary
    names = (beneficiary.first_name, beneficiary.last_name)
    initials = " ".join(f"{name[:1].upper()}." for name in names if name)
    return render(request, "ceremonies/verify.html", {
        "handover": handover, "ceremony": handover.ceremony, "initials": initials,
        "value": handover.value, "certified_total": handover.value + handover.cash_grant,
    })
