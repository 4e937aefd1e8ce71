"""The project workflow: every change of `Project.status` is one function here.

Each function is keyword-only and atomic, checks who may act (role, then scope), locks
the project row and checks the move against `TRANSITIONS` (so a form posted twice is
refused the second time), applies the rules, then writes a `ProjectEvent` through
`record_event`. Views, the admin, ceremonies, the demo seed and tests call the same
functions; nothing else sets `Project.status`.

The money rules live here too (the figures are defined once, in `grants.models`: "the
ledger"): the approved amount is the ceiling of what a project engages and pays, and a
convention commits at most its envelope. Every door that engages or spends money (the
approval and its amendments here; orders, invoices and payments in `procurement.services`;
the admin's corrections in `grants.admin`) takes its row locks in one order — the
projects by key, then their conventions by key (`lock_ledger`), then a purchase order,
then equipment lines — so two doors never wait for each other in a cycle, and checks
the rule on figures summed after the locks were granted.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import services as file_services
from beneficiaries.models import Beneficiary
from reintegration.accounts.roles import Role
from reintegration.accounts.scope import is_national
from reintegration.common.dates import format_date
from reintegration.common.mail import send_on_commit
from reintegration.common.money import format_amount, format_money
from reintegration.sequences.models import next_number

from . import notifications
from .models import (
    ZERO,
    Amendment,
    CommitteeDecision,
    CommitteeSession,
    Convention,
    ConventionFigures,
    DasOpinion,
    EquipmentItem,
    Project,
    ProjectEvent,
    Review,
    purchase_orders,
)

if TYPE_CHECKING:  # procurement sits above grants: never imported at run time
    from procurement.models import PurchaseOrder

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

# What the apps above grants do when a project is launched, in the launch's transaction
# (the follow-up schedules its visits): each appends a function taking `project=` from
# its AppConfig.ready, so that grants never imports them.
launch_hooks: list = []
# What they do when a project's launch date is set or may have changed (a launch, a
# history revert in the admin): the follow-up refreshes the project's outcome.
launch_date_hooks: list = []


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


# --- the beneficiary's pathway -------------------------------------------------------------

# A project in one of these states keeps its beneficiary in the programme.
RUNNING_STATUSES = frozenset({Status.APPROVED, Status.EQUIPPED, Status.ACTIVE})


def pathway_status(beneficiary: Beneficiary) -> Beneficiary.Status | None:
    """The status of the file its running projects imply: followed up while one of them is
    launched, in the programme while one is approved or equipped; None when none runs
    (the file is then registered, eligible, ineligible or closed by its own moves)."""
    statuses = set(
        Project.objects.filter(beneficiary=beneficiary, status__in=RUNNING_STATUSES)
        .values_list("status", flat=True)
    )
    if Status.ACTIVE in statuses:
        return Beneficiary.Status.FOLLOWED_UP
    if statuses:
        return Beneficiary.Status.IN_PROGRAMME
    return None


def follow_pathway(*, project: Project, user, reason: str) -> None:
    """Move the beneficiary's file where its projects now put it, by the one function of
    that move (beneficiaries.services): after an approval, a launch, a closure or an
    abandonment of `project`. When no project of theirs runs any longer, the programme
    ends for them (their file is closed)."""
    beneficiary = Beneficiary.objects.get(pk=project.beneficiary_id)
    target = pathway_status(beneficiary)
    if target is None:
        if beneficiary.status not in file_services.END_OF_PROGRAMME_FROM:
            return
        target = Beneficiary.Status.CLOSED
    if beneficiary.status == target:
        return
    file_services.PROJECT_MOVES[target](beneficiary=beneficiary, user=user, reason=reason)
    project.beneficiary.refresh_from_db(fields=["status", "closed_at"])


def _pathway_reason(message: str, project: Project, reason: str = "") -> str:
    text = message % {"reference": project.reference}
    return f"{text} {reason.strip()}".strip()


# --- the ledger: locks, figures and the rules of money -----------------------------------

def lock_ledger(*, projects: Iterable = (), conventions: Iterable = ()) -> set[int]:
    """Lock the rows whose figures a door is about to change or check, in the one order
    every door takes them: `projects` (keys or instances) by key, then their conventions
    and `conventions` by key. Returns the keys of the conventions locked.

    A sum made after this, in a new statement, sees every write committed before the
    locks were granted (READ COMMITTED), and no other door can change these figures
    before the transaction ends.
    """
    project_ids = sorted({getattr(project, "pk", project) for project in projects} - {None})
    convention_ids = {getattr(convention, "pk", convention) for convention in conventions} - {None}
    if project_ids:
        locked = Project.objects.select_for_update().filter(pk__in=project_ids).order_by("pk")
        convention_ids |= {pk for _project, pk in locked.values_list("pk", "convention_id")} - {None}
    if convention_ids:
        list(
            Convention.objects.select_for_update().filter(pk__in=convention_ids)
            .order_by("pk").values_list("pk", flat=True)
        )
    return convention_ids


@dataclass(frozen=True)
class ProjectMoney:
    """A project's figures of the ledger (grants.models), read from its rows."""

    equipment: Decimal  # all its lines, ordered or not
    cash_grant: Decimal  # planned
    own_contribution: Decimal
    approved: Decimal  # zero before approval
    engaged: Decimal
    paid: Decimal
    invoiced: Decimal

    @property
    def requested(self) -> Decimal:
        return self.equipment + self.cash_grant

    @property
    def total_cost(self) -> Decimal:
        return self.requested + self.own_contribution

    @property
    def spent(self) -> Decimal:
        return self.engaged + self.paid

    @property
    def available(self) -> Decimal:
        return self.approved - self.spent

    def share_of_cost(self, amount: Decimal) -> Decimal | None:
        """`amount` as a percentage of the total cost (None for a project of no cost)."""
        if not self.total_cost:
            return None
        return (amount * 100 / self.total_cost).quantize(Decimal("0.1"))

    @classmethod
    def of_rows(cls, project: Project, lines: Iterable[EquipmentItem],
                payments: Iterable) -> ProjectMoney:
        """The same figures from rows a page has already loaded: all of `project`'s lines
        and its payments (the ledger's definitions, applied to each row)."""
        lines = list(lines)
        return cls(
            equipment=sum((line.total for line in lines), ZERO),
            cash_grant=project.cash_grant_amount or ZERO,
            own_contribution=project.own_contribution or ZERO,
            approved=project.approved_amount or ZERO,
            engaged=sum((line.cost for line in lines if line.purchase_order_id), ZERO),
            paid=sum((payment.amount for payment in payments), ZERO),
            invoiced=sum((line.invoiced_amount for line in lines if line.invoiced_amount is not None), ZERO),
        )


def project_money(project: Project) -> ProjectMoney:
    """`project`'s figures summed from its rows now, in one query (after `lock_ledger`
    inside a door: they cannot change before its transaction ends)."""
    row = Project.objects.with_spending().values(
        "equipment_total", "cash_grant_amount", "own_contribution", "approved_amount",
        "engaged", "paid", "invoiced",
    ).get(pk=project.pk)
    return ProjectMoney(
        equipment=row["equipment_total"], cash_grant=row["cash_grant_amount"],
        own_contribution=row["own_contribution"], approved=row["approved_amount"] or ZERO,
        engaged=row["engaged"], paid=row["paid"], invoiced=row["invoiced"],
    )


def ensure_within_approved(project: Project, *, adding: Decimal, spent_after: Decimal,
                           approved: Decimal, message: str, field: str | None = None) -> None:
    """Refuse a step that would bring `project` above its approved amount. `message` names
    the step's figures with %(amount)s (what it adds), %(project)s, %(spent)s (engaged and
    paid after it) and %(approved)s."""
    if spent_after <= approved:
        return
    text = message % {
        "amount": format_money(adding), "project": project.reference,
        "spent": format_money(spent_after), "approved": format_money(approved),
    }
    text += " " + _("Request an amendment of its approved amount first.")
    error = ValidationError(text, code="above_approved")
    raise ValidationError({field: [error]}) if field else error


def committed_amount(convention: Convention) -> Decimal:
    return (
        Project.objects.filter(convention=convention, status__in=Project.COMMITTED_STATUSES)
        .aggregate(total=Sum("approved_amount"))["total"]
        or ZERO
    )


def check_funding_rules(*, project: Project, convention: Convention, amount: Decimal,
                        already_committed: Decimal = ZERO, total_cost: Decimal) -> None:
    """The convention's rules for committing `amount` to `project` (a first approval, or
    an amendment that replaces `already_committed`): what remains of the envelope, the
    maximum per project and the maximum share of the project's total cost. Called under
    the convention's lock."""
    remaining = convention.envelope - committed_amount(convention) + already_committed
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
        ceiling = (total_cost * convention.max_share / 100).quantize(Decimal("0.01"))
        if amount > ceiling:
            raise ValidationError({"amount": _(
                "%(amount)s is more than %(share)s %% of the project's total cost of "
                "%(total)s (equipment, cash grant and own contribution): at most %(ceiling)s."
            ) % {
                "amount": format_money(amount), "share": format_amount(convention.max_share),
                "total": format_money(total_cost), "ceiling": format_money(ceiling),
            }})


def check_envelope(*, convention: Convention, envelope: Decimal) -> None:
    """An envelope is never set below what its convention has committed: checked under the
    convention's lock (the one approvals take), in the caller's transaction."""
    lock_ledger(conventions=[convention])
    committed = committed_amount(convention)
    if envelope is not None and envelope < committed:
        raise ValidationError({"envelope": _(
            "%(committed)s is already committed: the envelope cannot be smaller."
        ) % {"committed": format_money(committed)}}, code="below_committed")


def fundable_amount(*, project: Project, convention: Convention) -> Decimal:
    """The most `convention` may commit to `project` now (the review page shows it): its
    requested amount, within the remaining envelope (`convention` annotated with
    `remaining`), the maximum per project and the maximum share of its total cost."""
    ceilings = [project.requested_amount, max(convention.remaining, ZERO)]
    if convention.max_per_project is not None:
        ceilings.append(convention.max_per_project)
    if convention.max_share is not None:
        ceilings.append((project.total_cost * convention.max_share / 100).quantize(Decimal("0.01")))
    return min(ceilings)


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
    try:
        file_services.ensure_file_eligible(project.beneficiary)
    except ValidationError as error:
        errors.extend(error.messages)
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
    file_services.ensure_file_eligible(Beneficiary.objects.get(pk=project.beneficiary_id))
    if not Convention.objects.visible_to(officer).filter(pk=convention.pk).exists():
        raise ValidationError({"convention": _("This convention is not one of your prefecture.")})
    requested = project.requested_amount
    if amount > requested:
        raise ValidationError({"amount": _(
            "%(amount)s is more than the project requests: %(requested)s (equipment %(equipment)s "
            "and cash grant %(cash_grant)s)."
        ) % {
            "amount": format_money(amount), "requested": format_money(requested),
            "equipment": format_money(project.equipment_value),
            "cash_grant": format_money(project.cash_grant_amount),
        }})
    # The lock serialises approvals on one convention: the commitments summed below cannot
    # change until this transaction ends, so two officers never overspend the envelope.
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.prefecture_id != project.prefecture_id:
        raise ValidationError(
            {"convention": _("The convention must be one of the project's prefecture.")}
        )
    if convention.status != Convention.Status.ACTIVE:
        raise ValidationError({"convention": _("This convention is not active.")})

    check_funding_rules(
        project=project, convention=convention, amount=amount, total_cost=project.total_cost
    )

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
    follow_pathway(project=project, user=officer,
                   reason=_pathway_reason(_("Project %(reference)s approved."), project, reason))
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
def equip_project(*, project: Project, user, handed_over_on: datetime.date | None = None) -> Project:
    """All the equipment is handed over (called by the ceremony when it is held, with its
    date): `handed_over_on`, today by default, is the project's `equipped_on`, the earliest
    day its activity may be launched."""
    _ensure_may(user, "equip", project)
    target = _lock_and_check(project, "equip")
    handed_over_on = handed_over_on or timezone.localdate()
    if handed_over_on > timezone.localdate():
        raise ValidationError(_("The equipment cannot be handed over on a future date."))
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
    project.equipped_on = handed_over_on
    return _move(project, to_status=target, user=user, fields=["equipped_on"])


@transaction.atomic
def launch_project(*, project: Project, user, launched_on: datetime.date) -> Project:
    _ensure_may(user, "launch", project)
    target = _lock_and_check(project, "launch")
    if launched_on is None:
        raise ValidationError({"launched_on": _("Enter the launch date.")})
    if launched_on > timezone.localdate():
        raise ValidationError({"launched_on": _("The launch date cannot be in the future.")})
    if project.equipped_on is not None and launched_on < project.equipped_on:
        raise ValidationError({"launched_on": _(
            "The activity cannot be launched before its equipment was handed over (%(date)s)."
        ) % {"date": format_date(project.equipped_on)}})
    project.launched_on = launched_on
    _move(project, to_status=target, user=user, fields=["launched_on"])
    for react in launch_hooks + launch_date_hooks:
        react(project=project)
    follow_pathway(project=project, user=user,
                   reason=_pathway_reason(_("Activity of project %(reference)s launched."), project))
    return project


@transaction.atomic
def close_project(*, project: Project, user, reason: str) -> Project:
    _ensure_may(user, "close", project)
    target = _lock_and_check(project, "close")
    reason = _require_reason(reason)
    _move(project, to_status=target, user=user, reason=reason)
    follow_pathway(project=project, user=user,
                   reason=_pathway_reason(_("Project %(reference)s closed."), project, reason))
    return project


@transaction.atomic
def abandon_project(*, project: Project, user, reason: str) -> Project:
    _ensure_may(user, "abandon", project)
    target = _lock_and_check(project, "abandon")
    reason = _require_reason(reason)
    _move(project, to_status=target, user=user, reason=reason)
    follow_pathway(project=project, user=user,
                   reason=_pathway_reason(_("Project %(reference)s abandoned."), project, reason))
    return project



# --- the DAS opinion and the CPDH committee's session -------------------------------------

def may_give_das_opinion(user, project: Project) -> bool:
    return project.status == Status.SUBMITTED and may_act(user, "approve", project)


@transaction.atomic
def record_das_opinion(*, project: Project, officer, opinion: str, reason: str) -> DasOpinion:
    """The DAS's opinion on a submitted file, with its reason: favourable, the file waits
    for the committee's next session; unfavourable, it is rejected (`reject_project`);
    a return for correction sends it back to staff (`return_project`). One opinion per
    submission: a file corrected and submitted again gets a new one."""
    _ensure_may(officer, "approve", project)
    # The lock serialises two posts of the form: the second sees the opinion of the first.
    project.refresh_from_db(from_queryset=Project.objects.select_for_update())
    if project.status != Status.SUBMITTED:
        raise ValidationError(_(
            "This project is “%(status)s”: the DAS gives its opinion on submitted files only."
        ) % {"status": project.get_status_display()}, code="invalid_transition")
    reason = _require_reason(reason)
    if opinion not in DasOpinion.Opinion.values:
        raise ValidationError({"opinion": _("Choose the DAS opinion.")})
    if DasOpinion.objects.filter(project=project, at__gte=project.submitted_at).exists():
        raise ValidationError(
            _("The DAS has already given its opinion on this file: it waits for the committee."),
            code="invalid_transition",
        )
    recorded = DasOpinion.objects.create(project=project, officer=officer, opinion=opinion, reason=reason)
    if opinion == DasOpinion.Opinion.UNFAVOURABLE:
        reject_project(project=project, officer=officer, reason=reason)
    elif opinion == DasOpinion.Opinion.RETURN:
        return_project(project=project, officer=officer, reason=reason)
    return recorded


@dataclass(frozen=True)
class SessionDecision:
    """One file decided by a committee session: approved with `amount` on `convention`, or
    refused; `reason` goes to the file's history."""

    project: Project
    decision: str
    reason: str
    convention: Convention | None = None
    amount: Decimal | None = None


@transaction.atomic
def record_committee_session(
    *, officer, prefecture, held_on: datetime.date, minutes_number: str, members: str,
    decisions: list[SessionDecision],
) -> CommitteeSession:
    """A session of the CPDH committee deciding many files at once, all or nothing.

    Each approval goes through `approve_project` (the convention's lock, the envelope and
    every funding rule) with the session's minutes number and date; each refusal through
    `reject_project`. If one file cannot be decided, nothing of the session is kept, and
    the error names that file and why.
    """
    if not (officer.is_authenticated and officer.role in REVIEWER_ROLES):
        raise PermissionDenied(_("Only an officer of the prefecture may record its committee's sessions."))
    if not (is_national(officer) or officer.prefectures.filter(pk=prefecture.pk).exists()):
        raise PermissionDenied(_("Only an officer of the prefecture may record its committee's sessions."))
    errors = {}
    minutes_number = (minutes_number or "").strip()
    if not minutes_number:
        errors["minutes_number"] = _("Enter the number of the session's minutes.")
    elif CommitteeSession.objects.filter(prefecture=prefecture, minutes_number=minutes_number).exists():
        errors["minutes_number"] = _("A session of this prefecture already has these minutes.")
    if held_on is None:
        errors["held_on"] = _("Enter the date of the session.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("The session's date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    if not decisions:
        raise ValidationError(_("Choose at least one file decided in this session."), code="no_file")
    # The projects, then their conventions, in the ledger's order: two sessions (or a
    # session and an approval) never wait for each other in a cycle.
    lock_ledger(projects=[d.project for d in decisions],
                conventions=[d.convention for d in decisions if d.convention is not None])
    session = CommitteeSession.objects.create(
        prefecture=prefecture, held_on=held_on, minutes_number=minutes_number,
        members=(members or "").strip(), recorded_by=officer,
    )
    for item in sorted(decisions, key=lambda d: d.project.pk):
        project = item.project
        try:
            if project.prefecture_id != prefecture.pk:
                raise ValidationError(_("it is not a file of this prefecture."))
            if not Project.objects.awaiting_committee().filter(pk=project.pk).exists():
                raise ValidationError(_("it is not waiting for a committee decision (a favourable "
                                        "DAS opinion on its submission)."))
            if item.decision == CommitteeDecision.Decision.APPROVE:
                if item.convention is None:
                    raise ValidationError(_("choose the convention that funds it."))
                approve_project(
                    project=project, officer=officer, convention=item.convention, amount=item.amount,
                    reason=item.reason, committee_minutes_number=minutes_number,
                    committee_decision_on=held_on,
                )
            elif item.decision == CommitteeDecision.Decision.REFUSE:
                reject_project(project=project, officer=officer, reason=item.reason)
            else:
                raise ValidationError(_("choose the committee's decision."))
        except ValidationError as error:
            raise ValidationError(
                _("File %(reference)s: %(errors)s Nothing of this session was recorded.") % {
                    "reference": project.reference, "errors": " ".join(error.messages)},
                code="session_refused",
            ) from None
        CommitteeDecision.objects.create(
            session=session, project=project, decision=item.decision,
            convention=item.convention if item.decision == CommitteeDecision.Decision.APPROVE else None,
            amount=item.amount if item.decision == CommitteeDecision.Decision.APPROVE else None,
            reason=item.reason,
        )
    return session


# --- amendments -------------------------------------------------------------------------

# A project's approved amount may move while its money still moves; once it is closed or
# abandoned, only downwards (what it will not spend goes back to the envelope).
AMENDABLE_STATUSES = frozenset({Status.APPROVED, Status.EQUIPPED, Status.ACTIVE})
REDUCIBLE_STATUSES = frozenset({Status.CLOSED, Status.ABANDONED})


def may_request_amendment(user, project: Project) -> bool:
    return (
        project.status in AMENDABLE_STATUSES | REDUCIBLE_STATUSES
        and may_act(user, "submit", project)
    )


def may_decide_amendment(user, amendment: Amendment) -> bool:
    return amendment.is_pending and may_act(user, "approve", amendment.project)


def _lock_amendment(amendment: Amendment) -> Amendment:
    """Lock the project and its convention (the ledger's order), then the amendment."""
    lock_ledger(projects=[amendment.project_id])
    return Amendment.objects.select_for_update(of=("self",)).select_related(
        "project", "project__convention"
    ).get(pk=amendment.pk)


@transaction.atomic
def request_amendment(*, project: Project, user, amount: Decimal, reason: str,
                      cash_grant: Decimal | None = None) -> Amendment:
    """Staff ask for a new approved amount of `project` (and, if given, a new cash grant),
    with a reason; an officer of its prefecture decides."""
    if not may_act(user, "submit", project):
        raise PermissionDenied(_("You may not request an amendment of this project."))
    lock_ledger(projects=[project])
    project.refresh_from_db()
    reason = _require_reason(reason)
    if project.status not in AMENDABLE_STATUSES | REDUCIBLE_STATUSES:
        raise ValidationError(_(
            "This project is “%(status)s”: its approved amount cannot be amended."
        ) % {"status": project.get_status_display()}, code="invalid_transition")
    if project.amendments.filter(status=Amendment.Status.REQUESTED).exists():
        raise ValidationError(_(
            "An amendment of this project is already waiting for the officer's decision."
        ), code="pending")
    money = project_money(project)
    errors = {}
    if amount is None or amount <= 0:
        errors["amount"] = _("The approved amount must be more than zero.")
    elif project.status in REDUCIBLE_STATUSES and amount > money.approved:
        errors["amount"] = _(
            "This project is “%(status)s”: its approved amount can only be lowered (now %(approved)s)."
        ) % {"status": project.get_status_display(), "approved": format_money(money.approved)}
    elif amount < money.spent:
        errors["amount"] = _(
            "%(amount)s is less than what the project has already engaged and paid: %(spent)s."
        ) % {"amount": format_money(amount), "spent": format_money(money.spent)}
    if cash_grant is not None:
        if cash_grant < 0:
            errors["cash_grant"] = _("The amount cannot be negative.")
        elif cash_grant < money.paid:
            errors["cash_grant"] = _(
                "%(amount)s is less than the cash grant already paid: %(paid)s."
            ) % {"amount": format_money(cash_grant), "paid": format_money(money.paid)}
        elif cash_grant == money.cash_grant:
            cash_grant = None
    if not errors and amount == money.approved and cash_grant is None:
        errors["amount"] = _("This is the approved amount already: nothing to amend.")
    if errors:
        raise ValidationError(errors)
    amendment = Amendment.objects.create(
        project=project, previous_amount=money.approved, requested_amount=amount,
        previous_cash_grant=money.cash_grant, cash_grant_amount=cash_grant, reason=reason,
        requested_by=user,
    )
    send_on_commit(lambda: notifications.notify_amendment_requested(amendment))
    return amendment


@transaction.atomic
def withdraw_amendment(*, amendment: Amendment, user) -> Amendment:
    """Staff take back a request not yet decided."""
    if not may_act(user, "submit", amendment.project):
        raise PermissionDenied(_("You may not withdraw this amendment."))
    amendment = _lock_amendment(amendment)
    _ensure_pending(amendment)
    amendment.status = Amendment.Status.WITHDRAWN
    amendment.decided_by = user
    amendment.decided_at = timezone.now()
    amendment.save(update_fields=["status", "decided_by", "decided_at"])
    return amendment


def _ensure_pending(amendment: Amendment) -> None:
    if not amendment.is_pending:
        raise ValidationError(_("This amendment is “%(status)s”: it has been dealt with.") % {
            "status": amendment.get_status_display()}, code="invalid_transition")


@transaction.atomic
def approve_amendment(*, amendment: Amendment, officer, amount: Decimal, reason: str) -> Amendment:
    """An officer of the project's prefecture grants the amendment (`amount`, at most what
    was asked) under the same rules as the first approval, the convention locked: what
    remains of the envelope once the project's current commitment is given back, the
    maximum per project and the maximum share of its total cost; never below what the
    project has already engaged and paid."""
    if not may_act(officer, "approve", amendment.project):
        raise PermissionDenied(_("Only an officer of the project's prefecture may decide this amendment."))
    amendment = _lock_amendment(amendment)
    _ensure_pending(amendment)
    reason = _require_reason(reason)
    project = amendment.project
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The approved amount must be more than zero.")})
    if amount > amendment.requested_amount:
        raise ValidationError({"amount": _(
            "%(amount)s is more than the amendment asks: %(requested)s."
        ) % {"amount": format_money(amount), "requested": format_money(amendment.requested_amount)}})
    if project.status not in AMENDABLE_STATUSES | REDUCIBLE_STATUSES:
        # An admin's correction may have taken the project back before its approval.
        raise ValidationError(_(
            "This project is “%(status)s”: its approved amount cannot be amended."
        ) % {"status": project.get_status_display()}, code="invalid_transition")
    convention = project.convention
    if project.status in REDUCIBLE_STATUSES and amount > project.approved_amount:
        raise ValidationError({"amount": _(
            "This project is “%(status)s”: its approved amount can only be lowered (now %(approved)s)."
        ) % {"status": project.get_status_display(), "approved": format_money(project.approved_amount)}})
    if convention.status != Convention.Status.ACTIVE and amount > project.approved_amount:
        raise ValidationError({"amount": _(
            "Convention %(reference)s is not active: an approved amount can only be lowered."
        ) % {"reference": convention.reference}})
    money = project_money(project)
    if amount < money.spent:
        raise ValidationError({"amount": _(
            "%(amount)s is less than what the project has already engaged and paid: %(spent)s."
        ) % {"amount": format_money(amount), "spent": format_money(money.spent)}})
    cash_grant = money.cash_grant if amendment.cash_grant_amount is None else amendment.cash_grant_amount
    if cash_grant < money.paid:
        raise ValidationError(_(
            "The cash grant asked (%(amount)s) is less than what is already paid: %(paid)s."
        ) % {"amount": format_money(cash_grant), "paid": format_money(money.paid)})
    if amount > money.approved or cash_grant != money.cash_grant:
        # A lower amount only gives back to the envelope: the rules bind what is added.
        check_funding_rules(
            project=project, convention=convention, amount=amount, already_committed=money.approved,
            total_cost=money.total_cost - money.cash_grant + cash_grant,
        )
    amendment.status = Amendment.Status.APPROVED
    amendment.decided_amount = amount
    amendment.decided_by = officer
    amendment.decided_at = timezone.now()
    amendment.decision_reason = reason
    amendment.save(update_fields=["status", "decided_amount", "decided_by", "decided_at", "decision_reason"])
    project.approved_amount = amount
    project.cash_grant_amount = cash_grant
    project.save(update_fields=["approved_amount", "cash_grant_amount", "updated_at"])
    refresh_convention_figures(conventions=[convention.pk])  # under the lock taken above
    send_on_commit(lambda: notifications.notify_amendment_decided(amendment))
    return amendment


@transaction.atomic
def refuse_amendment(*, amendment: Amendment, officer, reason: str) -> Amendment:
    if not may_act(officer, "approve", amendment.project):
        raise PermissionDenied(_("Only an officer of the project's prefecture may decide this amendment."))
    amendment = _lock_amendment(amendment)
    _ensure_pending(amendment)
    amendment.decision_reason = _require_reason(reason)
    amendment.status = Amendment.Status.REFUSED
    amendment.decided_by = officer
    amendment.decided_at = timezone.now()
    amendment.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    send_on_commit(lambda: notifications.notify_amendment_decided(amendment))
    return amendment


@transaction.atomic
def change_planned_equipment(*, project: Project, user, formset) -> Project:
    """Staff add equipment lines to an approved project, or correct those not yet on an
    order (an extra machine, a supplier's new price), through `formset` (validated, of
    `grants.forms.EquipmentFormSet`). Nothing is engaged until ordered, and the orders stay
    within the approved amount: what the lines add beyond it waits for an amendment."""
    if not may_act(user, "submit", project):
        raise PermissionDenied(_("You may not change the equipment of this project."))
    lock_ledger(projects=[project])  # orders take lines after this lock: none meanwhile
    project.refresh_from_db()
    if project.status != Status.APPROVED:
        raise ValidationError(_(
            "This project is “%(status)s”: its equipment lines can no longer change."
        ) % {"status": project.get_status_display()}, code="invalid_transition")
    touched = [form.instance.pk for form in formset.forms if form.instance.pk and form.has_changed()]
    ordered = EquipmentItem.objects.filter(pk__in=touched, purchase_order__isnull=False)
    if ordered.exists():
        raise ValidationError(_("The line “%(line)s” is on a purchase order: it cannot be changed.") % {
            "line": ordered.first().designation})
    formset.save()
    return project


# --- invoices ---------------------------------------------------------------------------

def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`amount` shared in proportion to `weights`, to the centime, the shares adding up
    to `amount` exactly (the centimes left by rounding down go to the largest remainders,
    the first line on a tie). Equal shares when every weight is zero."""
    if not weights:
        return []
    cents = int((amount * 100).to_integral_value())
    if not any(weights):
        weights = [Decimal(1)] * len(weights)
    whole = sum(weights)
    exact = [Decimal(cents) * weight / whole for weight in weights]
    shares = [int(value.to_integral_value(rounding=ROUND_DOWN)) for value in exact]
    left = cents - sum(shares)
    for index in sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))[:left]:
        shares[index] += 1
    return [Decimal(share).scaleb(-2) for share in shares]


def invoice_shares(order: PurchaseOrder, amount: Decimal, lines: list[EquipmentItem]) -> dict[int, Decimal]:
    """Each line's share of an invoice of `amount` on `order`: in proportion to the line's
    quantity × unit price."""
    shares = allocate(amount, [line.total for line in lines])
    return {line.pk: share for line, share in zip(lines, shares, strict=True)}


def amendment_covers(project: Project, order: PurchaseOrder) -> bool:
    """Whether an amendment of `project` was approved since `order` was made: what lets its
    invoice be above the order's total (the higher price was decided by an officer)."""
    return project.amendments.filter(
        status=Amendment.Status.APPROVED, decided_at__gte=order.created_at
    ).exists()


def check_invoice(*, order: PurchaseOrder, amount: Decimal, lines: list[EquipmentItem]) -> dict[int, Decimal]:
    """The rules of an invoice of `amount` on `order` (its `lines` locked, their projects
    and conventions too): at most the order's total, unless each project whose share of
    it grows had an amendment approved since the order; and no project above its approved
    amount. Returns each line's share."""
    shares = invoice_shares(order, amount, lines)
    by_project: dict[int, list[EquipmentItem]] = {}
    for line in lines:
        by_project.setdefault(line.project_id, []).append(line)
    projects = Project.objects.in_bulk(by_project)
    total = sum((line.total for line in lines), ZERO)
    for project_id, project_lines in sorted(by_project.items()):
        project = projects[project_id]
        before = sum((line.cost for line in project_lines), ZERO)
        after = sum((shares[line.pk] for line in project_lines), ZERO)
        ordered = sum((line.total for line in project_lines), ZERO)
        if after > ordered and not amendment_covers(project, order):
            raise ValidationError({"invoice_amount": ValidationError(_(
                "This invoice of %(amount)s is above the order's total of %(total)s: project "
                "%(project)s would pay %(share)s for lines ordered at %(ordered)s. A higher price is "
                "accepted only through an amendment of the project's approved amount, decided "
                "after the order: request it, then record the invoice."
            ) % {
                "amount": format_money(amount), "total": format_money(total),
                "project": project.reference, "share": format_money(after),
                "ordered": format_money(ordered),
            }, code="above_order")})
        money = project_money(project)
        ensure_within_approved(
            project, adding=after, spent_after=money.spent - before + after, approved=money.approved,
            field="invoice_amount", message=_(
                "This invoice (%(amount)s of it for project %(project)s) would bring the project "
                "to %(spent)s engaged and paid, above its approved amount of %(approved)s."
            ),
        )
    return shares


def allocate_invoice(order: PurchaseOrder) -> None:
    """Write each line's share of `order`'s invoice (none when it is not invoiced): after
    `record_invoice`, and after an admin's correction of the order or its lines. Lines
    whose share does not change are not saved (no history row)."""
    lines = list(EquipmentItem.objects.filter(purchase_order=order.pk).order_by("pk"))
    if order.status == purchase_orders().Status.INVOICED and order.invoice_amount is not None:
        shares = invoice_shares(order, order.invoice_amount, lines)
    else:
        shares = {}
    for line in lines:
        share = shares.get(line.pk)
        if line.invoiced_amount != share:
            line.invoiced_amount = share
            line.save(update_fields=["invoiced_amount"])

# --- convention figures -----------------------------------------------------------------

@transaction.atomic
def refresh_convention_figures(*, conventions: Iterable) -> None:
    """Recompute the stored `ConventionFigures` (committed, disbursed) of `conventions`
    (keys or instances; None is skipped) from their projects, payments and invoiced lines,
    as `with_budget_figures()` computes them.

    Called, in their transaction and after their own writes, by every door that changes
    what those figures sum: `approve_project` and `approve_amendment`;
    `procurement.services.record_disbursement` and `record_invoice`; in the admin, saving (history
    revert included) or deleting a project (with its equipment lines inline), an
    equipment line, a payment, a purchase order or a convention
    (`grants.admin.LedgerAdminMixin`); the bench seed after its bulk inserts. The other
    moves do not change what they sum: a project's convention is set at approval only,
    its amount then only by an amendment, and every later state still counts as
    committed; staff change a line's quantity and price only while its project is a draft
    or returned (before any order); an order only moves forward to invoiced, where it
    stays. (What orders engage is not stored: the doors sum it under their locks.)

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
