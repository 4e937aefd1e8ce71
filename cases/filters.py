import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reintegration.accounts.scope import scope_filter
from reintegration.common.filters import ListFilterSet, OrderingFilter

from .models import FileTransfer, Grievance, Referral, SmsMessage


def _search_beneficiary(queryset, value: str):
    value = value.strip()
    return queryset.filter(
        Q(beneficiary__file_number__icontains=value)
        | Q(beneficiary__last_name__icontains=value)
        | Q(beneficiary__first_name__icontains=value)
        | Q(beneficiary__last_name_ar__icontains=value)
    )


class GrievanceFilter(ListFilterSet):
    UNRESOLVED, OVERDUE, RESOLVED, ALL = "unresolved", "overdue", "resolved", "all"
    STATES = [
        (UNRESOLVED, _("Not resolved")),
        (OVERDUE, _("Overdue")),
        (RESOLVED, _("Resolved")),
        (ALL, _("All")),
    ]

    state = django_filters.ChoiceFilter(
        label=_("Grievances"), choices=STATES, method="filter_state", empty_label=None
    )
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Grievance.Category.choices)
    MINE, NOBODY = "mine", "nobody"
    owner = django_filters.ChoiceFilter(
        label=_("Owner"), method="filter_owner",
        choices=[(MINE, _("Mine")), (NOBODY, _("Nobody yet"))],
    )
    q = django_filters.CharFilter(label=_("Search"), method="search")
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(("due_on", "due"), ("raised_on", "raised"), ("reference", "reference")),
        field_labels={"due_on": _("Deadline"), "raised_on": _("Raised on"), "reference": _("Reference")},
    )

    class Meta:
        model = Grievance
        fields = []

    def filter_state(self, queryset, name, value):
        if value == self.UNRESOLVED:
            return queryset.unresolved()
        if value == self.OVERDUE:
            return queryset.overdue(timezone.localdate())
        if value == self.RESOLVED:
            return queryset.filter(status=Grievance.Status.RESOLVED)
        return queryset

    def filter_owner(self, queryset, name, value):
        if value == self.NOBODY:
            return queryset.filter(owner__isnull=True)
        if value == self.MINE and self.request is not None:
            return queryset.filter(owner=self.request.user)
        return queryset

    def search(self, queryset, name, value):
        return _search_beneficiary(queryset, value) | queryset.filter(reference__icontains=value.strip())


class ReferralFilter(ListFilterSet):
    service = django_filters.ChoiceFilter(label=_("Partner service"), choices=Referral.Service.choices)
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=Referral.Outcome.choices)
    referred_since = django_filters.DateFilter(
        label=_("Referred since"), field_name="referred_on", lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = django_filters.CharFilter(label=_("Search"), method="search")
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(("referred_on", "referred"), ("outcome_on", "outcome")),
        field_labels={"referred_on": _("Referred on"), "outcome_on": _("Outcome known on")},
    )

    class Meta:
        model = Referral
        fields = []

    def search(self, queryset, name, value):
        return _search_beneficiary(queryset, value)


class FileTransferFilter(ListFilterSet):
    """No search by name: a requester must not learn whose file their CIN named."""

    INCOMING, OUTGOING = "incoming", "outgoing"
    status = django_filters.ChoiceFilter(label=_("Status"), choices=FileTransfer.Status.choices)
    direction = django_filters.ChoiceFilter(
        label=_("Requests"), method="filter_direction",
        choices=[(INCOMING, _("For files of my prefectures")), (OUTGOING, _("Made by my prefectures"))],
    )

    class Meta:
        model = FileTransfer
        fields = []

    def filter_direction(self, queryset, name, value):
        if self.request is None:
            return queryset
        path = "from_prefecture" if value == self.INCOMING else "to_prefecture"
        return scope_filter(queryset, self.request.user, path)


class SmsFilter(ListFilterSet):
    template = django_filters.ChoiceFilter(label=_("Template"), choices=SmsMessage.Template.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SmsMessage.Status.choices)
    q = django_filters.CharFilter(label=_("File number"), method="search")

    class Meta:
        model = SmsMessage
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(beneficiary__file_number__icontains=value.strip())
