"""Search, filters and whitelisted sorting of the ceremonies list."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from reintegration.accounts.scope import is_national
from reintegration.common.filters import ListFilterSet, OrderingFilter, YearFilter
from reintegration.territories.models import Prefecture

from .models import Ceremony


def visible_prefectures(request):
    if request is None:
        return Prefecture.objects.none()
    if is_national(request.user):
        return Prefecture.objects.filter(Exists(Ceremony.objects.filter(prefecture=OuterRef("pk"))))
    return request.user.prefectures.all()


class CeremonyFilter(ListFilterSet):
    cached_options = ("prefecture",)

    q = django_filters.CharFilter(
        label=_("Search"), method="search",
        widget=forms.TextInput(attrs={"placeholder": _("Title, place or presided by")}),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Ceremony.Status.choices)
    prefecture = django_filters.ModelChoiceFilter(
        label=_("Prefecture or province"), queryset=visible_prefectures
    )
    year = YearFilter(label=_("Year"), field_name="held_on")
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(("held_on", "date"), ("title", "title"), ("equipment_value", "value")),
        field_labels={
            "held_on": _("Date"), "title": _("Title"), "equipment_value": _("Value handed over"),
        },
    )

    class Meta:
        model = Ceremony
        fields = ["q", "status", "prefecture", "year"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(place__icontains=value) | Q(presided_by__icontains=value)
        )
