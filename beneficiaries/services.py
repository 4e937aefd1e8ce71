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

from .models import Beneficiary, BeneficiaryDocument
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


# --- status moves ---------------------------------------------------------------------

# Target status -> the statuses a file may come from.
ALLOWED_FROM: dict[Status, set[Status]] = {
    Status.ELIGIBLE: {Status.REGISTERED, Status.INELIGIBLE},
    Status.INELIGIBLE: {Status.REGISTERED, Status.ELIGIBLE},
    Status.IN_PROGRAMME: {Status.ELIGIBLE},
    Status.FOLLOWED_UP: {Status.IN_PROGRAMME},
    Status.CLOSED: set(Status) - {Status.CLOSED},
    Status.REGISTERED: {Status.CLOSED},
}


def _move(*, beneficiary: Beneficiary, user: User, reason: str, to: Status) -> Beneficiary:
    ensure_may_write(user, "beneficiaries.change_beneficiary", beneficiary)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this change.")}, code="no_reason")
    # The row lock serialises two people moving the same file at the same moment.
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    current = Status(beneficiary.status)
    if current not in ALLOWED_FROM[to]:
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
def mark_eligible(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    """The social inquiry found the person eligible (or a refusal was reconsidered)."""
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.ELIGIBLE)


@transaction.atomic
def mark_ineligible(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.INELIGIBLE)


@transaction.atomic
def enter_programme(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    """The person starts building a project; their consent must be on file."""
    ensure_has_consent(beneficiary)
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.IN_PROGRAMME)


@transaction.atomic
def start_follow_up(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.FOLLOWED_UP)


@transaction.atomic
def close_file(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.CLOSED)


@transaction.atomic
def reopen_file(*, beneficiary: Beneficiary, user: User, reason: str) -> Beneficiary:
    return _move(beneficiary=beneficiary, user=user, reason=reason, to=Status.REGISTERED)


# Target status -> the one function that moves a file there (the status form offers these).
MOVES = {
    Status.ELIGIBLE: mark_eligible,
    Status.INELIGIBLE: mark_ineligible,
    Status.IN_PROGRAMME: enter_programme,
    Status.FOLLOWED_UP: start_follow_up,
    Status.CLOSED: close_file,
    Status.REGISTERED: reopen_file,
}


def possible_moves(beneficiary: Beneficiary) -> list[Status]:
    current = Status(beneficiary.status)
    return [target for target in MOVES if current in ALLOWED_FROM[target]]
