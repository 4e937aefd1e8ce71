import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from beneficiaries.models import Beneficiary, mask_cin
from grants.models import Convention, EquipmentItem, Project, line_cost
from procurement.models import Disbursement
from reintegration.accounts.scope import scope_filter
from reintegration.common.dates import format_date
from reintegration.common.uploads import IMAGE_TYPES, UploadCheck
from reintegration.common.validators import validate_arabic_text, validate_cin
from reintegration.territories.models import Prefecture


class CeremonyQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "prefecture")

    def planned(self):
        return self.filter(status=Ceremony.Status.PLANNED)

    def with_figures(self):
        """Annotate `project_count` and `equipment_value` (the equipment of its projects),
        each by a subquery so the two never multiply each other.

        Both read the ceremony's rows of the projects' link table, never the projects'
        table (each row's project exists: a foreign key), and the lines from the index
        `equipment_project_ledger`, each at what it cost its convention (`line_cost()`)."""
        money = models.DecimalField(max_digits=14, decimal_places=2)
        link = Ceremony.projects.through
        links = link.objects.filter(ceremony=OuterRef("pk")).order_by().values("ceremony")
        lines = (
            EquipmentItem.objects.filter(
                project__in=link.objects.filter(ceremony=OuterRef(OuterRef("pk"))).values("project")
            )
            .order_by().annotate(_group=Value(1)).values("_group")
            .annotate(total=Sum(line_cost(), output_field=money))
            .values("total")
        )
        return self.annotate(
            project_count=Coalesce(
                Subquery(links.annotate(n=Count("pk")).values("n"), output_field=models.IntegerField()),
                0,
            ),
            equipment_value=Coalesce(Subquery(lines, output_field=money), Value(Decimal("0.00")),
                                     output_field=money),
        )


def bundle_pdf_upload_to(instance, filename: str) -> str:
    return f"ceremonies/bundles/{uuid.uuid4().hex}.pdf"


class Ceremony(models.Model):
    class Status(models.TextChoices):
        # "Prévue" in French, beside the equipment's "Prévu": the same English word.
        PLANNED = "planned", pgettext_lazy("ceremony status", "Planned")
        HELD = "held", _("Held")

    # The colours of `{% status_badge %}` (reintegration/common/templatetags/badges.py).
    STATUS_BADGES = {Status.PLANNED: "text-bg-light border", Status.HELD: "text-bg-success"}

    title = models.CharField(_("title"), max_length=255)
    title_ar = models.CharField(
        _("title (Arabic)"), max_length=255, blank=True, validators=[validate_arabic_text],
        help_text=_("Printed in the Arabic half of the documents; the French title otherwise."),
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=255)
    place_ar = models.CharField(_("place (Arabic)"), max_length=255, blank=True)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="ceremonies",
        verbose_name=_("prefecture or province"),
    )
    presided_by = models.CharField(_("presided by"), max_length=200)
    presided_by_title = models.CharField(_("title of the person presiding"), max_length=200)
    # The Arabic half of the certificates; the French is printed when these are empty.
    presided_by_ar = models.CharField(_("presided by (Arabic)"), max_length=200, blank=True)
    presided_by_title_ar = models.CharField(
        _("title of the person presiding (Arabic)"), max_length=200, blank=True
    )
    convention = models.ForeignKey(
        Convention, on_delete=models.PROTECT, null=True, blank=True,
        related_name="ceremonies", verbose_name=_("convention"),
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    projects = models.ManyToManyField(
        Project, blank=True, related_name="ceremonies", verbose_name=_("projects"),
        help_text=_("Projects whose equipment will be handed over at the ceremony."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The bundle (minutes and certificates) as first built once held; rebuilt from the
    # stored certificates after a revocation (ceremonies.documents).
    bundle_pdf = models.FileField(
        _("bundle (PDF)"), upload_to=bundle_pdf_upload_to, blank=True, editable=False
    )

    # Stored PDFs are renderings of the rows, not changes to them.
    history = HistoricalRecords(m2m_fields=[projects], excluded_fields=["bundle_pdf"])
    objects = CeremonyQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("ceremony")
        verbose_name_plural = _("ceremonies")
        indexes = [
            models.Index(fields=["prefecture", "-held_on"]),
            # The national list, newest first: its first page read from the index, no sort.
            models.Index(fields=["-held_on", "-id"], name="ceremony_held_on_desc"),
        ]

    def __str__(self) -> str:
        if self.held_on is None:  # a ceremony being created (the admin's add page)
            return self.title
        return f"{self.title} ({format_date(self.held_on)})"

    def get_absolute_url(self) -> str:
        return reverse("ceremonies:detail", args=[self.pk])


class GuestQuerySet(models.QuerySet):
    def in_protocol_order(self):
        """By order of precedence (the category's, then the rank within it), as the minutes
        and the attendance sheet list them."""
        precedence = models.Case(
            *(models.When(category=category, then=Value(position))
              for position, category in enumerate(Guest.Category)),
            default=Value(len(Guest.Category)), output_field=models.IntegerField(),
        )
        return self.annotate(precedence=precedence).order_by("precedence", "rank", "pk")


class Guest(models.Model):
    class Category(models.TextChoices):
        # In order of precedence, as the press release of the Témara ceremony of
        # 6 December 2024 lists those present; the minutes follow this order.
        PRESIDING_AUTHORITY = "presiding_authority", _("Presiding authority")
        LOCAL_AUTHORITY = "local_authority", _("Local authority")
        MAGISTRATURE = "magistrature", _("Magistrature")
        ELECTED_OFFICIAL = "elected_official", _("Elected officials")
        NOTABLE = "notable", _("Notables")
        EXTERNAL_SERVICE = "external_service", _("Heads of external services")
        CIVIL_MILITARY_FIGURE = "civil_military_figure", _("Civil and military figures")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        PARTNER = "partner", _("Partners")
        PRESS = "press", _("Press")
        OTHER = "other", _("Other")

    class Attendance(models.TextChoices):
        INVITED = "invited", _("Invited")
        CONFIRMED = "confirmed", _("Confirmed")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")

    ceremony = models.ForeignKey(
        Ceremony, on_delete=models.CASCADE, related_name="guests", verbose_name=_("ceremony")
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    category = models.CharField(
        _("category"), max_length=30, choices=Category.choices, default=Category.OTHER
    )
    rank = models.PositiveSmallIntegerField(
        _("rank in its category"), default=0,
        help_text=_("Guests of one category are listed by this number, smallest first."),
    )
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.INVITED
    )

    history = HistoricalRecords()
    objects = GuestQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("guest")
        verbose_name_plural = _("guests")

    def __str__(self) -> str:
        return self.name


def new_verification_token() -> str:
    # Random and unguessable: never derived from the certificate number.
    return secrets.token_urlsafe(24)


def signed_copy_upload_to(instance, filename: str) -> str:
    return f"certificates/{uuid.uuid4().hex}{instance.signed_copy_extension}"


def certificate_pdf_upload_to(instance, filename: str) -> str:
    return f"certificates/issued/{uuid.uuid4().hex}.pdf"


def power_of_attorney_upload_to(instance, filename: str) -> str:
    extension = {"image/jpeg": ".jpg", "image/png": ".png"}.get(instance.proxy_document_content_type, ".pdf")
    return f"ceremonies/proxies/{uuid.uuid4().hex}{extension}"


class AttendanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "ceremony__prefecture")


class Attendance(models.Model):
    """Whether a beneficiary on a ceremony came to receive the equipment, sent a proxy, or
    was absent. Recorded on the day, before the ceremony is marked held: an absent
    beneficiary gets no certificate and their project waits for a later ceremony; this row
    keeps the absence on record."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        REPRESENTED = "represented", _("Represented by a proxy")
        ABSENT = "absent", _("Absent")

    ceremony = models.ForeignKey(
        Ceremony, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("ceremony")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="ceremony_attendances",
        verbose_name=_("project"),
    )
    status = models.CharField(
        _("attendance"), max_length=12, choices=Status.choices, default=Status.PRESENT
    )
    proxy_name = models.CharField(_("proxy's name"), max_length=200, blank=True)
    proxy_cin = models.CharField(
        _("proxy's national ID number (CIN)"), max_length=10, blank=True, validators=[validate_cin]
    )
    proxy_document = models.FileField(
        _("power of attorney"), upload_to=power_of_attorney_upload_to, blank=True,
        validators=[UploadCheck()],
    )
    proxy_document_content_type = models.CharField(max_length=50, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )
    # The cash grant handed on the day (a cheque, or a transfer's reference): paid when the
    # ceremony is held, through the ledger's rules (grants' record_disbursement).
    cash_method = models.CharField(
        _("cash grant handed on the day"), max_length=10, blank=True,
        choices=Disbursement.Method.choices,
    )
    cash_reference = models.CharField(_("cheque number or transfer reference"), max_length=50, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    history = HistoricalRecords()
    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["ceremony", "project"]
        verbose_name = _("beneficiary's attendance")
        verbose_name_plural = _("beneficiaries' attendance")
        constraints = [
            models.UniqueConstraint(fields=["ceremony", "project"], name="one_attendance_per_project"),
            # A proxy has a name and an ID; nobody else's details are kept.
            models.CheckConstraint(
                condition=(
                    Q(status="represented") & ~Q(proxy_name="") & ~Q(proxy_cin="")
                ) | (~Q(status="represented") & Q(proxy_name="", proxy_cin="")),
                name="attendance_proxy_details_when_represented",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} — {self.get_status_display()}"

    @property
    def masked_proxy_cin(self) -> str:
        return mask_cin(self.proxy_cin)


class HandoverQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "ceremony__prefecture")

    def valid(self):
        return self.filter(revoked_at__isnull=True)

    def with_cash_paid(self):
        """Annotate `cash_paid`: what the project's cash grant was paid so far, None before
        its first payment."""
        paid = (
            Disbursement.objects.filter(project=OuterRef("project")).order_by()
            .values("project").annotate(total=Sum("amount")).values("total")
        )
        return self.annotate(
            cash_paid=Subquery(paid, output_field=models.DecimalField(max_digits=14, decimal_places=2))
        )


class Handover(models.Model):
    ceremony = models.ForeignKey(
        Ceremony, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("ceremony")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("project")
    )
    certificate_number = models.CharField(
        _("certificate number"), max_length=20, unique=True, editable=False
    )
    verification_token = models.CharField(
        max_length=64, unique=True, default=new_verification_token, editable=False
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    # The equipment as it stood when the certificate was issued: a list of
    # {designation, designation_ar, quantity, unit_price, total, serial_number}, amounts as
    # strings (certificates issued before the Arabic designations have no designation_ar).
    items = models.JSONField(_("items handed over"), default=list, editable=False)
    cash_grant = models.DecimalField(
        _("cash grant (DH)"), max_digits=12, decimal_places=2, default=Decimal("0.00"),
        editable=False,
    )
    signed_copy = models.FileField(
        _("signed copy"), upload_to=signed_copy_upload_to, blank=True, validators=[UploadCheck()]
    )
    signed_copy_content_type = models.CharField(max_length=50, blank=True, editable=False)
    # The certificate as rendered when the ceremony was held (ceremonies.documents): served
    # as is by the certificate's page and put in the bundle; empty once revoked.
    certificate_pdf = models.FileField(
        _("certificate (PDF)"), upload_to=certificate_pdf_upload_to, blank=True, editable=False
    )
    # Who received the equipment (the beneficiary, or their proxy); empty on certificates
    # issued before attendance was recorded, which the beneficiaries received themselves.
    attendance = models.OneToOneField(
        Attendance, on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="handover", verbose_name=_("attendance"),
    )
    # The payment of the cash grant handed at the ceremony, printed on the certificate.
    disbursement = models.OneToOneField(
        Disbursement, on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="handover", verbose_name=_("cash grant paid on the day"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("revoked by"),
    )

    # The stored PDF is a rendering of the row, not a change to it.
    history = HistoricalRecords(excluded_fields=["certificate_pdf"])
    objects = HandoverQuerySet.as_manager()

    class Meta:
        ordering = ["certificate_number"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            # One valid certificate per project; a revoked one may be replaced.
            models.UniqueConstraint(
                fields=["project"], condition=Q(revoked_at__isnull=True),
                name="one_valid_handover_per_project",
            ),
            models.CheckConstraint(
                condition=Q(cash_grant__gte=0), name="handover_cash_grant_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.certificate_number

    def get_absolute_url(self) -> str:
        return reverse("ceremonies:detail", args=[self.ceremony_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def value(self) -> Decimal:
        """What the equipment handed over was worth, from the snapshot of the lines."""
        return sum((Decimal(item["total"]) for item in self.items), Decimal("0.00"))

    @property
    def signed_copy_extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.signed_copy_content_type, ""
        )


def consent_form_upload_to(instance, filename: str) -> str:
    extension = {"image/jpeg": ".jpg", "image/png": ".png"}.get(instance.signed_form_content_type, ".pdf")
    return f"ceremonies/image-consents/{uuid.uuid4().hex}{extension}"


class ImageConsentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "beneficiary__prefecture")


class ImageConsent(models.Model):
    """Whether a beneficiary agreed, in a signed form, to be photographed at a ceremony and
    named in the press. Former detainees at a press-covered event: without a consent
    recorded as given, no photo showing them is kept or shown, and the press release does
    not name them."""

    beneficiary = models.OneToOneField(
        Beneficiary, on_delete=models.CASCADE, related_name="image_consent",
        verbose_name=_("beneficiary"),
    )
    granted = models.BooleanField(
        _("agrees to be photographed and named in the press"), default=False
    )
    signed_on = models.DateField(_("signed on"))
    signed_form = models.FileField(
        _("signed form"), upload_to=consent_form_upload_to, blank=True, validators=[UploadCheck()]
    )
    signed_form_content_type = models.CharField(max_length=50, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    history = HistoricalRecords()
    objects = ImageConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("image-rights consent")
        verbose_name_plural = _("image-rights consents")

    def __str__(self) -> str:
        return f"{self.beneficiary} — {_('yes') if self.granted else _('no')}"


def photo_upload_to(instance, filename: str) -> str:
    extension = ".png" if instance.content_type == "image/png" else ".jpg"
    return f"ceremonies/{uuid.uuid4().hex}{extension}"


class CeremonyPhotoQuerySet(models.QuerySet):
    def publishable(self):
        """The photos that show no beneficiary without an image-rights consent given (also
        one withdrawn after the upload)."""
        people = CeremonyPhoto.people.through.objects.filter(ceremonyphoto=OuterRef("pk"))
        return self.exclude(
            models.Exists(people.exclude(beneficiary__image_consent__granted=True))
        )


class CeremonyPhoto(models.Model):
    ceremony = models.ForeignKey(
        Ceremony, on_delete=models.CASCADE, related_name="photos", verbose_name=_("ceremony")
    )
    image = models.ImageField(_("photo"), upload_to=photo_upload_to, validators=[UploadCheck(IMAGE_TYPES)])
    content_type = models.CharField(max_length=50, blank=True, editable=False)
    caption = models.CharField(_("caption"), max_length=255, blank=True)
    people = models.ManyToManyField(
        Beneficiary, blank=True, related_name="ceremony_photos", verbose_name=_("beneficiaries shown"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[people])
    objects = CeremonyPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.caption or f"{self.ceremony} #{self.pk}"


class PressRelease(models.Model):
    """The ceremony's press release, in French and Arabic: drafted from the ceremony's
    facts (`ceremonies.press.draft`), edited by staff, downloaded as PDF or Word."""

    ceremony = models.OneToOneField(
        Ceremony, on_delete=models.CASCADE, related_name="press_release", verbose_name=_("ceremony")
    )
    text_fr = models.TextField(_("text (French)"))
    text_ar = models.TextField(_("text (Arabic)"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("press release")
        verbose_name_plural = _("press releases")

    def __str__(self) -> str:
        return str(self.ceremony)


class PressCoverage(models.Model):
    """An article, report or broadcast about the ceremony."""

    ceremony = models.ForeignKey(
        Ceremony, on_delete=models.CASCADE, related_name="press_coverage", verbose_name=_("ceremony")
    )
    outlet = models.CharField(_("outlet"), max_length=200)
    published_on = models.DateField(_("published on"))
    url = models.URLField(_("link"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["published_on", "pk"]
        verbose_name = _("press coverage")
        verbose_name_plural = _("press coverage")

    def __str__(self) -> str:
        return f"{self.outlet} ({format_date(self.published_on)})"
