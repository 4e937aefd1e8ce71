"""Every change of a grievance, a referral or a file transfer: one function per move.

Keyword-only, atomic, the guard first (role, then the file's scope), then the rule
checks with translated messages, then the writes. Views, the admin's actions, the demo
and tests call these; nothing else sets `status` or `outcome`.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary
from beneficiaries.selectors import beneficiary_with_same_cin
from grants.models import Project
from reintegration.accounts.models import User
from reintegration.accounts.roles import Role
from reintegration.accounts.scope import is_national
from reintegration.audit.models import AccessLog, log_access
from reintegration.common.validators import normalise_cin
from reintegration.sequences.models import next_number
from reintegration.territories.models import Prefecture

from .models import FileTransfer, Grievance, Referral


def ensure_may(user: User, permission: str, beneficiary: Beneficiary) -> None:
    """The role first, then the file: a file out of the user's scope is refused as if
    it did not exist (the views have answered 404 before)."""
    if not user.has_perm(permission):
        raise PermissionDenied(_("Your role does not allow this."))
    if not Beneficiary.objects.visible_to(user).filter(pk=beneficiary.pk).exists():
        raise PermissionDenied(_("This file is outside your prefectures."))


# --- grievances -----------------------------------------------------------------------

def possible_owners(beneficiary: Beneficiary):
    """Who may take charge of a ticket: the foundation's staff of the file's prefecture,
    and the administrators."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__name=Role.ADMIN)
            | Q(groups__name=Role.FOUNDATION_STAFF, prefectures=beneficiary.prefecture_id)
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _ensure_owner(owner: User | None, beneficiary: Beneficiary) -> None:
    if owner is not None and not possible_owners(beneficiary).filter(pk=owner.pk).exists():
        raise ValidationError(
            {"owner": _("The owner must be a staff member of the file's prefecture.")},
            code="owner_out_of_scope",
        )


@transaction.atomic
def raise_grievance(
    *, beneficiary: Beneficiary, user: User | None, category: str, description: str,
    channel: str = Grievance.Channel.STAFF, project: Project | None = None,
    owner: User | None = None, raised_on: datetime.date | None = None,
    due_on: datetime.date | None = None,
) -> Grievance:
    """A new ticket. Its deadline is the category's unless one is given; `user` is None
    only for a ticket raised by the beneficiary's SMS reply."""
    if user is not None:
        ensure_may(user, "cases.add_grievance", beneficiary)
    elif channel != Grievance.Channel.SMS:
        raise PermissionDenied(_("Only an SMS reply raises a ticket without a staff member."))
    if not description.strip():
        raise ValidationError({"description": _("Describe the grievance.")}, code="required")
    if project is not None and project.beneficiary_id != beneficiary.pk:
        raise ValidationError(
            {"project": _("This project is not the beneficiary's.")}, code="other_project"
        )
    _ensure_owner(owner, beneficiary)
    raised_on = raised_on or timezone.localdate()
    if raised_on > timezone.localdate():
        raise ValidationError({"raised_on": _("This date cannot be in the future.")}, code="future")
    due_on = due_on or Grievance.default_due_on(category, raised_on)
    if due_on < raised_on:
        raise ValidationError(
            {"due_on": _("The deadline cannot come before the day the grievance was raised.")},
            code="due_before_raised",
        )
    return Grievance.objects.create(
        reference=next_number("REC", raised_on.year, 5),
        beneficiary=beneficiary, project=project, category=category, channel=channel,
        description=description.strip(), raised_on=raised_on, raised_by=user, owner=owner,
        due_on=due_on,
        status=Grievance.Status.IN_PROGRESS if owner is not None else Grievance.Status.OPEN,
    )


def _lock_unresolved(grievance: Grievance) -> Grievance:
    # Two staff members answering the same ticket: the second sees it resolved.
    grievance = Grievance.objects.select_for_update().get(pk=grievance.pk)
    if grievance.status == Grievance.Status.RESOLVED:
        raise ValidationError(_("This grievance is already resolved."), code="resolved")
    return grievance


@transaction.atomic
def assign_grievance(*, grievance: Grievance, user: User, owner: User,
                     due_on: datetime.date | None = None) -> Grievance:
    ensure_may(user, "cases.change_grievance", grievance.beneficiary)
    grievance = _lock_unresolved(grievance)
    _ensure_owner(owner, grievance.beneficiary)
    if due_on is not None and due_on < grievance.raised_on:
        raise ValidationError(
            {"due_on": _("The deadline cannot come before the day the grievance was raised.")},
            code="due_before_raised",
        )
    grievance.owner = owner
    grievance.due_on = due_on or grievance.due_on
    grievance.status = Grievance.Status.IN_PROGRESS
    grievance.save(update_fields=["owner", "due_on", "status"])
    return grievance


@transaction.atomic
def resolve_grievance(*, grievance: Grievance, user: User, resolution: str) -> Grievance:
    ensure_may(user, "cases.change_grievance", grievance.beneficiary)
    grievance = _lock_unresolved(grievance)
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how the grievance was resolved.")}, code="required")
    grievance.status = Grievance.Status.RESOLVED
    grievance.resolution = resolution.strip()
    grievance.resolved_at = timezone.now()
    grievance.resolved_by = user
    if grievance.owner_id is None:
        grievance.owner = user
    grievance.save(update_fields=["status", "resolution", "resolved_at", "resolved_by", "owner"])
    return grievance


# --- referrals ------------------------------------------------------------------------

@transaction.atomic
def refer_beneficiary(*, beneficiary: Beneficiary, user: User, service: str, reason: str,
                      referred_on: datetime.date | None = None, partner_name: str = "") -> Referral:
    ensure_may(user, "cases.add_referral", beneficiary)
    referred_on = referred_on or timezone.localdate()
    if referred_on > timezone.localdate():
        raise ValidationError({"referred_on": _("This date cannot be in the future.")}, code="future")
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the referral.")}, code="required")
    return Referral.objects.create(
        beneficiary=beneficiary, service=service, partner_name=partner_name.strip(),
        reason=reason.strip(), referred_on=referred_on, referred_by=user,
    )


@transaction.atomic
def record_referral_outcome(*, referral: Referral, user: User, outcome: str,
                            outcome_on: datetime.date, notes: str = "") -> Referral:
    """The outcome, once known; a later answer corrects it (its history keeps the former)."""
    ensure_may(user, "cases.change_referral", referral.beneficiary)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if outcome == Referral.Outcome.PENDING:
        raise ValidationError({"outcome": _("Choose the outcome.")}, code="pending")
    if outcome_on > timezone.localdate():
        raise ValidationError({"outcome_on": _("This date cannot be in the future.")}, code="future")
    if outcome_on < referral.referred_on:
        raise ValidationError(
            {"outcome_on": _("The outcome cannot come before the referral.")}, code="before_referral"
        )
    referral.outcome = outcome
    referral.outcome_on = outcome_on
    referral.outcome_notes = notes.strip()
    referral.outcome_recorded_at = timezone.now()
    referral.outcome_recorded_by = user
    referral.save(update_fields=[
        "outcome", "outcome_on", "outcome_notes", "outcome_recorded_at", "outcome_recorded_by",
    ])
    return referral


# --- transfers between prefectures ------------------------------------------------------

# A file's projects that move with it: those followed up (equipped, launched), and those
# not yet funded, which the new prefecture will submit to its own committee. A project
# before its convention's decision (submitted, approved) is the sending prefecture's
# business until then; ended ones stay in the figures of the prefecture that funded them.
MOVING_PROJECT_STATUSES = [
    Project.Status.EQUIPPED, Project.Status.ACTIVE, Project.Status.DRAFT, Project.Status.RETURNED,
]
BLOCKING_PROJECT_STATUSES = [Project.Status.SUBMITTED, Project.Status.APPROVED]


def ensure_in_prefecture(user: User, prefecture: Prefecture, field: str | None = None) -> None:
    if is_national(user) or user.prefectures.filter(pk=prefecture.pk).exists():
        return
    raise ValidationError(
        {field: _("You may only act for your own prefectures.")} if field else
        _("You may only act for your own prefectures."),
        code="out_of_scope",
    )


@transaction.atomic
def request_transfer(*, user: User, cin: str, to_prefecture: Prefecture, reason: str,
                     request=None) -> FileTransfer:
    """Ask for the file holding national ID `cin`, found in the whole register. What the
    requester learns is only that a file exists elsewhere (as the intake's duplicate
    check tells it), and the look-up that found it is written to the access log (with
    the page's address when made from one)."""
    if not user.has_perm("cases.add_filetransfer"):
        raise PermissionDenied(_("Your role does not allow this."))
    ensure_in_prefecture(user, to_prefecture, "to_prefecture")
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the request.")}, code="required")
    cin = normalise_cin(cin)
    found = beneficiary_with_same_cin(cin)
    if found is None:
        raise ValidationError({"cin": _("No file holds this national ID number.")}, code="not_found")
    detail = "transfer request by national ID number: file found"
    if request is not None:
        log_access(request, AccessLog.Action.LOOKUP, found, detail=detail)
    else:
        AccessLog.objects.create(user=user, action=AccessLog.Action.LOOKUP, detail=detail,
                                 object_type=found._meta.label, object_id=str(found.public_id))
    if found.prefecture_id == to_prefecture.pk:
        raise ValidationError(
            {"cin": _("This file is already in that prefecture.")}, code="already_there"
        )
    transfer = FileTransfer(
        beneficiary=found, from_prefecture=found.prefecture, to_prefecture=to_prefecture,
        reason=reason.strip(), requested_by=user,
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise ValidationError(
            {"cin": _("A transfer of this file is already pending.")}, code="pending"
        ) from None
    return transfer


def _lock_pending(transfer: FileTransfer, user: User) -> FileTransfer:
    if not user.has_perm("cases.change_filetransfer"):
        raise PermissionDenied(_("Your role does not allow this."))
    # Two answers at once: the second finds the request answered.
    transfer = FileTransfer.objects.select_for_update().select_related(
        "beneficiary", "from_prefecture", "to_prefecture"
    ).get(pk=transfer.pk)
    if transfer.status != FileTransfer.Status.PENDING:
        raise ValidationError(_("This request has already been answered."), code="answered")
    ensure_in_prefecture(user, transfer.from_prefecture)
    return transfer


def move_followup_scope(*, beneficiary: Beneficiary, to_prefecture: Prefecture,
                        reason: str) -> list[Project]:
    """The one place that changes the prefecture of a file's projects (and so of their
    visits, which are scoped through their project): each project saved with a history
    record carrying `reason`. Returns the projects moved."""
    moved = list(
        Project.objects.select_for_update()
        .filter(beneficiary=beneficiary, status__in=MOVING_PROJECT_STATUSES)
        .exclude(prefecture=to_prefecture)
    )
    for project in moved:
        project.prefecture = to_prefecture
        project._change_reason = reason[:100]
        project.save(update_fields=["prefecture", "updated_at"])
    return moved


@transaction.atomic
def accept_transfer(*, transfer: FileTransfer, user: User, answer: str = "") -> FileTransfer:
    """The file, its followed-up and unfunded projects and their visits go to the
    requesting prefecture, all at once, with a history record each."""
    transfer = _lock_pending(transfer, user)
    beneficiary = Beneficiary.objects.select_for_update().get(pk=transfer.beneficiary_id)
    if beneficiary.prefecture_id != transfer.from_prefecture_id:
        raise ValidationError(_("The file has moved since this request was made."), code="moved")
    blocking = list(
        beneficiary.projects.filter(status__in=BLOCKING_PROJECT_STATUSES).values_list("reference", flat=True)
    )
    if blocking:
        raise ValidationError(
            _("Project(s) %(references)s await their funding in this prefecture: finish or "
              "withdraw them before the file moves.") % {"references": ", ".join(blocking)},
            code="project_in_review",
        )
    reason = _("Transferred from %(from)s to %(to)s") % {
        "from": transfer.from_prefecture.name_fr, "to": transfer.to_prefecture.name_fr,
    }
    beneficiary.prefecture = transfer.to_prefecture
    beneficiary._change_reason = reason
    beneficiary.save(update_fields=["prefecture", "updated_at"])
    move_followup_scope(beneficiary=beneficiary, to_prefecture=transfer.to_prefecture, reason=reason)
    transfer.status = FileTransfer.Status.ACCEPTED
    transfer.decided_by = user
    transfer.decided_at = timezone.now()
    transfer.answer = answer.strip()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "answer"])
    return transfer


@transaction.atomic
def refuse_transfer(*, transfer: FileTransfer, user: User, answer: str) -> FileTransfer:
    transfer = _lock_pending(transfer, user)
    if not answer.strip():
        raise ValidationError({"answer": _("Give the reason for the refusal.")}, code="required")
    transfer.status = FileTransfer.Status.REFUSED
    transfer.decided_by = user
    transfer.decided_at = timezone.now()
    transfer.answer = answer.strip()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "answer"])
    return transfer
