import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reintegration.accounts.scope import scope_filter
from reintegration.common.collation import FRENCH, LocalisedOrder, is_arabic
from reintegration.common.links import uuid_url
from reintegration.common.uploads import UploadCheck
from reintegration.common.validators import (
    validate_arabic_name,
    validate_arabic_text,
    validate_cin,
    validate_latin_name,
    validate_phone,
)
from reintegration.territories.models import Prefecture


class PenitentiaryEstablishment(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_ar = models.CharField(
        _("name (Arabic)"), max_length=200, blank=True, validators=[validate_arabic_text],
        help_text=_("Shown on the Arabic pages and documents."),
    )
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="establishments",
        verbose_name=_("prefecture or province"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = [LocalisedOrder("name", "name_ar")]
        verbose_name = _("penitentiary establishment")
        verbose_name_plural = _("penitentiary establishments")
        constraints = [
            models.UniqueConstraint(fields=["name", "prefecture"], name="unique_establishment_name"),
        ]

    def __str__(self) -> str:
        """The Arabic name on an Arabic page, when the establishment has one."""
        if self.name_ar and is_arabic():
            return self.name_ar
        return self.name


class BeneficiaryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "prefecture")

    def incomplete(self, today: date | None = None):
        """Registered files that lack the consent (a minor's guardian's too) or one of the
        REQUIRED_DOCUMENTS: what stands between them and eligibility that staff can fetch
        (`beneficiaries.services.eligibility_problems` states every rule)."""
        today = today or timezone.localdate()
        try:
            adult_since = today.replace(year=today.year - 18)
        except ValueError:  # 29 February
            adult_since = today.replace(year=today.year - 18, day=28)
        missing = Q(consent_signed_on__isnull=True) | Q(
            birth_date__gt=adult_since, guardian_consent_signed_on__isnull=True
        )
        for kind in REQUIRED_DOCUMENTS:
            missing |= ~models.Exists(
                BeneficiaryDocument.objects.filter(beneficiary=models.OuterRef("pk"), kind=kind)
            )
        return self.filter(missing, status=Beneficiary.Status.REGISTERED)


class Beneficiary(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class EducationLevel(models.TextChoices):
        NONE = "none", _("No schooling")
        PRIMARY = "primary", _("Primary")
        MIDDLE = "middle", _("Middle school")
        SECONDARY = "secondary", _("Secondary")
        VOCATIONAL = "vocational", _("Vocational training")
        HIGHER = "higher", _("Higher education")

    class FamilyStatus(models.TextChoices):
        SINGLE = "single", _("Single")
        MARRIED = "married", _("Married")
        DIVORCED = "divorced", _("Divorced")
        WIDOWED = "widowed", _("Widowed")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ELIGIBLE = "eligible", _("Eligible")
        IN_PROGRAMME = "in_programme", _("In programme")
        FOLLOWED_UP = "followed_up", _("Followed up")
        CLOSED = "closed", _("Closed")
        INELIGIBLE = "ineligible", _("Ineligible")

    # The colours of `{% status_badge %}` (reintegration/common/templatetags/badges.py);
    # closed and ineligible files are grey.
    STATUS_BADGES = {
        Status.REGISTERED: "text-bg-light border",
        Status.ELIGIBLE: "text-bg-info",
        Status.IN_PROGRAMME: "text-bg-success",
        Status.FOLLOWED_UP: "text-bg-success",
    }

    # The only identifier that ever appears in a URL.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file_number = models.CharField(_("file number"), max_length=20, unique=True, editable=False)

    # French collation on the columns themselves: the list's order by name (and its index)
    # puts "Élise" among the E, not after "Zineb" (reintegration/common/collation.py).
    first_name = models.CharField(
        _("first name"), max_length=100, validators=[validate_latin_name], db_collation=FRENCH
    )
    last_name = models.CharField(
        _("last name"), max_length=100, validators=[validate_latin_name], db_collation=FRENCH
    )
    first_name_ar = models.CharField(
        _("first name (Arabic)"), max_length=100, blank=True, validators=[validate_arabic_name]
    )
    last_name_ar = models.CharField(
        _("last name (Arabic)"), max_length=100, blank=True, validators=[validate_arabic_name]
    )
    cin = models.CharField(
        _("national ID number (CIN)"), max_length=10, blank=True, validators=[validate_cin],
        help_text=_("One or two letters followed by digits, e.g. AB123456."),
    )
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = models.CharField(
        _("phone"), max_length=16, blank=True, validators=[validate_phone],
        help_text=_("Stored as +212XXXXXXXXX."),
    )
    address = models.TextField(_("address"), blank=True)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="beneficiaries",
        verbose_name=_("prefecture or province of residence"),
    )

    education_level = models.CharField(
        _("education level"), max_length=12, choices=EducationLevel.choices, blank=True
    )
    family_status = models.CharField(
        _("family status"), max_length=10, choices=FamilyStatus.choices, blank=True
    )
    dependents = models.PositiveSmallIntegerField(_("dependents"), default=0)

    # Law 09-08 data minimisation: that the person was detained, where and until when;
    # never the offence, the sentence or the court file.
    establishment = models.ForeignKey(
        PenitentiaryEstablishment, on_delete=models.PROTECT, null=True, blank=True,
        related_name="beneficiaries", verbose_name=_("establishment"),
    )
    release_date = models.DateField(_("release date"), null=True, blank=True)
    detention_months = models.PositiveSmallIntegerField(
        _("months of detention"), null=True, blank=True
    )
    prison_training = models.TextField(_("vocational training received in detention"), blank=True)
    skills = models.TextField(_("skills"), blank=True)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED
    )
    consent_signed_on = models.DateField(
        _("data-processing consent signed on"), null=True, blank=True
    )
    guardian_name = models.CharField(_("guardian's name"), max_length=200, blank=True)
    guardian_consent_signed_on = models.DateField(
        _("guardian's consent signed on"), null=True, blank=True
    )

    # When the file was last closed (services.close_file; cleared when reopened): the
    # retention period runs from it, whatever is edited afterwards.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # A status move's reason is its history record's change reason: kept whole (text).
    history = HistoricalRecords(
        excluded_fields=["updated_at"], history_change_reason_field=models.TextField(null=True)
    )
    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        constraints = [
            models.UniqueConstraint(
                fields=["cin"], condition=~Q(cin=""), name="unique_beneficiary_cin",
                violation_error_message=_("This national ID number is already registered."),
            ),
            models.CheckConstraint(
                condition=Q(release_date__isnull=True) | Q(release_date__gt=models.F("birth_date")),
                name="beneficiary_release_after_birth",
            ),
        ]
        indexes = [
            models.Index(fields=["prefecture", "status"]),
            models.Index(fields=["status"]),
            models.Index(fields=["release_date"]),
            # The list's order; with the id, a deep page skips its rows in the index alone
            # (an index-only scan, reintegration/common/pagination.py).
            models.Index(fields=["last_name", "first_name", "id"], name="beneficiary_name_order"),
            models.Index(fields=["-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.file_number})"

    def get_absolute_url(self) -> str:
        return uuid_url("beneficiaries:detail", self.public_id)  # once per row of the list

    def clean(self):
        """Dates that make sense, and a guardian for a minor (forms, admin and services)."""
        errors = {}
        today = timezone.localdate()
        if self.birth_date and self.birth_date > today:
            errors["birth_date"] = _("The date of birth cannot be in the future.")
        if self.release_date:
            if self.release_date > today:
                errors["release_date"] = _("The release date cannot be in the future.")
            elif self.birth_date and self.release_date <= self.birth_date:
                errors["release_date"] = _("The release date must come after the date of birth.")
        for name in ("consent_signed_on", "guardian_consent_signed_on"):
            if getattr(self, name) and getattr(self, name) > today:
                errors[name] = _("This date cannot be in the future.")
        if self.birth_date and self.birth_date <= today and self.is_minor:
            if not self.guardian_name.strip():
                errors["guardian_name"] = _("This person is a minor: enter the guardian's name.")
            if not self.guardian_consent_signed_on:
                errors["guardian_consent_signed_on"] = _(
                    "This person is a minor: enter the date the guardian signed the consent."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name_ar(self) -> str:
        return f"{self.first_name_ar} {self.last_name_ar}".strip()

    @property
    def masked_cin(self) -> str:
        """`AB123456` -> `AB****56`: enough to tell two files apart, not to copy."""
        return mask_cin(self.cin)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def is_minor(self) -> bool:
        return self.age_on(timezone.localdate()) < 18

    @property
    def has_consent(self) -> bool:
        if self.consent_signed_on is None:
            return False
        return not self.is_minor or self.guardian_consent_signed_on is not None


def mask_cin(cin: str) -> str:
    if not cin:
        return ""
    letters = len(cin) - len(cin.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return cin[:letters] + "*" * max(len(cin) - letters - 2, 0) + cin[-2:]


def document_upload_to(instance, filename: str) -> str:
    # The stored name is chosen by the app: never the user's file name.
    return f"documents/{uuid.uuid4().hex}{instance.extension}"


class BeneficiaryDocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "beneficiary__prefecture")


class BeneficiaryDocument(models.Model):
    class Kind(models.TextChoices):
        ID_COPY = "id_copy", _("Copy of the national ID")
        RELEASE_CERTIFICATE = "release_certificate", _("Release certificate")
        CONSENT_FORM = "consent_form", _("Signed consent form")
        PHOTO = "photo", _("Photo")
        OTHER = "other", _("Other")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="documents",
        verbose_name=_("beneficiary"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=document_upload_to, validators=[UploadCheck()])
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=50, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
        related_name="+", verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = BeneficiaryDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.beneficiary.file_number}"

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )


# The documents a file needs before it is found eligible (beneficiaries.services).
REQUIRED_DOCUMENTS = (BeneficiaryDocument.Kind.ID_COPY, BeneficiaryDocument.Kind.RELEASE_CERTIFICATE)
