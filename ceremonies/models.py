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

from grants.models import Convention, EquipmentItem, Project, line_cost
from procurement.models import Disbursement
from reintegration.accounts.scope import scope_filter
from reintegration.common.dates import format_date
from reintegration.common.uploads import IMAGE_TYPES, UploadCheck
from reintegration.common.validators import validate_arabic_text
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


class Guest(models.Model):
    class Kind(models.TextChoices):
        AUTHORITY = "authority", _("Authority")
        PRESS = "press", _("Press")
        PARTNER = "partner", _("Partner")
        OTHER = "other", _("Other")

    ceremony = models.ForeignKey(
        Ceremony, on_delete=models.CASCADE, related_name="guests", verbose_name=_("ceremony")
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.AUTHORITY)

    history = HistoricalRecords()

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


def photo_upload_to(instance, filename: str) -> str:
    extension = ".png" if instance.content_type == "image/png" else ".jpg"
    return f"ceremonies/{uuid.uuid4().hex}{extension}"


class CeremonyPhoto(models.Model):
    ceremony = models.ForeignKey(
        Ceremony, on_delete=models.CASCADE, related_name="photos", verbose_name=_("ceremony")
    )
    image = models.ImageField(_("photo"), upload_to=photo_upload_to, validators=[UploadCheck(IMAGE_TYPES)])
    content_type = models.CharField(max_length=50, blank=True, editable=False)
    caption = models.CharField(_("caption"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.caption or f"{self.ceremony} #{self.pk}"
