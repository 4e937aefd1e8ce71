"""The project workflow: every change of `Project.status` is one function here.

Each function is keyword-only and atomic, checks who may act (role, then scope), locks
the project row and checks the move against `TRANSITIONS` (so a form posted twice is
refused the second time), applies the rules, then writes a `ProjectEvent` through
`record_event`. Views, the admin, ceremonies, the demo seed and tests call the same
functions; nothing else sets `Project.status`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from reintegration.accounts.roles import Role
from reintegration.accounts.scope import is_national
from reintegration.common.mail import send_on_commit
from reintegration.common.money import format_amount, format_money
from reintegration.sequences.models import next_number

from . import notifications
from .models import (
    ZERO,
    Convention,
    ConventionFigures,
    EquipmentItem,
    FollowUpVisit,
    Project,
    ProjectEvent,
    ProjectOutcome,
    Review,
)

Status = Project.Status

# action -> (the statuses it may start from, the status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({Status.DRAFT, Status.RETURNED}), Status.SUBMITTED),
    "approve": (frozenset({Status.SUBMITTED}), Status.APPROVED),
    "reject": (frozenset({Status.SUBMITTED}), Status.REJECTED),
    "return": (frozenset({Status.SUBMITTED}), Status.RETURNED),
    "equip": (frozenset({Status.APPROVED}), Status.EQUIPPED),
    "launch": (frozenset({Status.EQUIPPED}), Status.ACTIVE),
    "close": (frozenset({Status.ACTIVE}), Status.CLOSED),
    "abandon": (frozenset({Status.APPROVED, Status.EQUIPPED, Status.ACTIVE}), Status.ABANDONED),
}

# Who performs each move: the foundation's staff run the file, the prefecture's officers
# decide on it. Admins act as staff; only officers review (the DAS decision is theirs).
STAFF_ROLES = (Role.FOUNDATION_STAFF, Role.ADMIN)
REVIEWER_ROLES = (Role.PREFECTURE_OFFICER,)
ACTION_ROLES: dict[str, tuple[Role, ...]] = {
    "submit": STAFF_ROLES,
    "approve": REVIEWER_ROLES,
    "reject": REVIEWER_ROLES,
    "return": REVIEWER_ROLES,
    "equip": STAFF_ROLES,
    "launch": STAFF_ROLES,
    "close": STAFF_ROLES,
    "abandon": STAFF_ROLES,
}

# Statuses in which staff may still edit the file and its equipment lines.
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.RETURNED})


def _action_refusals() -> dict[str, str]:
    return {
        "submit": _("This project is “%(status)s”: it cannot be submitted."),
        "approve": _("This project is “%(status)s”: it cannot be approved."),
        "reject": _("This project is “%(status)s”: it cannot be rejected."),
        "return": _("This project is “%(status)s”: it cannot be returned for correction."),
        "equip": _("This project is “%(status)s”: it cannot be marked as equipped."),
        "launch": _("This project is “%(status)s”: it cannot be launched."),
        "close": _("This project is “%(status)s”: it cannot be closed."),
        "abandon": _("This project is “%(status)s”: it cannot be abandoned."),
    }


# --- guards -----------------------------------------------------------------------------

def is_editable(project: Project) -> bool:
    return project.status in EDITABLE_STATUSES


def in_scope(user, project: Project) -> bool:
    """Whether `project` is in `user`'s scope; asked once per user and project instance,
    as a page asks it for every button it may show."""
    answers = project.__dict__.setdefault("_in_scope", {})
    if user.pk not in answers:
        answers[user.pk] = Project.objects.visible_to(user).filter(pk=project.pk).exists()
    return answers[user.pk]


def fetched_in_scope(user, project: Project) -> Project:
    """Note that `project` was just fetched through `visible_to(user)`, so that `in_scope`
    does not ask the database again."""
    project.__dict__.setdefault("_in_scope", {})[user.pk] = True
    return project


def may_act(user, action: str, project: Project) -> bool:
    """Whether `user`'s role may perform `action` on a project in their scope (no status check)."""
    if not (user.is_authenticated and user.is_active and user.role in ACTION_ROLES[action]):
        return False
    return in_scope(user, project)


def may_edit(user, project: Project) -> bool:
    return is_editable(project) and may_act(user, "submit", project)


def available_actions(user, project: Project) -> set[str]:
    """The moves `user` may make on `project` now (role, scope and status), for the pages."""
    if not (user.is_authenticated and user.is_active and user.role is not None):
        return set()
    if not in_scope(user, project):
        return set()
    return {
        action
        for action, (sources, _target) in TRANSITIONS.items()
        if user.role in ACTION_ROLES[action] and project.status in sources
    }


def _ensure_may(user, action: str, project: Project) -> None:
    if not may_act(user, action, project):
        if ACTION_ROLES[action] == REVIEWER_ROLES:
            raise PermissionDenied(
                _("Only an officer of the project's prefecture may review this project.")
            )
        raise PermissionDenied(_("You may not change the workflow of this project."))


def _lock_and_check(project: Project, action: str) -> str:
    """Lock the project row, reload it, and refuse a move the workflow does not allow.

    The lock serialises two posts of the same form: the second sees the new status.
    Returns the status the project moves to.
    """
    project.refresh_from_db(from_queryset=Project.objects.select_for_update())
    sources, target = TRANSITIONS[action]
    if project.status not in sources:
        raise ValidationError(
            _action_refusals()[action] % {"status": project.get_status_display()},
            code="invalid_transition",
        )
    return target


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please write the reason.")}, code="required")
    return reason


def record_event(
    project: Project, *, from_status: str, to_status: str, user, reason: str = ""
) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project, from_status=from_status, to_status=to_status, user=user, reason=reason
    )


def _move(project: Project, *, to_status: str, user, reason: str = "", fields=()) -> Project:
    from_status = project.status
    project.status = to_status
    project.save(update_fields=["status", "updated_at", *fields])
    record_event(project, from_status=from_status, to_status=to_status, user=user, reason=reason)
    return project


# --- figures ----------------------------------------------------------------------------

def project_total_cost(project: Project) -> Decimal:
    """The project's total cost: its equipment, the cash grant and the beneficiary's own
    contribution. The convention's `max_share` is a share of this figure."""
    equipment = sum((line.total for line in project.equipment_items.all()), ZERO)
    return equipment + (project.cash_grant_amount or ZERO) + (project.own_contribution or ZERO)


def committed_amount(convention: Convention) -> Decimal:
    return (
        Project.objects.filter(convention=convention, status__in=Project.COMMITTED_STATUSES)
        .aggregate(total=Sum("approved_amount"))["total"]
        or ZERO
    )


def previously_funded(project: Project) -> bool:
    """Whether the beneficiary already had a project funded, under any convention, any year."""
    beneficiary = project.beneficiary_id
    return (
        Project.objects.filter(Q(beneficiary=beneficiary) | Q(co_beneficiaries=beneficiary))
        .filter(status__in=Project.COMMITTED_STATUSES)
        .exclude(pk=project.pk)
        .exists()
    )


# --- the file -----------------------------------------------------------------------------

@transaction.atomic
def create_project(*, project: Project, user) -> Project:
    """Save a new project (draft) made by staff: number it and record who made it."""
    if not (user.is_authenticated and user.role in STAFF_ROLES):
        raise PermissionDenied(_("You may not create projects."))
    if not is_national(user) and not user.prefectures.filter(pk=project.prefecture_id).exists():
        raise PermissionDenied(_("You may not create projects in this prefecture."))
    project.reference = next_number("PRJ", timezone.localdate().year, 5)
    project.created_by = user
    project.status = Status.DRAFT
    project.save()
    record_event(project, from_status="", to_status=Status.DRAFT, user=user)
    return project


# --- the workflow -------------------------------------------------------------------------

@transaction.atomic
def submit_project(*, project: Project, user, justification: str = "") -> Project:
    _ensure_may(user, "submit", project)
    target = _lock_and_check(project, "submit")
    errors = []
    if not project.beneficiary.has_consent:
        errors.append(_("The beneficiary's consent to the processing of their data is not recorded."))
    if not project.equipment_items.exists():
        errors.append(_("The project has no equipment line."))
    if not project.feasibility_study:
        errors.append(_("The feasibility study is missing."))
    if project.expected_monthly_revenue is None:
        errors.append(_("The feasibility study's expected monthly revenue is missing."))
    if project.own_contribution is None:
        errors.append(_("The beneficiary's own contribution is missing."))
    justification = (justification or "").strip() or project.previous_funding_justification
    if previously_funded(project) and not justification.strip():
        errors.append(_(
            "This beneficiary already had a project funded: explain why a new funding is justified."
        ))
    if errors:
        raise ValidationError(errors)
    project.previous_funding_justification = justification.strip()
    project.submitted_at = timezone.now()
    _move(project, to_status=target, user=user, fields=["submitted_at", "previous_funding_justification"])
    send_on_commit(lambda: notifications.notify_project_submitted(project))
    return project


def _review(project: Project, officer, decision: str, reason: str) -> None:
    Review.objects.create(project=project, reviewer=officer, decision=decision, reason=reason)
    send_on_commit(lambda: notifications.notify_project_decided(project, decision, reason))


@transaction.atomic
def approve_project(
    *,
    project: Project,
    officer,
    convention: Convention,
    amount: Decimal,
    reason: str,
    committee_minutes_number: str,
    committee_decision_on: datetime.date,
) -> Project:
    _ensure_may(officer, "approve", project)
    target = _lock_and_check(project, "approve")
    reason = _require_reason(reason)
    if not (committee_minutes_number or "").strip():
        raise ValidationError(
            {"committee_minutes_number": _("Enter the number of the CPDH committee's minutes.")}
        )
    if committee_decision_on is None:
        raise ValidationError(
            {"committee_decision_on": _("Enter the date of the CPDH committee's decision.")}
        )
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The approved amount must be more than zero.")})
    if not Convention.objects.visible_to(officer).filter(pk=convention.pk).exists():
        raise ValidationError({"convention": _("This convention is not one of your prefecture.")})
    # The lock serialises approvals on one convention: the commitments summed below cannot
    # change until this transaction ends, so two officers never overspend the envelope.
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.prefecture_id != project.prefecture_id:
        raise ValidationError(
            {"convention": _("The convention must be one of the project's prefecture.")}
        )
    if convention.status != Convention.Status.ACTIVE:
        raise ValidationError({"convention": _("This convention is not active.")})

    remaining = convention.envelope - committed_amount(convention)
    if amount > remaining:
        raise ValidationError({"amount": _(
            "%(amount)s exceeds what remains of convention %(reference)s: %(remaining)s."
        ) % {
            "amount": format_money(amount), "reference": convention.reference,
            "remaining": format_money(remaining),
        }})
    if convention.max_per_project is not None and amount > convention.max_per_project:
        raise ValidationError({"amount": _(
            "%(amount)s exceeds the maximum of %(maximum)s per project under convention "
            "%(reference)s."
        ) % {
            "amount": format_money(amount), "maximum": format_money(convention.max_per_project),
            "reference": convention.reference,
        }})
    if convention.max_share is not None:
        total_cost = project_total_cost(project)
        ceiling = (total_cost * convention.max_share / 100).quantize(Decimal("0.01"))
        if amount > ceiling:
            raise ValidationError({"amount": _(
                "%(amount)s is more than %(share)s %% of the project's total cost of "
                "%(total)s (equipment, cash grant and own contribution): at most %(ceiling)s."
            ) % {
                "amount": format_money(amount), "share": format_amount(convention.max_share),
                "total": format_money(total_cost), "ceiling": format_money(ceiling),
            }})

    project.convention = convention
    project.approved_amount = amount
    project.committee_minutes_number = committee_minutes_number.strip()
    project.committee_decision_on = committee_decision_on
    _review(project, officer, Review.Decision.APPROVE, reason)
    _move(
        project, to_status=target, user=officer, reason=reason,
        fields=["convention", "approved_amount", "committee_minutes_number", "committee_decision_on"],
    )
    refresh_convention_figures(conventions=[convention.pk])  # under the lock taken above
    return project


@transaction.atomic
def reject_project(*, project: Project, officer, reason: str) -> Project:
    _ensure_may(officer, "reject", project)
    target = _lock_and_check(project, "reject")
    reason = _require_reason(reason)
    _review(project, officer, Review.Decision.REJECT, reason)
    return _move(project, to_status=target, user=officer, reason=reason)


@transaction.atomic
def return_project(*, project: Project, officer, reason: str) -> Project:
    """Send the file back to staff for correction; they edit it and submit it again."""
    _ensure_may(officer, "return", project)
    target = _lock_and_check(project, "return")
    reason = _require_reason(reason)
    _review(project, officer, Review.Decision.RETURN, reason)
    return _move(project, to_status=target, user=officer, reason=reason)


@transaction.atomic
def equip_project(*, project: Project, user) -> Project:
    """All the equipment is handed over (called by the ceremony when it is held)."""
    _ensure_may(user, "equip", project)
    target = _lock_and_check(project, "equip")
    lines = EquipmentItem.objects.select_for_update().filter(project=project)
    statuses = [line.status for line in lines]
    if not statuses or any(s not in EquipmentItem.DELIVERED_STATUSES for s in statuses):
        raise ValidationError(
            _("Every equipment line must be delivered before the project is equipped.")
        )
    # One save per line, so each line's history records the handover.
    for line in lines:
        if line.status != EquipmentItem.Status.HANDED_OVER:
            line.status = EquipmentItem.Status.HANDED_OVER
            line.save(update_fields=["status"])
    return _move(project, to_status=target, user=user)


@transaction.atomic
def launch_project(*, project: Project, user, launched_on: datetime.date) -> Project:
    from .procurement import schedule_follow_up_visits

    _ensure_may(user, "launch", project)
    target = _lock_and_check(project, "launch")
    if launched_on is None:
        raise ValidationError({"launched_on": _("Enter the launch date.")})
    if launched_on > timezone.localdate():
        raise ValidationError({"launched_on": _("The launch date cannot be in the future.")})
    project.launched_on = launched_on
    _move(project, to_status=target, user=user, fields=["launched_on"])
    schedule_follow_up_visits(project=project)
    refresh_outcome(project=project)
    return project


@transaction.atomic
def close_project(*, project: Project, user, reason: str) -> Project:
    _ensure_may(user, "close", project)
    target = _lock_and_check(project, "close")
    reason = _require_reason(reason)
    return _move(project, to_status=target, user=user, reason=reason)


@transaction.atomic
def abandon_project(*, project: Project, user, reason: str) -> Project:
    _ensure_may(user, "abandon", project)
    target = _lock_and_check(project, "abandon")
    reason = _require_reason(reason)
    return _move(project, to_status=target, user=user, reason=reason)



# --- convention figures -----------------------------------------------------------------

@transaction.atomic
def refresh_convention_figures(*, conventions: Iterable) -> None:
    """Recompute the stored `ConventionFigures` (committed, disbursed) of `conventions`
    (keys or instances; None is skipped) from their projects, payments and invoiced lines,
    as `with_budget_figures()` computes them.

    Called, in their transaction and after their own writes, by every door that changes
    what those figures sum: `approve_project`; `procurement.record_disbursement` and
    `record_invoice`; in the admin, saving (history revert included) or deleting a
    project (with its equipment lines inline), an equipment line, a payment or a purchase
    order (`grants.admin.ConventionFiguresAdminMixin`); the bench seed after its bulk
    inserts. The other moves do not change what they sum: a project's convention and
    amount are set at approval only, and every later state still counts as committed;
    staff change a line's quantity and price only while its project is a draft or
    returned (before any order); an order only moves forward to invoiced, where it stays.

    The conventions' rows are locked first, in key order (the lock `approve_project`
    takes), then the sums run in a new statement, which under READ COMMITTED reads every
    write committed before the lock was granted: of two transactions changing one
    convention's figures, the second to lock recomputes with the first's rows too.
    """
    ids = sorted({getattr(convention, "pk", convention) for convention in conventions} - {None})
    if not ids:
        return
    locked = Convention.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    list(locked.values_list("pk", flat=True))
    ConventionFigures.objects.filter(convention__in=ids).delete()
    figures = (
        Convention.objects.filter(pk__in=ids).order_by().with_budget_figures()
        .values("pk", "committed", "disbursed")
    )
    _insert_from_select(ConventionFigures, ["convention", "committed", "disbursed"], figures)


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


def _insert_from_select(model, fields: list[str], queryset: QuerySet) -> None:
    """INSERT INTO model (fields) SELECT …: rows go from query to table without Python.

    The SELECT is compiled by Django for the database in use; `fields` name the model's
    fields in the order of the query's columns.
    """
    sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {sql}", params)
