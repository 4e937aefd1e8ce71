"""The work inbox of the home page: what a person has to do today, per role and scope,
each line a count and a link to the list that shows those rows.

Each line is a queryset of another app, read in the user's scope through its
`visible_to`; all the counts come back in one query (one `COUNT` per line, joined by
UNION ALL), so the page costs the same whatever the data. A line shows only to the roles
it is for and to a user who may open its list.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import CharField, Count, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from cases.selectors import overdue_grievances
from ceremonies.models import Ceremony
from followup.filters import DUE_WITHIN_DAYS, VisitFilter
from followup.models import FollowUpVisit
from followup.selectors import open_alerts
from grants.models import Amendment, Project
from procurement.models import PurchaseOrder, SupplierBankChange
from reintegration.accounts.roles import Role

STAFF, OFFICER = Role.FOUNDATION_STAFF, Role.PREFECTURE_OFFICER


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    roles: frozenset
    permission: str
    url: str  # a URL name
    query: str  # the list's filter
    rows: Callable[[object, datetime.date], QuerySet]


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    count: int
    url: str


def _pending_visits(user, today):
    return FollowUpVisit.objects.visible_to(user).pending()


LINES = [
    Line("incomplete_files", _("Files missing documents or consent"), frozenset({STAFF}),
         "beneficiaries.view_beneficiary", "beneficiaries:list", "incomplete=true",
         lambda user, today: Beneficiary.objects.visible_to(user).incomplete(today)),
    Line("returned_projects", _("Projects returned for correction"), frozenset({STAFF}),
         "grants.view_project", "grants:project_list", f"status={Project.Status.RETURNED}",
         lambda user, today: Project.objects.visible_to(user).filter(status=Project.Status.RETURNED)),
    Line("projects_to_order", _("Approved projects with no purchase order"), frozenset({STAFF}),
         "grants.view_project", "grants:project_list", "to_order=true",
         lambda user, today: Project.objects.visible_to(user).awaiting_order()),
    Line("orders_awaiting_delivery", _("Purchase orders sent, awaiting delivery"), frozenset({STAFF}),
         "procurement.view_purchaseorder", "grants:purchase_order_list",
         f"status={PurchaseOrder.Status.SENT}",
         lambda user, today: PurchaseOrder.objects.visible_to(user).filter(status=PurchaseOrder.Status.SENT)),
    Line("ceremonies_to_prepare", _("Ceremonies to prepare"), frozenset({STAFF}),
         "ceremonies.view_ceremony", "ceremonies:list", f"status={Ceremony.Status.PLANNED}",
         lambda user, today: Ceremony.objects.visible_to(user).planned()),
    Line("visits_overdue", _("Follow-up visits overdue"), frozenset({STAFF}),
         "followup.view_followupvisit", "grants:visit_list", f"state={VisitFilter.OVERDUE}",
         lambda user, today: _pending_visits(user, today).filter(due_on__lt=today)),
    Line("visits_due_soon", _("Follow-up visits due within 14 days"), frozenset({STAFF}),
         "followup.view_followupvisit", "grants:visit_list", f"state={VisitFilter.SOON}",
         lambda user, today: _pending_visits(user, today).filter(
             due_on__gte=today, due_on__lte=today + datetime.timedelta(days=DUE_WITHIN_DAYS))),
    Line("open_alerts", _("Open alerts raised on visits"), frozenset({STAFF}),
         "followup.view_alert", "grants:alert_list", "state=open",
         lambda user, today: open_alerts(user)),
    Line("overdue_grievances", _("Grievances past their deadline"), frozenset({STAFF}),
         "cases.view_grievance", "cases:grievance_list", "state=overdue",
         lambda user, today: overdue_grievances(user, today)),
    Line("awaiting_das_opinion", _("Files awaiting a DAS opinion"), frozenset({OFFICER}),
         "grants.add_review", "grants:review_queue", "waiting=das",
         lambda user, today: Project.objects.visible_to(user).awaiting_das_opinion()),
    Line("awaiting_committee", _("Files awaiting a committee session"), frozenset({OFFICER}),
         "grants.add_review", "grants:review_queue", "waiting=committee",
         lambda user, today: Project.objects.visible_to(user).awaiting_committee()),
    Line("amendments_to_decide", _("Amendments to decide"), frozenset({OFFICER}),
         "grants.change_amendment", "grants:amendment_list", "",
         lambda user, today: Amendment.objects.visible_to(user).pending()),
    Line("bank_changes", _("Changes of bank details to decide"), frozenset(),
         "procurement.change_supplierbankchange", "grants:bank_change_list", "",
         lambda user, today: SupplierBankChange.objects.visible_to(user).filter(
             status=SupplierBankChange.Status.PENDING)),
]


def lines_for(user) -> list[Line]:
    """The lines of the user's role (an administrator's: every line, nationally) that
    the user may open."""
    role = user.role
    return [
        line for line in LINES
        if (role == Role.ADMIN or role in line.roles) and user.has_perm(line.permission)
    ]


def inbox(user, today: datetime.date | None = None) -> list[Entry]:
    """The user's inbox, in the order of LINES; one query for every count."""
    today = today or timezone.localdate()
    lines = lines_for(user)
    if not lines:
        return []
    counts = [
        line.rows(user, today).order_by().annotate(
            line=Value(line.key, output_field=CharField())
        ).values_list("line").annotate(n=Count("pk"))
        for line in lines
    ]
    found = dict(counts[0].union(*counts[1:], all=True)) if len(counts) > 1 else dict(counts[0])
    return [
        Entry(line.key, str(line.label), found.get(line.key, 0),
              reverse(line.url) + (f"?{line.query}" if line.query else ""))
        for line in lines
    ]
