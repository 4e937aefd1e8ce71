"""Search, filters and whitelisted sorting of the visit list."""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grants.models import Project
from procurement.filters import _user_prefectures
from reintegration.common.filters import ListFilterSet, OrderingFilter

from .models import Alert, FollowUpVisit

# A visit is "due" from this many days before its date.
DUE_SOON_DAYS = 30
# The inbox's horizon: the visits to prepare now.
DUE_WITHIN_DAYS = 14


class VisitFilter(ListFilterSet):
    DUE, OVERDUE, UPCOMING, DONE, ALL = "due", "overdue", "upcoming", "done", "all"
    SOON = "soon"
    STATES = [
        (DUE, _("Due and overdue")),
        (OVERDUE, _("Overdue")),
        (SOON, _("Due within 14 days")),
        (UPCOMING, _("Upcoming")),
        (DONE, _("Done")),
        (ALL, _("All")),
    ]
    cached_options = ("prefecture",)

    state = django_filters.ChoiceFilter(
        label=_("Visits"), choices=STATES, method="filter_state", empty_label=None
    )
    q = django_filters.CharFilter(label=_("Search"), method="search")
    prefecture = django_filters.ModelChoiceFilter(
        label=_("Prefecture or province"), field_name="project__prefecture", queryset=_user_prefectures
    )
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(("due_on", "due"), ("visited_on", "visited"), ("project__reference", "project")),
        field_labels={"due_on": _("Due on"), "visited_on": _("Visited on"),
                      "project__reference": _("Project")},
    )

    class Meta:
        model = FollowUpVisit
        fields = []

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        pending = queryset.filter(visited_on__isnull=True, project__status=Project.Status.ACTIVE)
        if value == self.DUE:
            return pending.filter(due_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))
        if value == self.OVERDUE:
            return pending.filter(due_on__lt=today)
        if value == self.SOON:
            soon = today + datetime.timedelta(days=DUE_WITHIN_DAYS)
            return pending.filter(due_on__gte=today, due_on__lte=soon)
        if value == self.UPCOMING:
            return pending.filter(due_on__gte=today)
        if value == self.DONE:
            return queryset.filter(visited_on__isnull=False)
        return queryset

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(project__reference__icontains=value)
            | Q(project__title__icontains=value)
            | Q(project__beneficiary__last_name__icontains=value)
            | Q(project__beneficiary__first_name__icontains=value)
        )


class AlertFilter(ListFilterSet):
    OPEN, CLOSED, ALL = "open", "closed", "all"
    STATES = [(OPEN, pgettext_lazy("alerts", "Open")), (CLOSED, pgettext_lazy("alerts", "Closed")),
              (ALL, pgettext_lazy("alerts", "All"))]
    cached_options = ("prefecture",)

    state = django_filters.ChoiceFilter(
        label=_("Alerts"), choices=STATES, method="filter_state", empty_label=None
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Alert.Kind.choices)
    q = django_filters.CharFilter(label=_("Search"), method="search")
    prefecture = django_filters.ModelChoiceFilter(
        label=_("Prefecture or province"), field_name="visit__project__prefecture",
        queryset=_user_prefectures,
    )
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(("raised_on", "raised"), ("visit__project__reference", "project")),
        field_labels={"raised_on": _("Raised on"), "visit__project__reference": _("Project")},
    )

    class Meta:
        model = Alert
        fields = []

    def filter_state(self, queryset, name, value):
        if value == self.OPEN:
            return queryset.filter(closed_at__isnull=True)
        if value == self.CLOSED:
            return queryset.filter(closed_at__isnull=False)
        return queryset

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(visit__project__reference__icontains=value)
            | Q(visit__project__title__icontains=value)
            | Q(visit__project__beneficiary__last_name__icontains=value)
            | Q(visit__project__beneficiary__first_name__icontains=value)
        )
