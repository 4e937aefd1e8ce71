"""Search, filters and whitelisted sorting of the supplier and order lists."""


import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from grants.models import Convention, Project
from reintegration.accounts.scope import is_national
from reintegration.common.filters import OrderingFilter
from reintegration.territories.models import Prefecture

from .models import PurchaseOrder, Supplier


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
