import datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AccessLog


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AccessLogFilter(django_filters.FilterSet):
    """The searches of the log, each one an index can serve on tens of millions of rows
    (reintegration/audit/partitions.py): the user by the ids of the people whose name
    matches, the object by the start of its identifier (a
    file's public id or number, lower case), dates as a range of `at` in the app's time
    zone (a `__date` lookup would convert every row's time before comparing, and skip
    the month partitions and the indexes)."""

    user = django_filters.CharFilter(method="filter_user", label=_("User"))
    object_id = django_filters.CharFilter(
        method="filter_object", label=_("Object identifier"),
    )
    action = django_filters.ChoiceFilter(
        choices=AccessLog.Action.choices, label=_("Action"), empty_label=_("All actions"),
    )
    since = django_filters.DateFilter(
        method="filter_since", label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        method="filter_until", label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AccessLog
        fields = ["user", "object_id", "action", "since", "until"]

    def filter_user(self, queryset, name, value):
        # The matching users first (a few hundred people at most), then their entries by
        # the `(user, -at)` index of each month: a join on the names would walk the whole
        # log newest first until enough entries of theirs turn up.
        users = get_user_model().objects.filter(username__icontains=value.strip())
        return queryset.filter(user_id__in=list(users.values_list("pk", flat=True)))

    def filter_object(self, queryset, name, value):
        return queryset.filter(object_id__startswith=value.strip().lower())

    def filter_since(self, queryset, name, value):
        return queryset.filter(at__gte=start_of_day(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(at__lt=start_of_day(value + datetime.timedelta(days=1)))
