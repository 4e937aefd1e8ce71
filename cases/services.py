"""Every change of a grievance, a referral or a file transfer: one function per move.

Keyword-only, atomic, the guard first (role, then the file's scope), then the rule
checks with translated messages, then the writes. Views, the admin's actions, the demo
and tests call these; nothing else sets `status` or `outcome`.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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

from . import sms
from .models import ContactPreference, FileTransfer, Grievance, Referral, SmsMessage


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


# --- SMS --------------------------------------------------------------------------------

# The texts, translated into the person's language (French or Arabic) when sent; their
# placeholders come from the caller's context. Kept short: one SMS is 70 Arabic letters.
SMS_TEXTS = {
    SmsMessage.Template.CONVOCATION: gettext_lazy(
        "Hello %(name)s, you are invited to the handover ceremony of your equipment on "
        "%(date)s at %(place)s. The Foundation."
    ),
    SmsMessage.Template.VISIT_REMINDER: gettext_lazy(
        "Hello %(name)s, our social worker will visit your business on %(date)s. The Foundation."
    ),
    SmsMessage.Template.HANDOVER_CHECK: gettext_lazy(
        "Hello %(name)s, did you receive all the equipment listed on your certificate? "
        "Reply YES or NO. The Foundation."
    ),
}
# Replies, upper-cased, without spaces: to stop all messages, and the "no" of the check.
STOP_WORDS = {"STOP", "ARRET", "ARRÊT", "توقف"}
NO_WORDS = {"NON", "NO", "لا"}


def render_sms(template: str, language: str, context: dict) -> str:
    with translation.override(language):
        return str(SMS_TEXTS[SmsMessage.Template(template)]) % context


def _sms_context(beneficiary: Beneficiary, language: str, context: dict) -> dict:
    name = beneficiary.first_name
    if language == ContactPreference.Language.ARABIC and beneficiary.first_name_ar:
        name = beneficiary.first_name_ar
    return {"name": name, **context}


def queue_sms(*, beneficiary: Beneficiary, template: str, context: dict | None = None,
              user: User | None = None) -> SmsMessage:
    """The message logged, in the person's language: queued, or blocked when they have
    no phone, never agreed to SMS or opted out (logged too: the log says why nothing
    was sent)."""
    if user is not None:
        ensure_may(user, "cases.add_smsmessage", beneficiary)
    preference = ContactPreference.objects.filter(beneficiary=beneficiary).first()
    language = preference.language if preference else ContactPreference.Language.ARABIC
    body = render_sms(template, language, _sms_context(beneficiary, language, context or {}))
    message = SmsMessage(beneficiary=beneficiary, phone=beneficiary.phone, template=template,
                         language=language, body=body, sent_by=user)
    if not beneficiary.phone:
        message.status, message.error = SmsMessage.Status.BLOCKED, "no phone number"
    elif preference is None or not preference.may_send:
        message.status = SmsMessage.Status.BLOCKED
        message.error = "opted out" if preference and preference.opted_out_at else "no consent"
    message.save()
    return message


def deliver_sms(message: SmsMessage, *, raise_errors: bool = False) -> SmsMessage:
    """Hand a queued message to the backend, once more: what a background job calls,
    with `raise_errors=True` so that it retries on a gateway error."""
    if message.status not in (SmsMessage.Status.QUEUED, SmsMessage.Status.FAILED):
        return message
    message.attempts += 1
    try:
        message.gateway_id = sms.get_backend().send(to=message.phone, body=message.body)
    except sms.SmsError as error:
        message.status, message.error = SmsMessage.Status.FAILED, str(error)[:255]
        message.save(update_fields=["attempts", "status", "error"])
        if raise_errors:
            raise
        return message
    message.status, message.error, message.sent_at = SmsMessage.Status.SENT, "", timezone.now()
    message.save(update_fields=["attempts", "status", "error", "gateway_id", "sent_at"])
    return message


def send_sms(*, beneficiary: Beneficiary, template: str, context: dict | None = None,
             user: User | None = None) -> SmsMessage:
    """Queue and deliver at once (a plain function that a background job may wrap)."""
    message = queue_sms(beneficiary=beneficiary, template=template, context=context, user=user)
    return deliver_sms(message)


@transaction.atomic
def set_contact_preference(*, beneficiary: Beneficiary, user: User, language: str,
                           sms_consent_on: datetime.date | None, opted_out: bool) -> ContactPreference:
    ensure_may(user, "cases.change_contactpreference", beneficiary)
    if sms_consent_on and sms_consent_on > timezone.localdate():
        raise ValidationError({"sms_consent_on": _("This date cannot be in the future.")}, code="future")
    preference, _created = ContactPreference.objects.select_for_update().get_or_create(
        beneficiary=beneficiary
    )
    preference.language = language
    preference.sms_consent_on = sms_consent_on
    if opted_out and preference.opted_out_at is None:
        preference.opted_out_at = timezone.now()
    elif not opted_out:
        preference.opted_out_at = None
    preference.save()
    return preference


@transaction.atomic
def record_sms_reply(*, phone: str, text: str) -> SmsMessage | None:
    """A reply from a beneficiary's phone: logged; STOP opts them out; NO to the check
    after the handover raises a grievance (equipment missing) for staff to follow.
    A number that is no file's is ignored (None)."""
    beneficiary = Beneficiary.objects.filter(phone=phone).first()
    if beneficiary is None:
        return None
    last = beneficiary.sms_messages.exclude(status=SmsMessage.Status.RECEIVED).first()
    reply = SmsMessage.objects.create(
        beneficiary=beneficiary, phone=phone, template=SmsMessage.Template.REPLY,
        language=last.language if last else ContactPreference.Language.ARABIC,
        body=text[:1000], status=SmsMessage.Status.RECEIVED,
    )
    word = "".join(text.split()).upper()
    if word in STOP_WORDS:
        preference, _created = ContactPreference.objects.get_or_create(beneficiary=beneficiary)
        preference.opted_out_at = preference.opted_out_at or timezone.now()
        preference.save()
    elif word in NO_WORDS and last is not None and last.template == SmsMessage.Template.HANDOVER_CHECK:
        raise_grievance(
            beneficiary=beneficiary, user=None, channel=Grievance.Channel.SMS,
            category=Grievance.Category.EQUIPMENT_MISSING,
            description=_("Reply “%(text)s” to the check after the handover: equipment not all received.")
            % {"text": text.strip()},
            project=beneficiary.projects.filter(
                status__in=[Project.Status.EQUIPPED, Project.Status.ACTIVE]
            ).first(),
        )
    return reply
