"""This app's entries in a file's timeline (registered in apps.py with
`beneficiaries.timeline.register_source`)."""

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _

from beneficiaries.timeline import Entry
from reintegration.common.bidi import isolate

from .models import FileTransfer, Grievance, Referral


def case_entries(beneficiary) -> list[Entry]:
    """Read into the beneficiary's prefetch cache, once (three queries): the file's page
    lists the same grievances and referrals (cases/_beneficiary_panel.html) without
    asking again."""
    prefetch_related_objects(
        [beneficiary],
        Prefetch("grievances", queryset=Grievance.objects.select_related("raised_by", "resolved_by")),
        Prefetch("referrals", queryset=Referral.objects.select_related("referred_by", "outcome_recorded_by")),
        Prefetch(
            "transfers", to_attr="accepted_transfers",
            queryset=FileTransfer.objects.filter(status=FileTransfer.Status.ACCEPTED).select_related(
                "decided_by", "from_prefecture", "to_prefecture"
            ),
        ),
    )
    entries = []
    for referral in beneficiary.referrals.all():
        entries.append(Entry(
            referral.created_at, "referral",
            _("Referred to %(service)s") % {"service": referral.get_service_display()},
            referral.referred_by, detail=referral.reason,
        ))
        if referral.outcome_recorded_at:
            entries.append(Entry(
                referral.outcome_recorded_at, "referral",
                _("Referral to %(service)s: %(outcome)s") % {
                    "service": referral.get_service_display(),
                    "outcome": referral.get_outcome_display(),
                },
                referral.outcome_recorded_by, detail=referral.outcome_notes,
            ))
    for grievance in beneficiary.grievances.all():
        entries.append(Entry(
            grievance.created_at, "grievance",
            _("Grievance %(reference)s: %(category)s") % {
                "reference": isolate(grievance.reference), "category": grievance.get_category_display(),
            },
            grievance.raised_by,
        ))
        if grievance.resolved_at:
            entries.append(Entry(
                grievance.resolved_at, "grievance",
                _("Grievance %(reference)s resolved") % {"reference": isolate(grievance.reference)},
                grievance.resolved_by, detail=grievance.resolution,
            ))
    for transfer in beneficiary.accepted_transfers:
        entries.append(Entry(
            transfer.decided_at, "transfer",
            _("File transferred from %(from)s to %(to)s") % {
                "from": transfer.from_prefecture, "to": transfer.to_prefecture,
            },
            transfer.decided_by, detail=transfer.reason,
        ))
    return entries


