"""Ceremonies: every change of a ceremony and of its certificates is one function here.

Keyword-only and atomic; each checks who may act (role, then scope) before anything
else, with a translated error. Views, the admin, the demo seed and tests call the same
functions. The projects' own workflow stays in `grants.services`: holding a ceremony
calls `equip_project`, it never sets a project's status itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Convention, Project
from grants.services import equip_project
from procurement.models import Disbursement

# The ledger's one door for a payment (it moves with procurement out of grants).
from procurement.services import record_disbursement
from reintegration.accounts.roles import Role
from reintegration.common.dates import format_date
from reintegration.common.storage import delete_files_on_commit
from reintegration.common.uploads import validate_document
from reintegration.common.validators import normalise_cin, validate_cin
from reintegration.sequences.models import next_number

from .models import (
    Attendance,
    Ceremony,
    CeremonyPhoto,
    Guest,
    Handover,
    ImageConsent,
    PressCoverage,
    PressRelease,
)

MANAGER_ROLES = (Role.FOUNDATION_STAFF, Role.ADMIN)
CERTIFICATE_PREFIX = "AGR"
CERTIFICATE_WIDTH = 6


# --- guards -----------------------------------------------------------------------------

def may_manage(user, ceremony: Ceremony | None = None, prefecture=None) -> bool:
    """Foundation staff of the ceremony's prefecture, and admins, run ceremonies."""
    if not (user.is_authenticated and user.is_active and user.role in MANAGER_ROLES):
        return False
    if user.role == Role.ADMIN:
        return True
    prefecture_id = ceremony.prefecture_id if ceremony is not None else getattr(prefecture, "pk", None)
    return user.prefectures.filter(pk=prefecture_id).exists()


def may_revoke(user) -> bool:
    return user.is_authenticated and user.is_active and user.role == Role.ADMIN


def _ensure_may_manage(user, ceremony: Ceremony | None = None, prefecture=None) -> None:
    if not may_manage(user, ceremony, prefecture):
        raise PermissionDenied(
            _("Only the foundation's staff of the ceremony's prefecture may change it.")
        )


def _ensure_planned(ceremony: Ceremony) -> None:
    if ceremony.status != Ceremony.Status.PLANNED:
        raise ValidationError(
            _("This ceremony has been held: its details and projects can no longer change."),
            code="held",
        )


def _check_convention(ceremony: Ceremony) -> None:
    convention: Convention | None = ceremony.convention
    if convention is not None and convention.prefecture_id != ceremony.prefecture_id:
        raise ValidationError(
            {"convention": _("The convention must be one of the ceremony's prefecture.")}
        )


def _lock(ceremony: Ceremony) -> Ceremony:
    """Lock the ceremony row and reload it, so two posts of one form are served in turn."""
    ceremony.refresh_from_db(from_queryset=Ceremony.objects.select_for_update())
    return ceremony


def _save_guests(ceremony: Ceremony, guests: Iterable[Guest]) -> None:
    for guest in guests:
        guest.ceremony = ceremony
        guest.full_clean()
        guest.save()


# --- the ceremony -----------------------------------------------------------------------

@transaction.atomic
def create_ceremony(*, ceremony: Ceremony, user, guests: Iterable[Guest] = ()) -> Ceremony:
    """Save a new planned ceremony (and its guests) for a prefecture of the user's."""
    _ensure_may_manage(user, prefecture=ceremony.prefecture)
    _check_convention(ceremony)
    ceremony.status = Ceremony.Status.PLANNED
    ceremony.created_by = user
    ceremony.full_clean()
    ceremony.save()
    _save_guests(ceremony, guests)
    return ceremony


@transaction.atomic
def update_ceremony(*, ceremony: Ceremony, user, guests: Iterable[Guest] = (),
                    removed_guests: Iterable[Guest] = ()) -> Ceremony:
    """Change a planned ceremony. Once held, its date, place and presidency are printed
    on the certificates and stay as they were."""
    current = Ceremony.objects.select_for_update().get(pk=ceremony.pk)
    _ensure_may_manage(user, current)
    _ensure_may_manage(user, ceremony)  # also the prefecture it moves to, if it moves
    _ensure_planned(current)
    _check_convention(ceremony)
    ceremony.status = current.status
    ceremony.full_clean()
    ceremony.save()
    for guest in removed_guests:
        if guest.pk and guest.ceremony_id == ceremony.pk:
            guest.delete()
    _save_guests(ceremony, guests)
    return ceremony


def ready_projects(ceremony: Ceremony):
    """The projects that may be added to `ceremony`: approved, every line delivered, of
    its prefecture, and on no other planned ceremony (one project, one handover)."""
    return (
        Project.objects.ready_for_ceremony()
        .filter(prefecture=ceremony.prefecture_id)
        .exclude(ceremonies__status=Ceremony.Status.PLANNED)
    )


def _lock_projects(projects) -> None:
    """Lock the projects' rows, after the ceremony's and in one order (by key), as
    `hold_ceremony` does, so that two ceremonies never deadlock over them."""
    list(Project.objects.select_for_update().filter(pk__in=[p.pk for p in projects]).order_by("pk"))


@transaction.atomic
def add_projects(*, ceremony: Ceremony, projects: Iterable[Project], user) -> Ceremony:
    _ensure_may_manage(user, ceremony)
    _lock(ceremony)
    _ensure_planned(ceremony)
    projects = list(projects)
    if not projects:
        raise ValidationError({"projects": _("Choose at least one project.")}, code="required")
    # The projects' locks serialise two ceremonies adding the same project at once (each
    # holds only its own ceremony's lock): the second reads, once the first has committed,
    # that the project is on a planned ceremony, and refuses it. Without them both added
    # it, and holding the second ceremony failed on the project's certificate.
    _lock_projects(projects)
    elsewhere = (
        Ceremony.projects.through.objects.filter(
            project__in=projects, ceremony__status=Ceremony.Status.PLANNED
        )
        .exclude(ceremony=ceremony)
        .order_by("project__reference")
        .values_list("project__reference", "ceremony__title")
    )
    if elsewhere:
        raise ValidationError(
            {"projects": _(
                "Already on another planned ceremony: %(projects)s. A project is handed over at one "
                "ceremony only: remove it from the other ceremony first."
            ) % {"projects": ", ".join(f"{reference} ({title})" for reference, title in elsewhere)}},
            code="on_another_ceremony",
        )
    allowed = set(ready_projects(ceremony).values_list("pk", flat=True))
    refused = [p.reference for p in projects if p.pk not in allowed]
    if refused:
        raise ValidationError(
            {"projects": _(
                "These projects cannot be handed over at this ceremony (not approved, equipment "
                "not all delivered, another prefecture, or already on a planned ceremony): %(refs)s."
            ) % {"refs": ", ".join(sorted(refused))}},
            code="not_ready",
        )
    ceremony.projects.add(*projects)
    return ceremony


@transaction.atomic
def remove_project(*, ceremony: Ceremony, project: Project, user) -> Ceremony:
    _ensure_may_manage(user, ceremony)
    _lock(ceremony)
    _ensure_planned(ceremony)
    ceremony.projects.remove(project)
    return ceremony


def equipment_snapshot(project: Project) -> list[dict]:
    """The project's equipment lines as the certificate lists them, amounts as strings
    (JSON has no decimals): each at what it cost the convention (its share of the
    supplier's invoice once invoiced, the ordered price before: `EquipmentItem.cost`), so
    that the certificate's value is the ledger's."""
    lines = []
    for line in project.equipment_items.order_by("pk"):
        cost = line.cost
        unit_price = line.unit_price
        if cost != line.total:
            unit_price = (cost / line.quantity).quantize(Decimal("0.01"))
        lines.append({
            "designation": line.designation,
            "designation_ar": line.designation_ar,
            "quantity": line.quantity,
            "unit_price": str(unit_price),
            "total": str(cost),
            "serial_number": line.serial_number,
        })
    return lines


# --- attendance -------------------------------------------------------------------------

@transaction.atomic
def record_attendance(*, ceremony: Ceremony, project: Project, user, status: str,
                      proxy_name: str = "", proxy_cin: str = "", proxy_document=None,
                      cash_method: str = "", cash_reference: str = "") -> Attendance:
    """Record on the day whether the beneficiary of `project` came, sent a proxy (name,
    national ID and power of attorney, checked like any document) or is absent, and how
    the cash grant is handed over (a cheque or a transfer), if it is on the day."""
    _ensure_may_manage(user, ceremony)
    _lock(ceremony)
    _ensure_planned(ceremony)
    if not ceremony.projects.filter(pk=project.pk).exists():
        raise ValidationError(_("This project is not on this ceremony."), code="not_on_ceremony")
    attendance = (
        Attendance.objects.select_for_update().filter(ceremony=ceremony, project=project).first()
        or Attendance(ceremony=ceremony, project=project)
    )
    old_document = attendance.proxy_document if attendance.proxy_document else None
    errors: dict[str, list[str]] = {}
    if status == Attendance.Status.REPRESENTED:
        proxy_name = " ".join((proxy_name or "").split())
        proxy_cin = normalise_cin(proxy_cin)
        if not proxy_name:
            errors["proxy_name"] = [_("Enter the name of the person who receives for the beneficiary.")]
        if not proxy_cin:
            errors["proxy_cin"] = [_("Enter the proxy's national ID number.")]
        else:
            try:
                validate_cin(proxy_cin)
            except ValidationError as error:
                errors["proxy_cin"] = error.messages
            if proxy_cin == project.beneficiary.cin:
                errors["proxy_cin"] = [_("This is the beneficiary's own ID number: choose “present”.")]
        content_type = None
        if proxy_document:
            try:
                content_type = validate_document(proxy_document)
            except ValidationError as error:
                errors["proxy_document"] = error.messages
        elif not attendance.proxy_document:
            errors["proxy_document"] = [_("Upload the power of attorney signed by the beneficiary.")]
        errors.update(_cash_errors(project, cash_method, cash_reference))
        if errors:
            raise ValidationError(errors)
        attendance.proxy_name, attendance.proxy_cin = proxy_name, proxy_cin
        if content_type:
            attendance.proxy_document_content_type = content_type
            attendance.proxy_document.save("power-of-attorney", proxy_document, save=False)
            if old_document:
                delete_files_on_commit([old_document])
    else:
        errors = {}
        if status != Attendance.Status.ABSENT:
            errors = _cash_errors(project, cash_method, cash_reference)
        if errors:
            raise ValidationError(errors)
        attendance.proxy_name = attendance.proxy_cin = attendance.proxy_document_content_type = ""
        if old_document:
            delete_files_on_commit([old_document])
        attendance.proxy_document = ""
    attendance.status = status
    if status == Attendance.Status.ABSENT:
        cash_method = cash_reference = ""
    attendance.cash_method, attendance.cash_reference = cash_method or "", (cash_reference or "").strip()
    attendance.recorded_by = user
    attendance.full_clean(exclude=["proxy_document"])
    attendance.save()
    return attendance


def _cash_errors(project: Project, method: str, reference: str) -> dict[str, list[str]]:
    if not method:
        return {}
    if method not in Disbursement.Method.values:
        return {"cash_method": [_("Choose a transfer or a cheque.")]}
    if not project.cash_grant_amount:
        return {"cash_method": [_("This project has no cash grant to hand over.")]}
    if not (reference or "").strip():
        return {"cash_reference": [_("Enter the cheque number or the transfer's reference.")]}
    return {}


def _pay_on_the_day(ceremony: Ceremony, project: Project, attendance: Attendance, user):
    """The cash grant handed at the ceremony, paid through the ledger's one door: what
    remains of the approved cash grant, never beyond it (it refuses, naming the figures,
    and nothing of the ceremony is held)."""
    if not attendance.cash_method:
        return None
    remaining = project.cash_grant_amount - (
        Disbursement.objects.filter(project=project).aggregate(total=Sum("amount"))["total"] or 0
    )
    if remaining <= 0:
        raise ValidationError(
            _("The cash grant of %(project)s has already been paid in full: it cannot be handed over "
              "again at the ceremony.") % {"project": project.reference},
            code="paid",
        )
    return record_disbursement(
        project=project, amount=remaining, paid_on=ceremony.held_on, method=attendance.cash_method,
        reference=attendance.cash_reference, user=user,
    )


@transaction.atomic
def hold_ceremony(*, ceremony: Ceremony, user) -> list[Handover]:
    """The ceremony took place: issue one certificate per project whose beneficiary came
    or sent a proxy, move each such project to `equipped` (its lines to `handed_over`) and
    mark the ceremony held — all or nothing.

    A beneficiary recorded absent gets no certificate: their project leaves the ceremony
    (its `Attendance` row keeps the absence) and, still approved, waits for a later
    ceremony. A beneficiary whose attendance was not recorded received in person.

    Certificate numbers come from the yearly sequence, whose row lock serialises two
    ceremonies held at the same moment; a number is never given twice, nor reused.
    """
    _ensure_may_manage(user, ceremony)
    _lock(ceremony)
    if ceremony.status == Ceremony.Status.HELD:
        raise ValidationError(_("This ceremony has already been marked as held."), code="held")
    if ceremony.held_on > timezone.localdate():
        raise ValidationError(
            _("This ceremony is dated %(date)s: it cannot be marked as held before that day.")
            % {"date": format_date(ceremony.held_on)},
            code="future",
        )
    # Lock the projects too (in one order, so two holds cannot deadlock): their lines
    # are copied onto the certificates and must not change meanwhile.
    list(Project.objects.select_for_update().filter(ceremonies=ceremony).order_by("pk"))
    projects = list(ceremony.projects.order_by("reference"))
    if not projects:
        raise ValidationError(
            _("Add the projects whose equipment is handed over before marking the ceremony held."),
            code="empty",
        )
    attendances = {a.project_id: a for a in ceremony.attendances.all()}
    absent = [p for p in projects
              if p.pk in attendances and attendances[p.pk].status == Attendance.Status.ABSENT]
    projects = [p for p in projects if p not in absent]
    if not projects:
        raise ValidationError(
            _("Every beneficiary is recorded absent: nothing can be handed over at this ceremony."),
            code="all_absent",
        )
    # A project handed over at another ceremony since it was added here (or added to two
    # before `add_projects` locked the projects) is named, and nothing is issued.
    handed_over = set(
        Handover.objects.valid().filter(project__in=projects).values_list("project__reference", flat=True)
    )
    handed_over |= {p.reference for p in projects if p.status != Project.Status.APPROVED}
    if handed_over:
        raise ValidationError(
            _(
                "These projects are no longer waiting for their equipment (handed over at another "
                "ceremony, or no longer approved): %(projects)s. Remove them from this ceremony, "
                "then mark it held."
            ) % {"projects": ", ".join(sorted(handed_over))},
            code="handed_over",
        )
    if absent:
        ceremony.projects.remove(*absent)
    handovers = []
    for project in projects:
        attendance = attendances.get(project.pk) or Attendance.objects.create(
            ceremony=ceremony, project=project, status=Attendance.Status.PRESENT, recorded_by=user
        )
        handover = Handover.objects.create(
            attendance=attendance,
            disbursement=_pay_on_the_day(ceremony, project, attendance, user),
            ceremony=ceremony,
            project=project,
            certificate_number=next_number(
                CERTIFICATE_PREFIX, ceremony.held_on.year, CERTIFICATE_WIDTH
            ),
            items=equipment_snapshot(project),
            cash_grant=project.cash_grant_amount,
        )
        equip_project(project=project, user=user, handed_over_on=ceremony.held_on)
        handovers.append(handover)
    ceremony.status = Ceremony.Status.HELD
    ceremony.save(update_fields=["status"])
    return handovers


# --- certificates -----------------------------------------------------------------------

@transaction.atomic
def revoke_handover(*, handover: Handover, user, reason: str) -> Handover:
    """Cancel a certificate (a wrong item, equipment never received). The verification
    page then says so; its number stays taken.

    It moves no money: what the project's orders and payments engaged stays in its
    ledger (grants.models) and on its convention, whose commitment still covers it; an
    amendment lowers the approved amount if some of it will never be spent."""
    if not may_revoke(user):
        raise PermissionDenied(_("Only an administrator may revoke a certificate."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please write the reason.")}, code="required")
    handover.refresh_from_db(from_queryset=Handover.objects.select_for_update())
    if handover.is_revoked:
        raise ValidationError(_("This certificate has already been revoked."), code="revoked")
    handover.revoked_at = timezone.now()
    handover.revoked_by = user
    handover.revoked_reason = reason
    # The stored certificate says it is valid and the bundle holds it: both go. The
    # certificate is then rendered with the revocation banner whenever asked for, the
    # bundle rebuilt without it (ceremonies.documents).
    ceremony = handover.ceremony
    delete_files_on_commit([handover.certificate_pdf, ceremony.bundle_pdf])
    handover.certificate_pdf = ""
    handover.save(update_fields=["revoked_at", "revoked_by", "revoked_reason", "certificate_pdf"])
    Ceremony.objects.filter(pk=ceremony.pk).update(bundle_pdf="")
    return handover


@transaction.atomic
def attach_signed_copy(*, handover: Handover, user, file) -> Handover:
    """Keep the scan of the certificate signed at the ceremony (PDF, JPEG or PNG)."""
    _ensure_may_manage(user, handover.ceremony)
    try:
        content_type = validate_document(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    handover.refresh_from_db(from_queryset=Handover.objects.select_for_update())
    # The stored name's extension comes from the content type (see signed_copy_upload_to).
    handover.signed_copy_content_type = content_type
    handover.signed_copy.save("signed", file, save=False)
    handover.save(update_fields=["signed_copy", "signed_copy_content_type"])
    return handover


def ceremony_beneficiaries(ceremony: Ceremony):
    """The beneficiaries of the ceremony's projects (those handed over included)."""
    from beneficiaries.models import Beneficiary

    return Beneficiary.objects.filter(
        Q(projects__ceremonies=ceremony) | Q(projects__handovers__ceremony=ceremony)
    ).distinct()


@transaction.atomic
def add_photo(*, ceremony: Ceremony, user, image, caption: str = "", people=()) -> CeremonyPhoto:
    """Keep a photo of the ceremony. Each beneficiary it shows must have given their
    image-rights consent; otherwise nothing is kept."""
    _ensure_may_manage(user, ceremony)
    people = list(people)
    allowed = set(ceremony_beneficiaries(ceremony).values_list("pk", flat=True))
    if any(person.pk not in allowed for person in people):
        raise ValidationError({"people": _("Choose beneficiaries of this ceremony only.")}, code="other")
    refused = sorted(
        person.full_name for person in people
        if not ImageConsent.objects.filter(beneficiary=person, granted=True).exists()
    )
    if refused:
        raise ValidationError({"people": _(
            "No image-rights consent from %(names)s: a photo showing them cannot be kept. "
            "Record their signed consent first, or choose another photo."
        ) % {"names": ", ".join(refused)}}, code="no_consent")
    try:
        content_type = validate_document(image)
    except ValidationError as error:
        raise ValidationError({"image": error.messages}) from None
    if content_type not in ("image/jpeg", "image/png"):
        raise ValidationError({"image": _("A photo must be a JPEG or PNG image.")}, code="bad_type")
    photo = CeremonyPhoto(
        ceremony=ceremony, content_type=content_type, caption=caption.strip(), uploaded_by=user
    )
    photo.image.save("photo", image, save=False)
    photo.save()
    photo.people.set(people)
    return photo


# --- image rights -----------------------------------------------------------------------

@transaction.atomic
def record_image_consent(*, beneficiary, user, granted: bool, signed_on, signed_form=None) -> ImageConsent:
    """Record a beneficiary's answer, signed, to being photographed and named in the press.
    A consent given needs its signed form; a refusal or a withdrawal is recorded as such,
    and from then on every photo showing them is left out (`CeremonyPhoto.publishable`)."""
    _ensure_may_manage(user, prefecture=beneficiary.prefecture)
    consent = (
        ImageConsent.objects.select_for_update().filter(beneficiary=beneficiary).first()
        or ImageConsent(beneficiary=beneficiary)
    )
    errors: dict[str, list[str]] = {}
    if signed_on is None:
        errors["signed_on"] = [_("Enter the date the form was signed.")]
    elif signed_on > timezone.localdate():
        errors["signed_on"] = [_("The form cannot be signed on a future date.")]
    content_type = None
    if signed_form:
        try:
            content_type = validate_document(signed_form)
        except ValidationError as error:
            errors["signed_form"] = error.messages
    elif granted and not consent.signed_form:
        errors["signed_form"] = [_("Upload the signed consent form: a consent is given in writing.")]
    if errors:
        raise ValidationError(errors)
    if content_type:
        if consent.signed_form:
            delete_files_on_commit([consent.signed_form])
        consent.signed_form_content_type = content_type
        consent.signed_form.save("consent", signed_form, save=False)
    consent.granted = granted
    consent.signed_on = signed_on
    consent.recorded_by = user
    consent.save()
    return consent


# --- the press --------------------------------------------------------------------------

@transaction.atomic
def save_press_release(*, ceremony: Ceremony, user, text_fr: str, text_ar: str) -> PressRelease:
    """Keep the press release as staff edited it (the draft comes from `press.draft`)."""
    _ensure_may_manage(user, ceremony)
    text_fr, text_ar = (text_fr or "").strip(), (text_ar or "").strip()
    errors = {}
    if not text_fr:
        errors["text_fr"] = [_("Write the French text of the press release.")]
    if not text_ar:
        errors["text_ar"] = [_("Write the Arabic text of the press release.")]
    if errors:
        raise ValidationError(errors)
    release = (
        PressRelease.objects.select_for_update().filter(ceremony=ceremony).first()
        or PressRelease(ceremony=ceremony)
    )
    release.text_fr, release.text_ar, release.updated_by = text_fr, text_ar, user
    release.save()
    return release


@transaction.atomic
def add_press_coverage(*, ceremony: Ceremony, user, outlet: str, published_on,
                       url: str = "") -> PressCoverage:
    _ensure_may_manage(user, ceremony)
    coverage = PressCoverage(
        ceremony=ceremony, outlet=" ".join((outlet or "").split()), published_on=published_on,
        url=(url or "").strip(), recorded_by=user,
    )
    if published_on and published_on < ceremony.held_on:
        raise ValidationError(
            {"published_on": _("Coverage of the ceremony cannot be published before %(date)s.")
             % {"date": format_date(ceremony.held_on)}}
        )
    coverage.full_clean()
    coverage.save()
    return coverage
