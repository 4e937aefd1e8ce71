"""Search, filters and whitelisted sorting of the conventions and projects lists."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from reintegration.accounts.scope import is_national
from reintegration.common.filters import ListFilterSet, OrderingFilter
from reintegration.territories.models import Prefecture

from .models import Convention, Project, Sector


def visible_prefectures(request):
    if request is None:
        return Prefecture.objects.none()
    if is_national(request.user):
        # Exists, not a join + DISTINCT over every project (130 ms at 100,000): bench/README.md
        return Prefecture.objects.filter(Exists(Project.objects.filter(prefecture=OuterRef("pk"))))
    return request.user.prefectures.all()


def visible_conventions(request):
    if request is None:
        return Convention.objects.none()
    return Convention.objects.visible_to(request.user)


class ProjectFilter(ListFilterSet):
    cached_options = ("sector", "convention", "prefecture")

    q = django_filters.CharFilter(
        label=_("Search"), method="search",
        widget=forms.TextInput(attrs={"placeholder": _("Reference, title or beneficiary")}),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Project.Status.choices)
    sector = django_filters.ModelChoiceFilter(label=_("Sector"), queryset=Sector.objects.all())
    convention = django_filters.ModelChoiceFilter(label=_("Convention"), queryset=visible_conventions)
    prefecture = django_filters.ModelChoiceFilter(
        label=_("Prefecture or province"), queryset=visible_prefectures
    )
    to_order = django_filters.BooleanFilter(
        label=_("Approved, no purchase order yet"), method="filter_to_order",
        widget=forms.CheckboxInput,
    )
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("created_at", "created"),
            ("submitted_at", "submitted"),
            ("reference", "reference"),
            ("equipment_total", "equipment"),
            ("approved_amount", "approved"),
        ),
        field_labels={
            "created_at": _("Date created"),
            "submitted_at": _("Date submitted"),
            "reference": _("Reference"),
            "equipment_total": _("Equipment total"),
            "approved_amount": _("Approved amount"),
        },
    )

    class Meta:
        model = Project
        fields = ["q", "status", "sector", "convention", "prefecture"]

    def filter_to_order(self, queryset, name, value):
        return queryset.awaiting_order() if value else queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(title__icontains=value)
            | Q(beneficiary__last_name__icontains=value)
            | Q(beneficiary__first_name__icontains=value)
            | Q(beneficiary__last_name_ar__icontains=value)
            | Q(beneficiary__first_name_ar__icontains=value)
            | Q(beneficiary__file_number__iexact=value)
        )


class ConventionFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="search",
        widget=forms.TextInput(attrs={"placeholder": _("Reference, title or partner")}),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Convention.Status.choices)
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(("starts_on", "start"), ("reference", "reference"), ("envelope", "envelope")),
        field_labels={
            "starts_on": _("Start date"), "reference": _("Reference"), "envelope": _("Envelope"),
        },
    )

    class Meta:
        model = Convention
        fields = ["q", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(partner__name__icontains=value)
        )
