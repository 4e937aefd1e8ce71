"""Every change of a beneficiary's file: registration with its first documents, edits,
documents, and the status moves (one function per move).

Views, the admin, imports, the demo seed and tests call these functions; nothing else
writes `status` or `file_number`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reintegration.accounts.models import User
from reintegration.accounts.scope import is_national
from reintegration.common.uploads import validate_document
from reintegration.common.validators import normalise_cin, normalise_phone
from reintegration.sequences.models import next_number
from reintegration.territories.models import Prefecture

from .models import REQUIRED_DOCUMENTS, Beneficiary, BeneficiaryDocument
from .selectors import beneficiaries_with_same_name_and_birth_date, beneficiary_with_same_cin

Status = Beneficiary.Status


@dataclass(frozen=True)
class NewDocument:
    kind: str
    file: UploadedFile


# --- guards ---------------------------------------------------------------------------

def ensure_may_write(user: User, permission: str, beneficiary: Beneficiary | None = None) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied(_("Your role does not allow you to change beneficiaries' files."))
    if beneficiary is not None and not (
        Beneficiary.objects.visible_to(user).filter(pk=beneficiary.pk).exists()
    ):
        raise PermissionDenied(_("This file is outside your prefectures."))


def ensure_prefecture_in_scope(user: User, prefecture: Prefecture) -> None:
    if is_national(user) or user.prefectures.filter(pk=prefecture.pk).exists():
        return
    raise ValidationError(
        {"prefecture": _("You may only register files in your own prefectures.")},
        code="out_of_scope",
    )


def ensure_cin_is_free(cin: str, *, exclude: Beneficiary | None = None) -> None:
    if beneficiary_with_same_cin(cin, exclude=exclude) is not None:
        raise ValidationError(
            {"cin": _("This national ID number is already registered.")}, code="duplicate_cin"
        )


def ensure_not_a_possible_duplicate(beneficiary: Beneficiary, *, confirmed: bool) -> None:
    if confirmed:
        return
    same = beneficiaries_with_same_name_and_birth_date(
        first_name=beneficiary.first_name, last_name=beneficiary.last_name,
        birth_date=beneficiary.birth_date, exclude=beneficiary,
    )
    if same.exists():
        raise ValidationError(
            {NON_FIELD_ERRORS: _("A file with the same name and date of birth already exists; "
                                 "confirm that this is a different person.")},
            code="possible_duplicate",
        )


def ensure_has_consent(beneficiary: Beneficiary) -> None:
    """Law 09-08: nothing is submitted for a person who has not consented (nor, for a
    minor, their guardian). The grants workflow calls this before a submission."""
    if not beneficiary.has_consent:
        raise ValidationError(
            _("%(name)s has not signed the data-processing consent yet (nor, for a minor, "
              "the guardian).") % {"name": beneficiary.full_name},
            code="no_consent",
        )


def check_documents(documents: Sequence[NewDocument]) -> list[tuple[NewDocument, str]]:
    """Check every upload before anything is written; return each with its real type."""
    checked, errors = [], {}
    for document in documents:
        try:
            checked.append((document, validate_document(document.file)))
        except ValidationError as error:
            errors[document.kind] = error.messages
    if errors:
        raise ValidationError(errors)
    return checked


# --- registration and edits -----------------------------------------------------------

def _normalise(beneficiary: Beneficiary) -> None:
    beneficiary.cin = normalise_cin(beneficiary.cin)
    try:
        beneficiary.phone = normalise_phone(beneficiary.phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None


def _save_unique(beneficiary: Beneficiary) -> None:
    """Save; two people registering the same national ID at the same moment both pass
    the check above, and the database's unique constraint refuses the second."""
    try:
        with transaction.atomic():
            beneficiary.save()
    except IntegrityError:
        if beneficiary_with_same_cin(beneficiary.cin, exclude=beneficiary) is None:
            raise
        raise ValidationError(
            {"cin": _("This national ID number is already registered.")}, code="duplicate_cin"
        ) from None


@transaction.atomic
def create_beneficiary(
    *,
    user: User,
    fields: Mapping[str, Any],
    documents: Sequence[NewDocument] = (),
    confirmed_different_person: bool = False,
) -> Beneficiary:
    """Register a file and its first documents: all of it or, on any error, nothing."""
    ensure_may_write(user, "beneficiaries.add_beneficiary")
    if documents:
        ensure_may_write(user, "beneficiaries.add_beneficiarydocument")
    beneficiary = Beneficiary(**fields, created_by=user)
    ensure_prefecture_in_scope(user, beneficiary.prefecture)
    _normalise(beneficiary)
    ensure_cin_is_free(beneficiary.cin)
    ensure_not_a_possible_duplicate(beneficiary, confirmed=confirmed_different_person)
    checked = check_documents(documents)
    beneficiary.full_clean(exclude=["file_number"])

    beneficiary.file_number = next_number("BEN", timezone.localdate().year, 5)
    beneficiary._history_user = user
    _save_unique(beneficiary)
    stored = []
    try:
        for document, content_type in checked:
            stored.append(_store_document(beneficiary, document, content_type, user))
    except Exception:
        # The rows roll back with the transaction; the files on disk must go too.
        for document in stored:
            document.file.delete(save=False)
        raise
    return beneficiary


@transaction.atomic
def update_beneficiary(
    *,
    beneficiary: Beneficiary,
    user: User,
    fields: Mapping[str, Any],
    confirmed_different_person: bool = False,
) -> Beneficiary:
    ensure_may_write(user, "beneficiaries.change_beneficiary", beneficiary)
    # From the database: a form may already have changed the caller's instance.
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    identity_before = (beneficiary.first_name, beneficiary.last_name, beneficiary.birth_date)
    for name, value in fields.items():
        setattr(beneficiary, name, value)
    ensure_prefecture_in_scope(user, beneficiary.prefecture)
    _normalise(beneficiary)
    ensure_cin_is_free(beneficiary.cin, exclude=beneficiary)
    if (beneficiary.first_name, beneficiary.last_name, beneficiary.birth_date) != identity_before:
        ensure_not_a_possible_duplicate(beneficiary, confirmed=confirmed_different_person)
    beneficiary.full_clean()
    beneficiary._history_user = user
    _save_unique(beneficiary)
    return beneficiary


# --- documents ------------------------------------------------------------------------

def _store_document(
    beneficiary: Beneficiary, document: NewDocument, content_type: str, user: User
) -> BeneficiaryDocument:
    # content_type first: the stored name (upload_to) takes its extension from it.
    stored = BeneficiaryDocument(
        beneficiary=beneficiary,
        kind=document.kind,
        content_type=content_type,
        original_name=(document.file.name or "")[:255],
        size=document.file.size,
        uploaded_by=user,
    )
    stored.file.save("upload", document.file, save=False)
    try:
        stored.save()
    except Exception:
        stored.file.delete(save=False)
        raise
    return stored


@transaction.atomic
def add_document(
    *, beneficiary: Beneficiary, user: User, kind: str, file: UploadedFile
) -> BeneficiaryDocument:
    ensure_may_write(user, "beneficiaries.add_beneficiarydocument", beneficiary)
    if kind not in BeneficiaryDocument.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of document.")}, code="bad_kind")
    try:
        content_type = validate_document(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    return _store_document(beneficiary, NewDocument(kind=kind, file=file), content_type, user)


# --- the pathway -----------------------------------------------------------------------
#
# registered → eligible → in programme → followed up → closed, or ineligible. Staff move a
# file to eligible or ineligible (and close or reopen one outside the programme); the
# project workflow (grants.services) moves it into the programme when a project is
# approved, to the follow-up when its activity is launched, and closes it when its last
# running project is closed or abandoned. Each move is a history record of the file: who,
# when, from which status, to which, and why (beneficiaries.timeline).

# The labour code's minimum working age (Code du travail, art. 143): an income-generating
# activity is work; younger people from child-protection centres wait for it.
MINIMUM_AGE = 15

# Target status -> the statuses a file may come from.
ALLOWED_FROM: dict[Status, set[Status]] = {
    Status.ELIGIBLE: {Status.REGISTERED, Status.INELIGIBLE},
    Status.INELIGIBLE: {Status.REGISTERED, Status.ELIGIBLE},
    # A project approved; back from the follow-up when the launched project ends while
    # another approved one of the person still runs.
    Status.IN_PROGRAMME: {Status.ELIGIBLE, Status.FOLLOWED_UP},
    Status.FOLLOWED_UP: {Status.IN_PROGRAMME},
    # Closed by staff: a file that never entered the programme (the person left, died…).
    Status.CLOSED: {Status.REGISTERED, Status.ELIGIBLE, Status.INELIGIBLE},
    Status.REGISTERED: {Status.CLOSED},
}
# Closed by the project workflow: the last running project closed or abandoned.
END_OF_PROGRAMME_FROM = {Status.IN_PROGRAMME, Status.FOLLOWED_UP}
# The statuses from which a project may be submitted: found eligible, or already in the
# programme (a second project, whose previous funding the submission must justify).
SUBMITTABLE_STATUSES = frozenset({Status.ELIGIBLE, Status.IN_PROGRAMME, Status.FOLLOWED_UP})


def already_funded(beneficiary: Beneficiary) -> bool:
    """Whether a project of the person (or one they share) was ever approved: an approved
    amount is set at approval only, and kept whatever happens to the project next."""
    return (
        beneficiary.projects.filter(approved_amount__isnull=False).exists()
        or beneficiary.co_projects.filter(approved_amount__isnull=False).exists()
    )


def eligibility_problems(
    beneficiary: Beneficiary, *, justification: str = "", check_funding: bool = True
) -> list[str]:
    """The eligibility rules, stated once: what stands between the file and "eligible"
    (empty when nothing does). The file's page lists them; `mark_eligible` refuses on them."""
    problems = []
    if not beneficiary.has_consent:
        problems.append(_("The data-processing consent is not recorded (nor, for a minor, "
                          "the guardian's)."))
    present = set(beneficiary.documents.values_list("kind", flat=True))
    for kind in REQUIRED_DOCUMENTS:
        if kind not in present:
            problems.append(_("Missing document: %(kind)s.") % {"kind": kind.label})
    today = timezone.localdate()
    if beneficiary.release_date is None:
        problems.append(_("The release date is not recorded."))
    elif beneficiary.release_date > today:
        problems.append(_("The release date is in the future."))
    if beneficiary.birth_date and beneficiary.age_on(today) < MINIMUM_AGE:
        problems.append(_("The person is under %(age)s, the minimum working age.")
                        % {"age": MINIMUM_AGE})
    if check_funding and already_funded(beneficiary) and not (justification or "").strip():
        problems.append(_("The person already had a project funded: justify a new funding."))
    return problems


def ensure_eligible(beneficiary: Beneficiary, *, justification: str = "") -> None:
    problems = eligibility_problems(beneficiary, justification=justification)
    if problems:
        raise ValidationError(problems, code="not_eligible")


def ensure_file_eligible(beneficiary: Beneficiary) -> None:
    """A project is submitted and approved only for a file found eligible (or already in
    the programme)."""
    if beneficiary.status not in SUBMITTABLE_STATUSES:
        raise ValidationError(
            _("The file of %(name)s is “%(status)s”: only a file found eligible may have a "
              "project submitted or approved.") % {
                "name": beneficiary.full_name, "status": beneficiary.get_status_display()},
            code="file_not_eligible",
        )


def _move(
    *, beneficiary: Beneficiary, user: User, reason: str, to: Status,
    allowed_from: set[Status] | None = None, by_project: bool = False,
) -> Beneficiary:
    if not by_project:
        # The project workflow (grants.services) has checked who may move the project, in
        # the project's prefecture; the file follows its project wherever its person lives.
        ensure_may_write(user, "beneficiaries.change_beneficiary", beneficiary)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this change.")}, code="no_reason")
    # The row lock serialises two people moving the same file at the same moment.
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    current = Status(beneficiary.status)
    if current not in (ALLOWED_FROM[to] if allowed_from is None else allowed_from):
        raise ValidationError(
            _("A file cannot go from “%(current)s” to “%(target)s”.")
            % {"current": current.label, "target": to.label},
            code="bad_move",
        )
    beneficiary.status = to
    # The retention period of law 09-08 runs from the closure (security.anonymisation).
    beneficiary.closed_at = timezone.now() if to == Status.CLOSED else None
    # The history record of this save is the move: who, when, from which status (the
    # record before it), to which, and why.
    beneficiary._change_reason = reason
    beneficiary._history_user = user
    beneficiary.save(update_fields=["status", "closed_at", "updated_at"])
    return beneficiary


@transaction.atomic
def mark_eligible(
    *, beneficiary: Beneficiary, user: User, reason: str, justification: str = ""
) -> Beneficiary:
    """The social inquiry found the person eligible (or a refusal was reconsidered): only
    when every eligibility rule holds; a previous funding needs `justification`."""
    ensure_may_write(user, "beneficiaries.change_beneficiary", beneficiary)
    ensure_eligible(beneficiary, justification=justification)
    justification = (justification or "").strip()
    if justification and (reason or "").strip():
        reason = _("%(reason)s\nPrevious funding justified: %(justification)s") % {
            "reason": reason.strip(), "justification": justification,
        }
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.ELIGIBLE)


@transaction.atomic
def mark_ineligible(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.INELIGIBLE)


@transaction.atomic
def enter_programme(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    """A project of the person was approved (grants.services.approve_project); their
    consent must be on file."""
    ensure_has_consent(beneficiary)
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.IN_PROGRAMME,
                 by_project=True)


@transaction.atomic
def start_follow_up(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    """The activity of their project was launched (grants.services.launch_project)."""
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.FOLLOWED_UP,
                 by_project=True)


@transaction.atomic
def end_programme(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    """Their last running project was closed (follow-up complete) or abandoned."""
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.CLOSED,
                 allowed_from=END_OF_PROGRAMME_FROM, by_project=True)


@transaction.atomic
def close_file(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    """Staff close a file that never entered the programme (the person left, declined…)."""
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.CLOSED)


@transaction.atomic
def reopen_file(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.REGISTERED)


# Target status -> the one function by which staff move a file there (the status form
# offers these; the programme's moves belong to the project workflow).
MOVES = {
    Status.ELIGIBLE: mark_eligible,
    Status.INELIGIBLE: mark_ineligible,
    Status.CLOSED: close_file,
    Status.REGISTERED: reopen_file,
}
# Target status -> the one function by which the project workflow moves a file there.
PROJECT_MOVES = {
    Status.IN_PROGRAMME: enter_programme,
    Status.FOLLOWED_UP: start_follow_up,
    Status.CLOSED: end_programme,
}


def possible_moves(beneficiary: Beneficiary) -> list[Status]:
    current = Status(beneficiary.status)
    return [target for target in MOVES if current in ALLOWED_FROM[target]]
