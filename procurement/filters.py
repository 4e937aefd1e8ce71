"""Search, filters and whitelisted sorting of the supplier, order and visit lists."""

import datetime

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import Convention, FollowUpVisit, Project
from reintegration.accounts.scope import is_national
from reintegration.common.filters import ListFilterSet, OrderingFilter
from reintegration.territories.models import Prefecture

from .models import PurchaseOrder, Supplier

# A visit is "due" from this many days before its date.
DUE_SOON_DAYS = 30


def _visible_conventions(request):
    if request is None:
        return Convention.objects.none()
    return Convention.objects.visible_to(request.user)


def _user_prefectures(request):
    if request is None:
        return Prefecture.objects.none()
    # Exists, not a join + DISTINCT over every project (130 ms at 100,000): bench/README.md
    prefectures = Prefecture.objects.filter(Exists(Project.objects.filter(prefecture=OuterRef("pk"))))
    if is_national(request.user):
        return prefectures
    return prefectures.filter(pk__in=request.user.prefectures.values("pk"))


class SupplierFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("order_count", "orders"), ("ordered_total", "amount")),
        field_labels={"name": _("Name"), "order_count": _("Orders"), "ordered_total": _("Amount ordered")},
    )

    class Meta:
        model = Supplier
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value) | Q(ice__icontains=value) | Q(rc__icontains=value)
        )


class PurchaseOrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PurchaseOrder.Status.choices)
    convention = django_filters.ModelChoiceFilter(label=_("Convention"), queryset=_visible_conventions)
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(("ordered_on", "date"), ("number", "number"), ("lines_total", "total")),
        field_labels={"ordered_on": _("Date"), "number": _("Number"), "lines_total": _("Total")},
    )

    class Meta:
        model = PurchaseOrder
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(number__icontains=value)
            | Q(supplier__name__icontains=value)
            | Q(invoice_number__icontains=value)
        )


class VisitFilter(ListFilterSet):
    DUE, OVERDUE, UPCOMING, DONE, ALL = "due", "overdue", "upcoming", "done", "all"
    STATES = [
        (DUE, _("Due and overdue")),
        (OVERDUE, _("Overdue")),
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
