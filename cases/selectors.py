"""Reads of this app that other pages need: the dashboard's figures and what the
future inbox lists (overdue grievances, transfer requests waiting for an answer)."""

import datetime

from django.db.models import CharField, Count, Q, Value
from django.utils import timezone

from reintegration.accounts.scope import scope_filter

from .models import FileTransfer, Grievance, Referral, SmsMessage


def overdue_grievances(user, today: datetime.date | None = None):
    """The unresolved grievances past their deadline that `user` may see, oldest
    deadline first: what the inbox shows and the dashboard counts."""
    return (
        Grievance.objects.visible_to(user).overdue(today)
        .select_related("beneficiary", "owner").order_by("due_on", "pk")
    )


def transfers_awaiting_answer(user):
    """Requests for files of the user's prefectures, waiting for their answer."""
    return scope_filter(FileTransfer.objects.pending(), user, "from_prefecture")


def case_figures(user, *, prefecture=None, today: datetime.date | None = None) -> dict:
    """The dashboard's panel, in the user's scope (and the prefecture chosen, which the
    dashboard's form has checked is in it). Read live, not from the dashboard's
    snapshots: a few rows per file, grouped by the database in one query (four grouped
    counts joined by UNION ALL), so the page costs one query more."""
    today = today or timezone.localdate()
    grievances = Grievance.objects.visible_to(user)
    referrals = Referral.objects.visible_to(user)
    transfers = FileTransfer.objects.visible_to(user)
    messages = SmsMessage.objects.visible_to(user)
    if prefecture is not None:
        messages = messages.filter(beneficiary__prefecture=prefecture)
        grievances = grievances.filter(beneficiary__prefecture=prefecture)
        referrals = referrals.filter(beneficiary__prefecture=prefecture)
        transfers = transfers.filter(Q(from_prefecture=prefecture) | Q(to_prefecture=prefecture))

    def grouped(queryset, kind: str, first: str, second, late=None):
        return queryset.order_by().values_list(
            Value(kind, output_field=CharField()), first, second,
        ).annotate(
            n=Count("pk"),
            late=Count("pk", filter=late) if late is not None else Value(0),
        )

    late = ~Q(status=Grievance.Status.RESOLVED) & Q(due_on__lt=today)
    rows = grouped(grievances, "grievance", "category", "status", late).union(
        grouped(referrals, "referral", "service", "outcome"),
        grouped(transfers, "transfer", "status", Value("", output_field=CharField())),
        grouped(messages, "sms", "status", Value("", output_field=CharField())),
        all=True,
    )
    by_category = dict.fromkeys(Grievance.Category.values, 0)
    grievance_counts = {"total": 0, "unresolved": 0, "overdue": 0, "resolved": 0}
    by_service = {service: dict.fromkeys(Referral.Outcome.values, 0) for service in Referral.Service.values}
    transfer_counts = dict.fromkeys(FileTransfer.Status.values, 0)
    sms_counts = dict.fromkeys(SmsMessage.Status.values, 0)
    for kind, first, second, n, overdue in rows:
        if kind == "grievance":
            by_category[first] += n
            grievance_counts["total"] += n
            grievance_counts["overdue"] += overdue
            grievance_counts["resolved" if second == Grievance.Status.RESOLVED else "unresolved"] += n
        elif kind == "referral":
            by_service[first][second] += n
        elif kind == "transfer":
            transfer_counts[first] += n
        else:
            sms_counts[first] += n
    return {
        "grievances": grievance_counts,
        "grievances_by_category": [
            (label, by_category[value]) for value, label in Grievance.Category.choices
        ],
        "referrals_total": sum(sum(outcomes.values()) for outcomes in by_service.values()),
        "referrals_obtained": sum(o[Referral.Outcome.OBTAINED] for o in by_service.values()),
        "referrals_by_service": [
            (label, by_service[value]) for value, label in Referral.Service.choices
            if sum(by_service[value].values())
        ],
        "transfers": transfer_counts,
        "sms": sms_counts,
    }
