"""Staff pages of the follow-up visits: the list (filters, export), recording a visit and
its photo. Each view checks the permission and the prefecture (a visit of another
prefecture is a 404), binds a form, calls one function of `followup.services`, redirects
with a message."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView
from django_filters.views import FilterView

from beneficiaries.selectors import may_see_personal_data
from procurement.views import (
    CrumbsMixin,
    ScopedObjectMixin,
    _file_response,
    project_crumbs,
    put_errors_on_form,
)
from reintegration.audit.models import AccessLog, log_access
from reintegration.common.dates import format_date
from reintegration.common.exports import ExportMixin
from reintegration.common.pagination import ListPaginator
from reintegration.common.views import RememberFiltersMixin

from . import services
from .exports import VISIT_COLUMNS
from .filters import AlertFilter, VisitFilter
from .forms import AlertActionForm, RescheduleForm, VisitForm
from .models import Alert, FollowUpVisit


class VisitListView(RememberFiltersMixin, ExportMixin, CrumbsMixin, PermissionRequiredMixin, FilterView):
    permission_required = "followup.view_followupvisit"
    raise_exception = True
    filterset_class = VisitFilter
    template_name = "followup/visit_list.html"
    paginate_by = 25
    paginator_class = ListPaginator
    export_columns = VISIT_COLUMNS
    export_filename = "visites-de-suivi"
    # What a row of the page shows; the export reads every column.
    page_columns = (
        "due_on", "visited_on", "activity_status", "visitor",
        "project__public_id", "project__reference", "project__title",
        "project__beneficiary__first_name", "project__beneficiary__last_name",
        "project__prefecture__name_fr", "project__prefecture__name_ar",
        "visitor__first_name", "visitor__last_name", "visitor__username",
    )

    def get_crumbs(self):
        return [(_("Follow-up visits"), None)]

    def get_queryset(self):
        return (
            FollowUpVisit.objects.visible_to(self.request.user)
            .select_related("project", "project__beneficiary", "project__prefecture", "visitor")
            .order_by("due_on", "visited_on", "pk")
        )

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = (kwargs.get("data") or self.request.GET).copy()
        # The list opens on what needs doing: the visits due and overdue.
        data.setdefault("state", VisitFilter.DUE)
        kwargs["data"] = data
        return kwargs

    def get_paginator(self, *args, **kwargs):
        # Tens of thousands of visits are due nationally: counting them all (a join on
        # the projects) cost 90 ms per page, so the pagination stops counting at "20+".
        return super().get_paginator(*args, count_limit=20 * self.paginate_by, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        return super().paginate_queryset(queryset.only(*self.page_columns), page_size)

    def get_context_data(self, **kwargs):
        return super().get_context_data(today=timezone.localdate(), **kwargs)


class VisitMixin(ScopedObjectMixin):
    def get_scoped_object(self):
        return get_object_or_404(
            FollowUpVisit.objects.visible_to(self.request.user).select_related(
                "project", "project__beneficiary"
            ),
            pk=self.kwargs["pk"],
        )


class VisitUpdateView(VisitMixin, FormView):
    permission_required = "followup.change_followupvisit"
    form_class = VisitForm
    template_name = "followup/visit_form.html"

    def get_crumbs(self):
        return [(_("Follow-up visits"), reverse("grants:visit_list")),
                *project_crumbs(self.object.project)[1:], (_("Visit"), None)]

    def get_initial(self):
        visit = self.object
        if visit.visited_on is None:
            return {"visited_on": min(timezone.localdate(), visit.due_on or timezone.localdate())}
        return {
            field: getattr(visit, field)
            for field in VisitForm.base_fields
            if field != "photo"
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(visit=self.object, project=self.object.project, **kwargs)

    def form_valid(self, form):
        try:
            services.record_visit(visit=self.object, user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Visit of %(date)s recorded.") % {
            "date": format_date(form.cleaned_data["visited_on"])})
        if form.cleaned_data["activity_status"] == FollowUpVisit.ActivityStatus.STOPPED:
            messages.warning(self.request, _(
                "The activity has stopped: if it will not restart, mark the project as abandoned."
            ))
        return redirect(self.object.project)


class VisitPhotoView(VisitMixin, View):
    permission_required = "followup.view_followupvisit"

    def get(self, request, *args, **kwargs):
        if not self.object.photo:
            raise Http404
        log_access(
            request, AccessLog.Action.DOWNLOAD, self.object.project, detail=f"visit photo {self.object.pk}"
        )
        return _file_response(self.object.photo, f"visit-{self.object.pk}")


class VisitRescheduleView(VisitMixin, FormView):
    """Move a planned visit to another day, with the reason; the page lists its earlier moves."""

    permission_required = "followup.change_followupvisit"
    form_class = RescheduleForm
    template_name = "followup/visit_reschedule.html"

    def get_crumbs(self):
        return [(_("Follow-up visits"), reverse("grants:visit_list")),
                *project_crumbs(self.object.project)[1:], (_("Move the visit"), None)]

    def get_initial(self):
        return {"due_on": self.object.due_on}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            visit=self.object, project=self.object.project,
            moves=services.reschedules_of(self.object), **kwargs,
        )

    def form_valid(self, form):
        try:
            services.reschedule_visit(visit=self.object, user=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            if getattr(error, "code", None) == "made":
                messages.error(self.request, " ".join(error.messages))
                return redirect(self.object.project)
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Visit moved to %(date)s.") % {
            "date": format_date(form.cleaned_data["due_on"])})
        return redirect(self.object.project)


def alerts_for(user):
    """The alerts `user` may see: a re-incarceration belongs to the person's record, shown
    only to the roles that need personal data (as the visit export's column)."""
    alerts = Alert.objects.visible_to(user)
    if not may_see_personal_data(user):
        alerts = alerts.exclude(kind=Alert.Kind.REINCARCERATED)
    return alerts


class AlertListView(RememberFiltersMixin, CrumbsMixin, PermissionRequiredMixin, FilterView):
    permission_required = "followup.view_alert"
    raise_exception = True
    filterset_class = AlertFilter
    template_name = "followup/alert_list.html"
    paginate_by = 25
    paginator_class = ListPaginator

    def get_crumbs(self):
        return [(_("Alerts"), None)]

    def get_queryset(self):
        return (
            alerts_for(self.request.user)
            .select_related(
                "visit__project__beneficiary", "visit__project__prefecture", "action_by"
            )
            .order_by("-raised_on", "-pk")
        )

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = (kwargs.get("data") or self.request.GET).copy()
        # The list opens on what needs doing: the open alerts.
        data.setdefault("state", AlertFilter.OPEN)
        kwargs["data"] = data
        return kwargs


class AlertDetailView(ScopedObjectMixin, FormView):
    """An alert, the visit that raised it, and the form recording what was done."""

    permission_required = "followup.view_alert"
    form_class = AlertActionForm
    template_name = "followup/alert_detail.html"

    def get_scoped_object(self):
        return get_object_or_404(
            alerts_for(self.request.user).select_related(
                "visit__project__beneficiary", "visit__visitor", "action_by"
            ),
            pk=self.kwargs["pk"],
        )

    def get_crumbs(self):
        return [(_("Alerts"), reverse("grants:alert_list")),
                *project_crumbs(self.object.visit.project)[1:], (_("Alert"), None)]

    def get_initial(self):
        return {"action": self.object.action}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            alert=self.object, visit=self.object.visit, project=self.object.visit.project,
            may_act=self.request.user.has_perm("followup.change_alert"),
            may_see_notes=may_see_personal_data(self.request.user), **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("followup.change_alert"):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            alert = services.record_alert_action(
                alert=self.object, user=self.request.user,
                action=form.cleaned_data["action"], close=form.cleaned_data["close"],
            )
        except ValidationError as error:
            put_errors_on_form(form, error)
            return self.form_invalid(form)
        if alert.is_open:
            messages.success(self.request, _("Action recorded; the alert stays open."))
        else:
            messages.success(self.request, _("Action recorded; the alert is closed."))
        return redirect("grants:alert_detail", pk=alert.pk)
