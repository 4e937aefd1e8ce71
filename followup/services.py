"""Follow-up: the visits planned after a project's launch, what each records, and what
they say per project (`ProjectOutcome`). Every write goes through one function here
(keyword-only, atomic, guard first); views, the admin, the demo seed and tests call them.
A project's launch reaches `schedule_follow_up_visits` and `refresh_outcome` through
grants' hooks (followup/apps.py).
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Project
from grants.services import _insert_from_select
from reintegration.common.dates import format_date

from .models import Alert, FollowUpVisit, ProjectOutcome

DEFAULT_FOLLOW_UP_MONTHS = [1, 3, 6, 12, 24]


# --- guards ---------------------------------------------------------------------------

def ensure_can_act_on_alert(user, alert: Alert) -> None:
    if not (
        user.has_perm("followup.change_alert")
        and Alert.objects.visible_to(user).filter(pk=alert.pk).exists()
    ):
        raise PermissionDenied(_("You may not act on this alert."))


def ensure_can_visit(user, project: Project) -> None:
    if not (
        user.has_perm("followup.change_followupvisit")
        and Project.objects.visible_to(user).filter(pk=project.pk).exists()
    ):
        raise PermissionDenied(_("You may not record visits of this project."))


# --- follow-up calendar ---------------------------------------------------------------

def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 -> 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_months() -> list[int]:
    return list(getattr(settings, "FOLLOW_UP_MONTHS", DEFAULT_FOLLOW_UP_MONTHS))


@transaction.atomic
def schedule_follow_up_visits(*, project: Project) -> list[FollowUpVisit]:
    """Create the visits due 1, 3, 6, 12 and 24 months (setting FOLLOW_UP_MONTHS) after launch.

    Called by `launch_project`. A due date already planned for the project is not created
    twice, so calling it again is harmless.
    """
    if project.launched_on is None:
        raise ValidationError(_("The project has no launch date: its follow-up cannot be planned."))
    already = set(project.visits.filter(due_on__isnull=False).values_list("due_on", flat=True))
    due_dates = sorted({add_months(project.launched_on, months) for months in follow_up_months()})
    # One create per visit (five rows), so each gets its history record.
    return [
        FollowUpVisit.objects.create(project=project, due_on=due_on)
        for due_on in due_dates
        if due_on not in already
    ]


@transaction.atomic
def record_visit(
    *,
    visit: FollowUpVisit,
    user,
    visited_on: datetime.date,
    activity_status: str,
    monthly_revenue: Decimal | None = None,
    jobs_created: int = 0,
    notes: str = "",
    next_visit_on: datetime.date | None = None,
    photo=None,
    equipment_missing: bool = False,
    activity_closed: bool = False,
    reincarcerated: bool = False,
    beneficiary_unreachable: bool = False,
) -> FollowUpVisit:
    """Record what the visitor found. A next visit date plans one more visit then."""
    ensure_can_visit(user, visit.project)
    visit = FollowUpVisit.objects.select_related("project").select_for_update(of=("self",)).get(
        pk=visit.pk
    )
    project = visit.project
    if project.launched_on is None:
        raise ValidationError(_("This project has not been launched: there is nothing to follow up yet."))
    if visited_on < project.launched_on:
        raise ValidationError({"visited_on": _(
            "A visit cannot be dated before the project's launch (%(date)s)."
        ) % {"date": format_date(project.launched_on)}})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit cannot be dated in the future.")})
    if activity_status not in FollowUpVisit.ActivityStatus.values:
        raise ValidationError({"activity_status": _("Choose the state of the activity.")})
    if next_visit_on is not None and next_visit_on <= visited_on:
        raise ValidationError({"next_visit_on": _("The next visit must come after this one.")})
    if monthly_revenue is not None and monthly_revenue < 0:
        raise ValidationError({"monthly_revenue": _("A revenue cannot be negative.")})

    visit.visited_on = visited_on
    visit.visitor = user
    visit.activity_status = activity_status
    visit.monthly_revenue = monthly_revenue
    visit.jobs_created = jobs_created
    visit.notes = notes
    visit.next_visit_on = next_visit_on
    visit.equipment_missing = equipment_missing
    visit.activity_closed = activity_closed
    visit.reincarcerated = reincarcerated
    visit.beneficiary_unreachable = beneficiary_unreachable
    if photo:
        visit.photo = photo
    visit._history_user = user
    visit.save()
    refresh_outcome(project=project)
    sync_alerts(visit=visit)
    if next_visit_on is not None:
        _plan_next_visit(project=project, user=user, after=visit, due_on=next_visit_on)
    return visit


def _plan_next_visit(*, project: Project, user, after: FollowUpVisit, due_on: datetime.date) -> None:
    """"Next visit on": the next planned visit moves to that day (its history keeps the
    day it had and why); a visit is added only when none is planned any more."""
    planned = (
        project.visits.select_for_update().filter(visited_on__isnull=True).exclude(pk=after.pk)
        .order_by("due_on", "pk")
    )
    if planned.filter(due_on=due_on).exists():
        return
    following = planned.first()
    if following is None:
        visit = FollowUpVisit(project=project, due_on=due_on)
        visit._history_user = user
        visit.save()
        return
    _move_visit(following, user=user, due_on=due_on, reason=_(
        "Next visit set at the visit of %(date)s."
    ) % {"date": format_date(after.visited_on)})


def _move_visit(visit: FollowUpVisit, *, user, due_on: datetime.date, reason: str) -> None:
    visit.due_on = due_on
    visit._history_user = user
    visit._change_reason = reason[:RESCHEDULE_REASON_MAX_LENGTH]
    visit.save(update_fields=["due_on"])


# The history's reason column holds 100 characters (simple_history's default).
RESCHEDULE_REASON_MAX_LENGTH = 100


@transaction.atomic
def reschedule_visit(*, visit: FollowUpVisit, user, due_on: datetime.date, reason: str) -> FollowUpVisit:
    """Move a planned visit to another day, with the reason, kept in the visit's history:
    the project keeps the same planned visits, never one more."""
    ensure_can_visit(user, visit.project)
    visit = FollowUpVisit.objects.select_related("project").select_for_update(of=("self",)).get(
        pk=visit.pk
    )
    project = visit.project
    if visit.visited_on is not None:
        raise ValidationError(_("This visit has been made: it can no longer be moved."), code="made")
    if project.launched_on is None:
        raise ValidationError(_("This project has not been launched: there is nothing to follow up yet."))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Please write the reason.")
    elif len(reason) > RESCHEDULE_REASON_MAX_LENGTH:
        errors["reason"] = _("Keep the reason to %(count)d characters.") % {
            "count": RESCHEDULE_REASON_MAX_LENGTH}
    if due_on is None:
        errors["due_on"] = _("Enter the new date.")
    elif due_on < project.launched_on:
        errors["due_on"] = _("A visit cannot be planned before the project's launch (%(date)s).") % {
            "date": format_date(project.launched_on)}
    elif due_on < timezone.localdate():
        errors["due_on"] = _("A visit cannot be moved to a day already past.")
    elif due_on == visit.due_on:
        errors["due_on"] = _("The visit is already planned on that day.")
    elif project.visits.filter(visited_on__isnull=True, due_on=due_on).exists():
        errors["due_on"] = _("Another visit of this project is already planned on that day.")
    if errors:
        raise ValidationError(errors)
    _move_visit(visit, user=user, due_on=due_on, reason=reason)
    return visit


def reschedules_of(visit: FollowUpVisit) -> list[dict]:
    """The days a visit was moved from and to, newest first, each with who and why: read
    from its history (a record whose due date differs from the one before it)."""
    records = list(visit.history.order_by("history_date", "history_id").select_related("history_user"))
    moves = []
    for before, after in zip(records, records[1:], strict=False):
        if before.due_on != after.due_on and before.due_on is not None:
            moves.append({
                "from": before.due_on, "to": after.due_on, "at": after.history_date,
                "user": after.history_user, "reason": after.history_change_reason or "",
            })
    return moves[::-1]


# --- alerts -----------------------------------------------------------------------------

@transaction.atomic
def sync_alerts(*, visit: FollowUpVisit) -> list[Alert]:
    """Raise an alert for each risk the visit now signals (`FollowUpVisit.risk_kinds`).

    A visit corrected later withdraws the alerts it no longer signals, unless someone has
    already recorded an action on them: what was done stays on record. Returns the
    alerts raised now.
    """
    kinds = visit.risk_kinds()
    visit.alerts.exclude(kind__in=kinds).filter(action="").delete()
    existing = set(visit.alerts.values_list("kind", flat=True))
    # One create per alert (a handful), so each gets its history record.
    raised = [
        Alert.objects.create(visit=visit, kind=kind, raised_on=visit.visited_on)
        for kind in kinds
        if kind not in existing
    ]
    visit.alerts.filter(closed_at__isnull=True).exclude(raised_on=visit.visited_on).update(
        raised_on=visit.visited_on
    )
    return raised


@transaction.atomic
def record_alert_action(*, alert: Alert, user, action: str, close: bool = False) -> Alert:
    """Record what was done about an alert (replacing the previous account, kept in its
    history) and, with `close`, close it. A closed alert is reopened by recording an
    action without `close`."""
    ensure_can_act_on_alert(user, alert)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    action = action.strip()
    if not action:
        raise ValidationError({"action": _("Say what was done about this alert.")})
    now = timezone.now()
    alert.action = action
    alert.action_by = user
    alert.action_at = now
    alert.closed_at = now if close else None
    alert.save(update_fields=["action", "action_by", "action_at", "closed_at"])
    return alert


# --- outcomes ---------------------------------------------------------------------------

def refresh_outcome(*, project: Project) -> None:
    """Recompute one project's `ProjectOutcome`: after recording, changing or deleting one
    of its visits, or setting its launch date."""
    refresh_outcomes(projects=Project.objects.filter(pk=project.pk))


@transaction.atomic
def refresh_outcomes(*, projects: QuerySet) -> None:
    """Recompute the `ProjectOutcome` of these projects from their visits, set-based: the
    same five statements for one project or a hundred thousand (a bulk load, the
    benchmark's seed), so the dashboard's figures are those its visits give.
    """
    # Locking the projects orders two writers of one project's visits: the second one
    # recomputes after the first commits, so it reads both visits (READ COMMITTED).
    # Always in the order of their keys, so two bulk refreshes cannot deadlock.
    list(projects.order_by("pk").select_for_update().values_list("pk", flat=True))
    ids = projects.values("pk")
    ProjectOutcome.objects.filter(project__in=ids).delete()
    facts = FollowUpVisit.objects.filter(project__in=ids).outcome_facts()
    _insert_from_select(ProjectOutcome, ["project", *facts.query.annotation_select], facts)
    latest = FollowUpVisit.objects.filter(
        project=OuterRef("project"), visited_on__isnull=False
    ).order_by("-visited_on", "-pk")
    ProjectOutcome.objects.filter(project__in=ids).update(
        revenue=Subquery(latest.filter(monthly_revenue__isnull=False).values("monthly_revenue")[:1]),
        jobs=Subquery(latest.values("jobs_created")[:1]),
    )
