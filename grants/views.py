"""Pages of conventions, projects and the officers' review.

Thin views: fetch through `visible_to(user)` first (out of scope -> 404 for everyone,
before any role check, so nothing leaks), bind a form, call one function of
`grants.services`, redirect with a message.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView
from django_filters.views import FilterView

from beneficiaries import services as file_services
from beneficiaries.models import Beneficiary
from reintegration.accounts.scope import is_national
from reintegration.audit.models import AccessLog, log_access
from reintegration.common.dates import format_date
from reintegration.common.exports import ExportMixin
from reintegration.common.money import format_money
from reintegration.common.pagination import ListPaginator
from reintegration.common.pdf import pdf_response
from reintegration.common.uploads import EXTENSIONS, sniff_content_type
from reintegration.common.views import CrumbsMixin, RememberFiltersMixin, put_errors_on_form
from reintegration.territories.models import Prefecture

from . import funding, services
from .documents import minutes_pdf
from .exports import CONVENTION_COLUMNS, PROJECT_COLUMNS
from .filters import ConventionFilter, ProjectFilter
from .forms import (
    AmendmentApproveForm,
    AmendmentRequestForm,
    ApproveForm,
    CommitteeSessionForm,
    ConventionForm,
    ConventionPartnerFormSet,
    DasOpinionForm,
    EquipmentFormSet,
    LaunchForm,
    ProjectForm,
    ReasonForm,
    SessionDecisionFormSet,
    SubmitForm,
    kit_lines,
)
from .models import (
    ZERO,
    Amendment,
    CommitteeDecision,
    CommitteeSession,
    Convention,
    ConventionPartner,
    EquipmentItem,
    FrameworkAgreement,
    Partner,
    Project,
    Review,
    Sector,
    attach_budget_figures,
    file_history,
    partner_parts,
)

# A line priced this far from its kit's reference price is flagged for the reviewer.
PRICE_TOLERANCE = Decimal("0.30")


def convention_crumbs(convention: Convention | None = None) -> list[tuple[str, str | None]]:
    crumbs = [(_("Conventions"), reverse("grants:convention_list"))]
    if convention is not None:
        crumbs.append((convention.reference, convention.get_absolute_url()))
    return crumbs


def project_crumbs(project: Project | None = None) -> list[tuple[str, str | None]]:
    crumbs = [(_("Projects"), reverse("grants:project_list"))]
    if project is not None:
        crumbs.append((project.reference, project.get_absolute_url()))
    return crumbs


# --- what the pages show ---------------------------------------------------------------------

def priced_lines(project: Project) -> list:
    """The project's equipment lines, each with its kit reference price and a flag when
    its unit price is more than PRICE_TOLERANCE below or above it."""
    # One query: the lines with their orders (the procurement panel reuses them) and the
    # price of the sector's kit line of the same designation.
    prefetch_related_objects([project], Prefetch(
        "equipment_items",
        queryset=EquipmentItem.objects.select_related("purchase_order")
        .with_kit_price(project.sector_id).order_by("pk"),
    ))
    lines = list(project.equipment_items.all())
    for line in lines:
        reference = line.reference_price
        if reference is None:
            reference = line.kit_price
        line.reference = reference
        line.price_flag = None
        line.deviation = None
        if reference:
            deviation = (line.unit_price - reference) / reference
            line.deviation = round(deviation * 100)
            if deviation < -PRICE_TOLERANCE:
                line.price_flag = "below"
            elif deviation > PRICE_TOLERANCE:
                line.price_flag = "above"
    return lines


def convention_figures(project: Project) -> Convention | None:
    """The project's convention with its stored budget figures (the project page fetches
    them with the project: `select_related("convention__figures")`)."""
    if project.convention_id is None:
        return None
    return project.convention.with_stored_figures()


def project_file_context(project: Project, user) -> dict:
    """Everything the project page and the review page show of the file (`project` as
    their `get_project_queryset` fetches it)."""
    lines = priced_lines(project)
    # The payments once, for the money figures here and the procurement panel.
    prefetch_related_objects([project], "disbursements")
    money = services.ProjectMoney.of_rows(project, lines, project.disbursements.all())
    funded_before = []
    if project.has_other_funding:  # with_other_funding(): no query for a first funding
        funded_before = list(
            Project.objects.visible_to(user)
            .filter(beneficiary=project.beneficiary_id, status__in=Project.COMMITTED_STATUSES)
            .exclude(pk=project.pk)
            .select_related("convention")
        )
    events, reviews, amendment_steps = file_history(project)
    decided = {step["amendment"].pk for step in amendment_steps if step["step"] != Amendment.Status.REQUESTED}
    pending = [step["amendment"] for step in amendment_steps if step["amendment"].pk not in decided]
    return {
        "project": project,
        "lines": lines,
        "equipment_total": money.equipment,
        "total_cost": money.total_cost,
        "money": money,
        "flagged_count": sum(1 for line in lines if line.price_flag),
        "convention": convention_figures(project),
        "events": events,
        "reviews": reviews,
        # The workflow's moves and the amendments' steps, in the order they happened.
        "timeline": sorted(
            [{"at": event.at, "event": event} for event in events] + amendment_steps,
            key=lambda entry: entry["at"],
        ),
        "amendments": sorted(
            {step["amendment"].pk: step["amendment"] for step in amendment_steps}.values(),
            key=lambda amendment: amendment.pk,
        ),
        "pending_amendment": pending[0] if pending else None,
        "may_request_amendment": not pending and services.may_request_amendment(user, project),
        "may_change_equipment": project.status == Project.Status.APPROVED
        and services.may_act(user, "submit", project),
        "funded_before": funded_before,
        "actions": services.available_actions(user, project),
        "may_edit": services.may_edit(user, project),
    }


# --- conventions ----------------------------------------------------------------------------

class ConventionListView(ExportMixin, CrumbsMixin, PermissionRequiredMixin, FilterView):
    permission_required = "grants.view_convention"
    raise_exception = True
    filterset_class = ConventionFilter
    template_name = "grants/convention_list.html"
    paginate_by = 25
    export_columns = CONVENTION_COLUMNS
    export_filename = "conventions"

    def get_queryset(self):
        return Convention.objects.visible_to(self.request.user).select_related("partner", "prefecture")

    def get_export_queryset(self, queryset):
        # The export has every column, disbursed included, for every convention.
        return super().get_export_queryset(queryset).with_budget_figures()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The figures of the page's conventions only, and only those the table shows.
        attach_budget_figures(context["object_list"], disbursed=False)
        return context

    def get_crumbs(self):
        return [(_("Conventions"), None)]


class ConventionDetailView(CrumbsMixin, PermissionRequiredMixin, DetailView):
    permission_required = "grants.view_convention"
    raise_exception = True
    template_name = "grants/convention_detail.html"
    context_object_name = "convention"
    projects_per_page = 25

    def get_queryset(self):
        return (
            Convention.objects.visible_to(self.request.user)
            .select_related("partner", "prefecture", "figures", "framework_agreement")
        )

    def get_context_data(self, **kwargs):
        self.object.with_stored_figures()
        kwargs["funding"] = funding.funding(self.object)
        # A page of the convention's projects (a convention may fund a thousand); the
        # budget figures above are the whole convention's.
        projects = (
            Project.objects.visible_to(self.request.user)
            .filter(convention=self.object)
            .with_equipment_total()
            .select_related("beneficiary", "sector")
            # The columns the table shows: a file's other fields cost time to load, 25 times.
            .only(
                "public_id", "reference", "approved_amount", "status",
                "beneficiary__first_name", "beneficiary__last_name",
                "sector__name_fr", "sector__name_ar", "sector__name_en",
            )
            .order_by("reference")
        )
        page = Paginator(projects, self.projects_per_page).get_page(self.request.GET.get("page"))
        kwargs.update(projects=page.object_list, page_obj=page)
        return super().get_context_data(**kwargs)

    def get_crumbs(self):
        return [*convention_crumbs(), (self.object.reference, None)]


class ConventionCreateView(CrumbsMixin, PermissionRequiredMixin, CreateView):
    permission_required = "grants.add_convention"
    raise_exception = True
    form_class = ConventionForm
    template_name = "grants/convention_form.html"

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        # A new convention is funded by its partner alone until its shares are set.
        funding.ensure_lead_partner_share(self.object)
        messages.success(self.request, _("Convention %(reference)s saved.") % {
            "reference": self.object.reference
        })
        return response

    def get_crumbs(self):
        return [*convention_crumbs(), (_("New convention"), None)]


class ConventionUpdateView(ConventionCreateView, UpdateView):
    permission_required = "grants.change_convention"

    def get_queryset(self):
        return Convention.objects.visible_to(self.request.user)

    def form_valid(self, form):
        # The form checked the envelope against the commitments; an approval may have
        # come since: checked again under the convention's lock, with the save.
        with transaction.atomic():
            try:
                services.check_envelope(convention=self.object, envelope=form.cleaned_data["envelope"])
            except ValidationError as error:
                put_errors_on_form(form, error)
                transaction.set_rollback(True)
                return self.form_invalid(form)
            return super().form_valid(form)

    def get_crumbs(self):
        return [*convention_crumbs(self.object), (_("Edit"), None)]


class ConventionPartnersView(CrumbsMixin, PermissionRequiredMixin, FormView):
    """The partners that fund a convention and their shares of its envelope."""

    permission_required = "grants.change_convention"
    raise_exception = True
    template_name = "grants/convention_partners.html"

    def dispatch(self, request, *args, **kwargs):
        # Out of scope is 404 for everyone, before the role is checked.
        self.object = get_object_or_404(
            Convention.objects.visible_to(request.user).select_related("partner"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        formset = ConventionPartnerFormSet(
            instance=self.object,
            queryset=self.object.partner_shares.select_related("partner"),
            **({"data": self.request.POST} if self.request.method == "POST" else {}),
        )
        for form in formset.forms:
            form.fields["partner"].queryset = Partner.objects.order_by("name")
        return formset

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.get_form())
        return super().get_context_data(convention=self.object, formset=kwargs["form"], **kwargs)

    def form_valid(self, formset):
        try:
            funding.set_convention_partners(
                convention=self.object, shares=formset.shares(), user=self.request.user
            )
        except ValidationError as error:
            formset._non_form_errors = formset.error_class(error.messages)
            return self.form_invalid(formset)
        messages.success(self.request, _("The partners of convention %(reference)s are saved.") % {
            "reference": self.object.reference})
        return HttpResponseRedirect(self.object.get_absolute_url())

    def get_crumbs(self):
        return [*convention_crumbs(self.object), (_("Partners and shares"), None)]


# --- framework agreements -------------------------------------------------------------------

class FrameworkAgreementListView(CrumbsMixin, PermissionRequiredMixin, ListView):
    permission_required = "grants.view_frameworkagreement"
    raise_exception = True
    template_name = "grants/framework_agreement_list.html"
    context_object_name = "agreements"
    paginate_by = 25

    def get_queryset(self):
        return (
            FrameworkAgreement.objects.visible_to(self.request.user)
            .prefetch_related("parties")
            .annotate(convention_count=Count(
                "conventions", filter=Q(conventions__in=Convention.objects.visible_to(self.request.user))
            ))
            .order_by("-starts_on", "reference")
        )

    def get_crumbs(self):
        return [*convention_crumbs(), (_("Framework agreements"), None)]


class FrameworkAgreementDetailView(CrumbsMixin, PermissionRequiredMixin, DetailView):
    """An agreement, and what the conventions under it that the user may see fund, by
    partner: each convention's parts added up."""

    permission_required = "grants.view_frameworkagreement"
    raise_exception = True
    template_name = "grants/framework_agreement_detail.html"
    context_object_name = "agreement"

    def get_queryset(self):
        return FrameworkAgreement.objects.visible_to(self.request.user).prefetch_related("parties")

    def get_context_data(self, **kwargs):
        conventions = list(
            Convention.objects.visible_to(self.request.user)
            .filter(framework_agreement=self.object)
            .select_related("partner", "prefecture")
            .prefetch_related(Prefetch(
                "partner_shares", queryset=ConventionPartner.objects.select_related("partner")
            ))
            .order_by("reference")
        )
        attach_budget_figures(conventions)
        totals: dict[int, dict] = {}
        for convention in conventions:
            for part in partner_parts(convention, list(convention.partner_shares.all())):
                row = totals.setdefault(part.partner.pk, {
                    "partner": part.partner, "envelope": ZERO, "committed": ZERO, "disbursed": ZERO,
                })
                row["envelope"] += part.envelope
                row["committed"] += part.committed
                row["disbursed"] += part.disbursed
        kwargs.update(
            conventions=conventions,
            partner_totals=sorted(totals.values(), key=lambda row: -row["envelope"]),
        )
        return super().get_context_data(**kwargs)

    def get_crumbs(self):
        return [*convention_crumbs(), (_("Framework agreements"), reverse("grants:framework_agreement_list")),
                (self.object.reference, None)]


class FrameworkAgreementDocumentView(PermissionRequiredMixin, View):
    permission_required = "grants.view_frameworkagreement"
    raise_exception = True

    def get(self, request, pk):
        agreement = get_object_or_404(FrameworkAgreement.objects.visible_to(request.user), pk=pk)
        if not agreement.document:
            raise Http404
        log_access(request, AccessLog.Action.DOWNLOAD, agreement, detail="framework agreement")
        agreement.document.open("rb")
        content_type = sniff_content_type(agreement.document) or "application/octet-stream"
        extension = EXTENSIONS.get(content_type, "")
        return FileResponse(
            agreement.document, content_type=content_type, filename=f"{agreement.reference}{extension}"
        )


# --- projects -----------------------------------------------------------------------------

class ProjectListView(RememberFiltersMixin, ExportMixin, CrumbsMixin, PermissionRequiredMixin, FilterView):
    permission_required = "grants.view_project"
    raise_exception = True
    filterset_class = ProjectFilter
    template_name = "grants/project_list.html"
    paginate_by = 25
    paginator_class = ListPaginator
    export_columns = PROJECT_COLUMNS
    export_filename = "projets"

    def get_queryset(self):
        return (
            Project.objects.visible_to(self.request.user)
            .with_equipment_total()
            .select_related("beneficiary", "sector", "prefecture", "convention")
        )

    def get_crumbs(self):
        return [(_("Projects"), None)]


class ScopedProjectMixin(CrumbsMixin, PermissionRequiredMixin):
    """The page's project, fetched through the user's scope *before* the role check:
    out of scope is 404 for everyone; a reader in scope gets 403 on a write page."""

    raise_exception = True
    page_title = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.project = get_object_or_404(
                self.get_project_queryset(request.user), public_id=kwargs["public_id"]
            )
            services.fetched_in_scope(request.user, self.project)
        return super().dispatch(request, *args, **kwargs)

    def get_project_queryset(self, user):
        return Project.objects.visible_to(user).select_related(
            "beneficiary", "sector", "prefecture", "convention"
        )

    def get_object(self, queryset=None):
        return self.project

    def get_crumbs(self):
        return [*project_crumbs(self.project), (self.page_title, None)]

    def get_context_data(self, **kwargs):
        kwargs.setdefault("project", self.project)
        kwargs.setdefault("page_title", self.page_title)
        return super().get_context_data(**kwargs)


class ProjectFormMixin:
    """The project form with its inline formset of equipment lines and the "fill from
    the trade kit" action (a submit button that re-displays the form with the kit's
    lines added, saving nothing)."""

    template_name = "grants/project_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def formset_instance(self):
        return getattr(self, "object", None) or Project()

    def get_context_data(self, **kwargs):
        if "formset" not in kwargs:
            kwargs["formset"] = EquipmentFormSet(instance=self.formset_instance(), prefix="lines")
        kwargs["kit_sectors"] = Sector.objects.filter(kit_items__isnull=False).distinct()
        kwargs["page_title"] = self.page_title
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if "fill_kit" in request.POST:
            return self.fill_from_kit(form)
        formset = EquipmentFormSet(
            request.POST, instance=self.formset_instance(), prefix="lines"
        )
        if form.is_valid() and formset.is_valid():
            return self.save(form, formset)
        messages.error(request, _("The project was not saved: correct the fields shown below."))
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def fill_from_kit(self, form):
        sector_id = str(form["sector"].value() or "")
        sector = Sector.objects.filter(pk=sector_id).first() if sector_id.isdigit() else None
        data = self.request.POST.copy()
        total = int(data.get("lines-TOTAL_FORMS") or 0)
        # Keep the lines typed so far, drop the empty ones, append the kit's lines.
        kept = []
        for index in range(total):
            prefix = f"lines-{index}-"
            fields = {key[len(prefix):]: data.getlist(key) for key in data if key.startswith(prefix)}
            if fields.get("id", [""])[0] or any(
                fields.get(name, [""])[0].strip() for name in ("designation", "designation_ar")
            ):
                kept.append(fields)
        for key in [key for key in data if key.startswith("lines-") and key[6:7].isdigit()]:
            del data[key]
        added = kit_lines(sector) if sector else []
        for fields in added:
            kept.append({name: [str(value)] for name, value in fields.items()})
        for index, fields in enumerate(kept):
            for name, values in fields.items():
                data.setlist(f"lines-{index}-{name}", values)
        data["lines-TOTAL_FORMS"] = str(len(kept))
        formset = EquipmentFormSet(data, instance=self.formset_instance(), prefix="lines")
        if sector is None:
            messages.warning(self.request, _("Choose a sector first: its trade kit fills the lines."))
        elif not added:
            messages.warning(self.request, _("This sector has no trade kit yet."))
        else:
            messages.info(self.request, _(
                "The lines of the “%(sector)s” kit were added: adjust them, then save."
            ) % {"sector": sector})
        # The project's fields are shown as typed, without errors; files must be chosen again.
        unbound = self.form_class(
            initial={name: form[name].value() for name in form.fields if name != "feasibility_study"},
            instance=form.instance, user=self.request.user,
        )
        return self.render_to_response(self.get_context_data(form=unbound, formset=formset))


class ProjectCreateView(ProjectFormMixin, CrumbsMixin, PermissionRequiredMixin, CreateView):
    permission_required = "grants.add_project"
    raise_exception = True
    form_class = ProjectForm

    @property
    def page_title(self):
        return _("New project")

    def get_initial(self):
        initial = super().get_initial()
        public_id = self.request.GET.get("beneficiary")
        if public_id:
            beneficiary = Beneficiary.objects.visible_to(self.request.user).filter(
                public_id=public_id
            ).first() if _is_uuid(public_id) else None
            if beneficiary is not None:
                initial["beneficiary"] = beneficiary.pk
        return initial

    def post(self, request, *args, **kwargs):
        self.object = None
        return super().post(request, *args, **kwargs)

    def save(self, form, formset):
        with transaction.atomic():
            project = services.create_project(project=form.save(commit=False), user=self.request.user)
            formset.instance = project
            formset.save()
        messages.success(self.request, _("Project %(reference)s created.") % {
            "reference": project.reference
        })
        return HttpResponseRedirect(project.get_absolute_url())

    def get_crumbs(self):
        return [*project_crumbs(), (self.page_title, None)]


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class ProjectUpdateView(ProjectFormMixin, ScopedProjectMixin, UpdateView):
    permission_required = "grants.change_project"
    form_class = ProjectForm

    @property
    def page_title(self):
        return _("Edit the project")

    def get(self, request, *args, **kwargs):
        if refusal := self.refusal():
            return refusal
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.project
        if refusal := self.refusal():
            return refusal
        return super().post(request, *args, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        # The form shows the whole project, as its page does (also when it comes back with
        # an error, or filled from a kit).
        log_access(self.request, AccessLog.Action.VIEW, self.project, detail="edit")
        return super().render_to_response(context, **response_kwargs)

    def refusal(self):
        if not services.may_act(self.request.user, "submit", self.project):
            raise PermissionDenied
        if not services.is_editable(self.project):
            messages.error(self.request, _(
                "This project is “%(status)s”: it can no longer be edited."
            ) % {"status": self.project.get_status_display()})
            return HttpResponseRedirect(self.project.get_absolute_url())
        return None

    def save(self, form, formset):
        with transaction.atomic():
            # The officer may have taken the file meanwhile: edit only while it is editable.
            status = Project.objects.select_for_update().values_list("status", flat=True).get(
                pk=self.project.pk
            )
            if status not in services.EDITABLE_STATUSES:
                self.project.status = status
                return self.refusal()
            project = form.save()
            formset.save()
        messages.success(self.request, _("Project %(reference)s saved.") % {
            "reference": project.reference
        })
        return HttpResponseRedirect(project.get_absolute_url())


class ProjectDetailView(ScopedProjectMixin, DetailView):
    permission_required = "grants.view_project"
    template_name = "grants/project_detail.html"
    context_object_name = "project"

    def get(self, request, *args, **kwargs):
        log_access(request, AccessLog.Action.VIEW, self.project)
        return super().get(request, *args, **kwargs)

    def get_crumbs(self):
        return [*project_crumbs(), (self.project.reference, None)]

    def get_project_queryset(self, user):
        # The convention's budget figures and whether the beneficiary was funded before
        # come with the project (project_file_context).
        return (
            super().get_project_queryset(user)
            .select_related("convention__partner", "convention__figures")
            .with_other_funding()
        )

    def get_context_data(self, **kwargs):
        kwargs.update(project_file_context(self.project, self.request.user))
        return super().get_context_data(**kwargs)


class ProjectStudyView(ScopedProjectMixin, View):
    """The feasibility study, streamed through the scope check and logged."""

    permission_required = "grants.view_project"

    def get(self, request, *args, **kwargs):
        study = self.project.feasibility_study
        if not study:
            raise Http404
        log_access(request, AccessLog.Action.DOWNLOAD, self.project, detail="feasibility study")
        handle = study.open("rb")
        content_type = sniff_content_type(handle) or "application/octet-stream"
        return FileResponse(
            handle, content_type=content_type, as_attachment=True,
            filename=f"{self.project.reference}-etude.pdf",
        )


# --- the workflow -------------------------------------------------------------------------

class TransitionView(ScopedProjectMixin, FormView):
    """One move of the workflow: a small form (reason, date) and one service call. A form
    posted twice is refused by the service's status guard, shown as a message."""

    permission_required = "grants.change_project"
    template_name = "grants/project_transition.html"
    action = ""
    form_class = ReasonForm
    confirm = ""
    intro = ""
    button = ""
    success_message = ""

    def perform(self, form):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        kwargs.update({
            "confirm": self.confirm, "intro": self.intro, "button": self.button,
            "allowed": self.action in services.available_actions(self.request.user, self.project),
        })
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            self.perform(form)
        except ValidationError as error:
            if getattr(error, "code", None) == "invalid_transition":
                messages.error(self.request, " ".join(error.messages))
                return HttpResponseRedirect(self.project.get_absolute_url())
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"reference": self.project.reference})
        return HttpResponseRedirect(self.project.get_absolute_url())


class ProjectSubmitView(TransitionView):
    action = "submit"
    form_class = SubmitForm

    @property
    def page_title(self):
        return _("Submit for review")

    @property
    def intro(self):
        return _("Once submitted, the file goes to the officers of the prefecture and can no "
                 "longer be edited, unless it is returned for correction.")

    @property
    def confirm(self):
        return _("Submit this project for review?")

    @property
    def button(self):
        return _("Submit for review")

    @property
    def success_message(self):
        return _("Project %(reference)s submitted for review.")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not services.previously_funded(self.project):
            del form.fields["justification"]
        return form

    def get_context_data(self, **kwargs):
        kwargs["checklist"] = submit_checklist(self.project)
        # The button that cannot succeed is disabled, with the reason, before it is pressed.
        kwargs["missing"] = [label for label, done in kwargs["checklist"] if not done]
        return super().get_context_data(**kwargs)

    def perform(self, form):
        services.submit_project(
            project=self.project, user=self.request.user,
            justification=form.cleaned_data.get("justification", ""),
        )


def submit_checklist(project: Project) -> list[tuple[str, bool]]:
    return [
        (_("The beneficiary's file is found eligible"),
         project.beneficiary.status in file_services.SUBMITTABLE_STATUSES),
        (_("The beneficiary's consent is recorded"), project.beneficiary.has_consent),
        (_("At least one equipment line"), project.equipment_items.exists()),
        (_("The feasibility study is attached"), bool(project.feasibility_study)),
        (_("Expected monthly revenue and own contribution are filled in"),
         project.expected_monthly_revenue is not None and project.own_contribution is not None),
    ]


class ProjectLaunchView(TransitionView):
    action = "launch"
    form_class = LaunchForm

    @property
    def page_title(self):
        return _("Launch the activity")

    @property
    def intro(self):
        intro = _("The equipment has been handed over: record the day the activity started. "
                  "The follow-up visits are planned from that date.")
        if self.project.equipped_on:
            intro += " " + _("It cannot come before the handover, on %(date)s.") % {
                "date": format_date(self.project.equipped_on)}
        return intro

    @property
    def button(self):
        return _("Launch")

    @property
    def success_message(self):
        return _("Project %(reference)s launched; its follow-up visits are planned.")

    def perform(self, form):
        services.launch_project(
            project=self.project, user=self.request.user,
            launched_on=form.cleaned_data["launched_on"],
        )


class ProjectCloseView(TransitionView):
    action = "close"

    @property
    def page_title(self):
        return _("Close the project")

    @property
    def intro(self):
        return _("The follow-up ends: the activity runs on its own.")

    @property
    def confirm(self):
        return _("Close this project? This cannot be undone.")

    @property
    def button(self):
        return _("Close the project")

    @property
    def success_message(self):
        return _("Project %(reference)s closed.")

    def perform(self, form):
        services.close_project(
            project=self.project, user=self.request.user, reason=form.cleaned_data["reason"]
        )


class ProjectAbandonView(TransitionView):
    action = "abandon"

    @property
    def page_title(self):
        return _("Mark the project as abandoned")

    @property
    def intro(self):
        return _("The activity stopped for good. The approved amount stays committed on the convention.")

    @property
    def confirm(self):
        return _("Mark this project as abandoned? This cannot be undone.")

    @property
    def button(self):
        return _("Mark as abandoned")

    @property
    def success_message(self):
        return _("Project %(reference)s marked as abandoned.")

    def perform(self, form):
        services.abandon_project(
            project=self.project, user=self.request.user, reason=form.cleaned_data["reason"]
        )


# --- the officers' review -------------------------------------------------------------------

class ReviewQueueView(CrumbsMixin, PermissionRequiredMixin, ListView):
    permission_required = "grants.add_review"
    raise_exception = True
    template_name = "grants/review_queue.html"
    context_object_name = "projects"
    paginate_by = 25

    # ?waiting= narrows the queue to one step (the inbox's links), whitelisted.
    WAITING = {"das": "awaiting_das_opinion", "committee": "awaiting_committee"}

    def get_queryset(self):
        projects = Project.objects.visible_to(self.request.user)
        step = self.WAITING.get(self.request.GET.get("waiting", ""))
        projects = getattr(projects, step)() if step else projects.submitted()
        return (
            projects
            .with_equipment_total()
            .annotate(waits_for_committee=Exists(
                Project.objects.awaiting_committee().filter(pk=OuterRef("pk"))
            ))
            .select_related("beneficiary", "sector", "prefecture")
            .order_by("submitted_at", "pk")
        )

    def get_crumbs(self):
        return [(_("Review queue"), None)]


DECISIONS = {
    Review.Decision.APPROVE: "approve",
    Review.Decision.REJECT: "reject",
    Review.Decision.RETURN: "return",
}


class ProjectReviewView(ScopedProjectMixin, View):
    """The whole file on one page with the three decisions; each posts `decision`."""

    permission_required = "grants.add_review"
    template_name = "grants/project_review.html"

    @property
    def page_title(self):
        return _("Review")

    def get_project_queryset(self, user):
        # The convention's budget figures and whether the beneficiary was funded before
        # come with the project (project_file_context).
        return (
            super().get_project_queryset(user)
            .select_related("convention__partner", "convention__figures")
            .with_other_funding()
        )

    def forms(self, data=None, decision=None):
        user, project = self.request.user, self.project
        priced_lines(project)  # the lines once, for the amount requested and the file
        return {
            "approve_form": ApproveForm(
                data if decision == Review.Decision.APPROVE else None,
                project=project, officer=user, prefix="approve",
            ),
            "reject_form": ReasonForm(data if decision == Review.Decision.REJECT else None, prefix="reject"),
            "return_form": ReasonForm(data if decision == Review.Decision.RETURN else None, prefix="return"),
        }

    def render(self, forms, status=200):
        context = {
            **project_file_context(self.project, self.request.user),
            **forms,
            "crumbs": [(_("Review queue"), reverse("grants:review_queue")),
                       (self.project.reference, self.project.get_absolute_url()), (self.page_title, None)],
            "page_title": self.page_title,
        }
        context["may_review"] = "approve" in context["actions"]
        # The conventions once: their figures for the table (one grouped sum), and the
        # select's options from the same rows.
        field = forms["approve_form"].fields["convention"]
        conventions = list(field.queryset)
        attach_budget_figures(conventions, disbursed=False)
        for convention in conventions:
            convention.fundable = services.fundable_amount(project=self.project, convention=convention)
        field.choices = [("", field.empty_label), *((c.pk, c.reference) for c in conventions)]
        context["conventions"] = conventions
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        log_access(request, AccessLog.Action.VIEW, self.project, detail="review")
        return self.render(self.forms())

    def post(self, request, *args, **kwargs):
        decision = request.POST.get("decision")
        if decision not in DECISIONS:
            messages.error(request, _("Choose a decision."))
            return self.render(self.forms(), status=400)
        forms = self.forms(request.POST, decision)
        form = forms[f"{DECISIONS[decision]}_form"]
        if not form.is_valid():
            return self.render(forms)
        try:
            self.decide(decision, form.cleaned_data)
        except ValidationError as error:
            if getattr(error, "code", None) == "invalid_transition":
                messages.error(request, " ".join(error.messages))
                return HttpResponseRedirect(self.project.get_absolute_url())
            put_errors_on_form(form, error)
            return self.render(forms)
        messages.success(request, {
            Review.Decision.APPROVE: _("Project %(reference)s approved."),
            Review.Decision.REJECT: _("Project %(reference)s rejected."),
            Review.Decision.RETURN: _("Project %(reference)s returned for correction."),
        }[decision] % {"reference": self.project.reference})
        return HttpResponseRedirect(reverse("grants:review_queue"))

    def decide(self, decision, data):
        project, officer = self.project, self.request.user
        if decision == Review.Decision.APPROVE:
            services.approve_project(
                project=project, officer=officer, convention=data["convention"],
                amount=data["amount"], reason=data["reason"],
                committee_minutes_number=data["committee_minutes_number"],
                committee_decision_on=data["committee_decision_on"],
            )
        elif decision == Review.Decision.REJECT:
            services.reject_project(project=project, officer=officer, reason=data["reason"])
        else:
            services.return_project(project=project, officer=officer, reason=data["reason"])


# --- amendments -------------------------------------------------------------------------

class AmendmentRequestView(ScopedProjectMixin, FormView):
    """Staff ask for a new approved amount (and cash grant) of a funded project."""

    permission_required = "grants.add_amendment"
    template_name = "grants/amendment_form.html"
    form_class = AmendmentRequestForm

    @property
    def page_title(self):
        return _("Request an amendment")

    def get_project_queryset(self, user):
        return super().get_project_queryset(user).select_related("convention__figures")

    def money(self):
        return services.project_money(self.project)

    def get_initial(self):
        money = self.money()
        # What the project would need as things stand: its lines and cash grant, or what
        # it has already engaged and paid if that is more.
        return {"amount": max(money.requested, money.spent)}

    def get_context_data(self, **kwargs):
        kwargs.update(
            money=self.money(),
            convention=convention_figures(self.project),
            pending=self.project.amendments.filter(status=Amendment.Status.REQUESTED).first(),
            allowed=services.may_request_amendment(self.request.user, self.project),
        )
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            amendment = services.request_amendment(
                project=self.project, user=self.request.user, amount=form.cleaned_data["amount"],
                cash_grant=form.cleaned_data["cash_grant"], reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) in {"invalid_transition", "pending"}:
                messages.error(self.request, " ".join(error.messages))
                return HttpResponseRedirect(self.project.get_absolute_url())
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _(
            "Amendment of project %(reference)s requested: the officers of the prefecture decide it."
        ) % {"reference": self.project.reference})
        return HttpResponseRedirect(amendment.get_absolute_url())


class AmendmentListView(CrumbsMixin, PermissionRequiredMixin, ListView):
    """The amendments of the user's prefectures: those waiting for a decision first (the
    officers' list of what to decide), or all of them."""

    permission_required = "grants.view_amendment"
    raise_exception = True
    template_name = "grants/amendment_list.html"
    context_object_name = "amendments"
    paginate_by = 25

    def showing_all(self) -> bool:
        return self.request.GET.get("show") == "all"

    def get_queryset(self):
        amendments = (
            Amendment.objects.visible_to(self.request.user)
            .select_related("project", "project__beneficiary", "project__convention",
                            "requested_by", "decided_by")
        )
        if self.showing_all():
            return amendments.order_by("-requested_at", "-pk")
        return amendments.pending().order_by("requested_at", "pk")

    def get_context_data(self, **kwargs):
        kwargs["showing_all"] = self.showing_all()
        return super().get_context_data(**kwargs)

    def get_crumbs(self):
        return [(_("Amendments"), None)]


class AmendmentDetailView(PermissionRequiredMixin, View):
    """One amendment with the project's money and its convention's budget; an officer of
    the prefecture approves or refuses it here (each form posts `decision`)."""

    permission_required = "grants.view_amendment"
    raise_exception = True
    template_name = "grants/amendment_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.amendment = get_object_or_404(
                Amendment.objects.visible_to(request.user).select_related(
                    "project", "project__beneficiary", "project__prefecture", "project__convention__figures",
                    "project__convention__partner", "requested_by", "decided_by",
                ),
                pk=kwargs["pk"],
            )
            self.project = services.fetched_in_scope(request.user, self.amendment.project)
        return super().dispatch(request, *args, **kwargs)

    def get_permission_required(self):
        if self.request.method == "POST":
            return ["grants.change_amendment"]
        return [self.permission_required]

    def forms(self, data=None, decision=None):
        amendment = self.amendment
        return {
            "approve_form": AmendmentApproveForm(
                data if decision == "approve" else None, prefix="approve",
                initial={"amount": amendment.requested_amount},
            ),
            "refuse_form": ReasonForm(data if decision == "refuse" else None, prefix="refuse"),
        }

    def render(self, forms, status=200):
        amendment, project = self.amendment, self.project
        money = services.project_money(project)
        convention = convention_figures(project)
        asked_cash = (
            money.cash_grant if amendment.cash_grant_amount is None else amendment.cash_grant_amount
        )
        context = {
            "amendment": amendment,
            "project": project,
            "money": money,
            "convention": convention,
            # The project's total cost with the cash grant asked, and the convention's
            # remaining envelope once the project's current commitment is given back.
            "total_cost_after": money.total_cost - money.cash_grant + asked_cash,
            "remaining_for_it": convention.remaining + money.approved if convention else None,
            "may_decide": services.may_decide_amendment(self.request.user, amendment),
            "may_withdraw": amendment.is_pending and services.may_act(self.request.user, "submit", project)
            and self.request.user.has_perm("grants.add_amendment"),
            "crumbs": [(_("Amendments"), reverse("grants:amendment_list")),
                       (project.reference, project.get_absolute_url()), (self.page_title(), None)],
            "page_title": self.page_title(),
            **forms,
        }
        return render(self.request, self.template_name, context, status=status)

    def page_title(self):
        return _("Amendment of %(reference)s") % {"reference": self.project.reference}

    def get(self, request, *args, **kwargs):
        return self.render(self.forms())

    def post(self, request, *args, **kwargs):
        decision = request.POST.get("decision")
        if decision not in {"approve", "refuse"}:
            messages.error(request, _("Choose a decision."))
            return self.render(self.forms(), status=400)
        forms = self.forms(request.POST, decision)
        form = forms[f"{decision}_form"]
        if not form.is_valid():
            return self.render(forms)
        try:
            if decision == "approve":
                services.approve_amendment(
                    amendment=self.amendment, officer=request.user, amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            else:
                services.refuse_amendment(
                    amendment=self.amendment, officer=request.user, reason=form.cleaned_data["reason"]
                )
        except ValidationError as error:
            if getattr(error, "code", None) == "invalid_transition":
                messages.error(request, " ".join(error.messages))
                return HttpResponseRedirect(self.amendment.get_absolute_url())
            put_errors_on_form(form, error)
            return self.render(forms)
        messages.success(request, {
            "approve": _("Amendment of project %(reference)s approved."),
            "refuse": _("Amendment of project %(reference)s refused."),
        }[decision] % {"reference": self.project.reference})
        return HttpResponseRedirect(reverse("grants:amendment_list"))


class AmendmentWithdrawView(PermissionRequiredMixin, View):
    permission_required = "grants.add_amendment"
    raise_exception = True
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.amendment = get_object_or_404(
                Amendment.objects.visible_to(request.user).select_related("project"), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.withdraw_amendment(amendment=self.amendment, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Amendment request withdrawn."))
        return HttpResponseRedirect(self.amendment.project.get_absolute_url())


class ProjectEquipmentView(ScopedProjectMixin, View):
    """The equipment lines of an approved project: staff add a machine or correct a line
    not yet ordered; what goes beyond the approved amount is ordered after an amendment."""

    permission_required = "grants.change_project"
    template_name = "grants/project_equipment.html"

    @property
    def page_title(self):
        return _("Equipment lines")

    def render(self, formset, status=200):
        money = services.project_money(self.project)
        context = {
            "project": self.project, "formset": formset, "money": money,
            "allowed": self.project.status == Project.Status.APPROVED
            and services.may_act(self.request.user, "submit", self.project),
            "crumbs": self.get_crumbs(), "page_title": self.page_title,
        }
        return render(self.request, self.template_name, context, status=status)

    def formset(self, data=None):
        return EquipmentFormSet(data, instance=self.project, prefix="lines")

    def get(self, request, *args, **kwargs):
        return self.render(self.formset())

    def post(self, request, *args, **kwargs):
        formset = self.formset(request.POST)
        if not formset.is_valid():
            messages.error(request, _("The lines were not saved: correct the fields shown below."))
            return self.render(formset)
        try:
            services.change_planned_equipment(project=self.project, user=request.user, formset=formset)
        except ValidationError as error:
            if getattr(error, "code", None) == "invalid_transition":
                messages.error(request, " ".join(error.messages))
                return HttpResponseRedirect(self.project.get_absolute_url())
            for message in error.messages:
                messages.error(request, message)
            return self.render(formset)
        money = services.project_money(self.project)
        messages.success(request, _("Equipment lines of %(reference)s saved.") % {
            "reference": self.project.reference})
        if money.requested > money.approved:
            messages.warning(request, _(
                "The project now requests %(requested)s, more than its approved %(approved)s: "
                "request an amendment before ordering what goes beyond."
            ) % {"requested": format_money(money.requested), "approved": format_money(money.approved)})
        return HttpResponseRedirect(self.project.get_absolute_url())


# --- the DAS opinion and the committee's sessions -------------------------------------------

class DasOpinionView(ScopedProjectMixin, FormView):
    """The officer records the DAS's opinion on a submitted file, with its reason."""

    permission_required = "grants.add_dasopinion"
    template_name = "grants/das_opinion.html"
    form_class = DasOpinionForm

    @property
    def page_title(self):
        return _("DAS opinion")

    def get_crumbs(self):
        return [(_("Review queue"), reverse("grants:review_queue")),
                (self.project.reference, self.project.get_absolute_url()), (self.page_title, None)]

    def get_context_data(self, **kwargs):
        kwargs["allowed"] = services.may_give_das_opinion(self.request.user, self.project)
        kwargs["opinions"] = self.project.das_opinions.select_related("officer")
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            services.record_das_opinion(
                project=self.project, officer=self.request.user,
                opinion=form.cleaned_data["opinion"], reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "invalid_transition":
                messages.error(self.request, " ".join(error.messages))
                return HttpResponseRedirect(self.project.get_absolute_url())
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("DAS opinion on project %(reference)s recorded.") % {
            "reference": self.project.reference})
        return HttpResponseRedirect(reverse("grants:review_queue"))


def session_crumbs(session: CommitteeSession | None = None) -> list[tuple[str, str | None]]:
    crumbs = [(_("Committee sessions"), reverse("grants:committee_session_list"))]
    if session is not None:
        crumbs.append((session.minutes_number, session.get_absolute_url()))
    return crumbs


class CommitteeSessionListView(CrumbsMixin, PermissionRequiredMixin, ListView):
    permission_required = "grants.view_committeesession"
    raise_exception = True
    template_name = "grants/committee_session_list.html"
    context_object_name = "sessions"
    paginate_by = 25

    def get_queryset(self):
        return (
            CommitteeSession.objects.visible_to(self.request.user)
            .select_related("prefecture")
            .annotate(
                approved=Count("decisions", filter=Q(decisions__decision=CommitteeDecision.Decision.APPROVE)),
                refused=Count("decisions", filter=Q(decisions__decision=CommitteeDecision.Decision.REFUSE)),
            )
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        kwargs["may_record"] = user.has_perm("grants.add_committeesession")
        if kwargs["may_record"]:
            kwargs["waiting"] = Project.objects.visible_to(user).awaiting_committee().count()
        return super().get_context_data(**kwargs)

    def get_crumbs(self):
        return [(_("Committee sessions"), None)]


class CommitteeSessionCreateView(CrumbsMixin, PermissionRequiredMixin, View):
    """One form for a whole session: its date, minutes and members, and a line per file
    with a favourable DAS opinion waiting in the officer's prefectures."""

    permission_required = "grants.add_committeesession"
    raise_exception = True
    template_name = "grants/committee_session_form.html"

    def waiting(self) -> dict[int, Project]:
        projects = (
            Project.objects.visible_to(self.request.user).awaiting_committee()
            .with_equipment_total()
            .select_related("beneficiary", "sector", "prefecture")
            .order_by("submitted_at", "pk")
        )
        return {project.pk: project for project in projects}

    def conventions(self):
        return Convention.objects.visible_to(self.request.user).filter(status=Convention.Status.ACTIVE)

    def prefectures(self):
        user = self.request.user
        return Prefecture.objects.all() if is_national(user) else user.prefectures.all()

    def forms(self, data=None):
        projects = self.waiting()
        session_form = CommitteeSessionForm(data, prefectures=self.prefectures())
        formset = SessionDecisionFormSet(
            data, prefix="files", projects=projects, conventions=self.conventions(),
            initial=[{"project": pk, "amount": project.requested_amount} for pk, project in projects.items()],
        )
        return session_form, formset

    def render(self, session_form, formset, status=200):
        context = {
            "form": session_form, "formset": formset,
            "page_title": _("Record a committee session"),
            "crumbs": [*session_crumbs(), (_("New session"), None)],
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render(*self.forms())

    def post(self, request, *args, **kwargs):
        session_form, formset = self.forms(request.POST)
        if not (session_form.is_valid() and formset.is_valid()):
            return self.render(session_form, formset)
        data = session_form.cleaned_data
        try:
            session = services.record_committee_session(
                officer=request.user, prefecture=data["prefecture"], held_on=data["held_on"],
                minutes_number=data["minutes_number"], members=data["members"],
                decisions=[
                    services.SessionDecision(
                        project=item["project"], decision=item["decision"], reason=item["reason"],
                        convention=item.get("convention"), amount=item.get("amount"),
                    )
                    for item in formset.decisions()
                ],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                put_errors_on_form(session_form, error)
            else:
                messages.error(request, " ".join(error.messages))
            return self.render(session_form, formset)
        messages.success(request, _("Session %(number)s recorded: %(count)s file(s) decided.") % {
            "number": session.minutes_number, "count": session.decisions.count()})
        return HttpResponseRedirect(session.get_absolute_url())


class ScopedSessionMixin(CrumbsMixin, PermissionRequiredMixin):
    permission_required = "grants.view_committeesession"
    raise_exception = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.session = get_object_or_404(
                CommitteeSession.objects.visible_to(request.user).select_related("prefecture", "recorded_by"),
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    def decisions(self):
        return self.session.decisions.select_related(
            "project__beneficiary", "project__sector", "convention"
        ).order_by("project__reference")


class CommitteeSessionDetailView(ScopedSessionMixin, View):
    template_name = "grants/committee_session_detail.html"

    def get(self, request, *args, **kwargs):
        decisions = list(self.decisions())
        approved = [d for d in decisions if d.decision == CommitteeDecision.Decision.APPROVE]
        return render(request, self.template_name, {
            "session": self.session, "decisions": decisions,
            "approved_total": sum((d.amount for d in approved), ZERO),
            "approved_count": len(approved),
            "crumbs": [*session_crumbs(), (self.session.minutes_number, None)],
        })


class CommitteeMinutesPdfView(ScopedSessionMixin, View):
    """The session's minutes, French and Arabic side by side, through the one PDF pipeline."""

    def get(self, request, *args, **kwargs):
        document = minutes_pdf(self.session, list(self.decisions()))
        log_access(request, AccessLog.Action.PDF, self.session, detail="committee minutes")
        return pdf_response(document)
