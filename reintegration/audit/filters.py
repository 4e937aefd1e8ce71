import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AccessLog


class AccessLogFilter(django_filters.FilterSet):
    user = django_filters.CharFilter(
        field_name="user__username", lookup_expr="icontains", label=_("User"),
    )
    object_id = django_filters.CharFilter(
        field_name="object_id", lookup_expr="icontains", label=_("Object identifier"),
    )
    action = django_filters.ChoiceFilter(
        choices=AccessLog.Action.choices, label=_("Action"), empty_label=_("All actions"),
    )
    since = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AccessLog
        fields = ["user", "object_id", "action", "since", "until"]
