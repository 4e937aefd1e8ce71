"""What happens around a beneficiary's file once they are in the programme: their
grievances, their referrals to partner services, and the transfers of their file from
one prefecture to another.

Every row belongs to one beneficiary and is seen by whoever may see that file
(`visible_to`), except a transfer, which the staff of both prefectures see (what each
side may read of the file is decided in the views: the file itself stays behind its own
scope until the transfer is accepted).
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.models import Beneficiary
from reintegration.accounts.scope import scope_filter
from reintegration.common.links import uuid_url
from reintegration.territories.models import Prefecture

# --- grievances -----------------------------------------------------------------------


class GrievanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "beneficiary__prefecture")

    def unresolved(self):
        return self.exclude(status=Grievance.Status.RESOLVED)

    def overdue(self, today: datetime.date | None = None):
        """Not resolved and past their deadline."""
        return self.unresolved().filter(due_on__lt=today or timezone.localdate())


class Grievance(models.Model):
    """A complaint or feedback raised by a beneficiary, through staff or by SMS reply."""

    class Category(models.TextChoices):
        EQUIPMENT_DEFECTIVE = "equipment_defective", _("Equipment defective")
        EQUIPMENT_MISSING = "equipment_missing", _("Equipment missing")
        SUPPLIER = "supplier", _("Problem with a supplier")
        STAFF_TREATMENT = "staff_treatment", _("Treatment by staff")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        STAFF = "staff", _("Through staff")
        SMS = "sms", _("SMS reply")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")

    # Days to answer, from the day the ticket is raised: missing equipment and a
    # complaint about staff are answered first (the business or the trust is at stake).
    DEADLINE_DAYS = {
        Category.EQUIPMENT_DEFECTIVE: 15,
        Category.EQUIPMENT_MISSING: 7,
        Category.SUPPLIER: 15,
        Category.STAFF_TREATMENT: 7,
        Category.OTHER: 30,
    }

    STATUS_BADGES = {
        Status.OPEN: "text-bg-warning",
        Status.IN_PROGRESS: "text-bg-info",
        Status.RESOLVED: "text-bg-success",
    }

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="grievances",
        verbose_name=_("beneficiary"),
    )
    project = models.ForeignKey(
        "grants.Project", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="grievances", verbose_name=_("project"),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    channel = models.CharField(
        _("raised"), max_length=5, choices=Channel.choices, default=Channel.STAFF
    )
    description = models.TextField(_("description"))
    raised_on = models.DateField(_("raised on"), default=timezone.localdate)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("recorded by"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="owned_grievances", verbose_name=_("owner"),
    )
    due_on = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("resolved by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = GrievanceQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | (~Q(resolution="") & Q(resolved_at__isnull=False)),
                name="grievance_resolved_has_resolution",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("raised_on")), name="grievance_due_after_raised"
            ),
        ]
        indexes = [
            # The overdue count (dashboard, inbox): the unresolved tickets only.
            models.Index(fields=["due_on"], condition=~Q(status="resolved"), name="grievance_unresolved_due"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.get_category_display()}"

    def get_absolute_url(self) -> str:
        return uuid_url("cases:grievance_detail", self.public_id)

    @classmethod
    def default_due_on(cls, category: str, raised_on: datetime.date) -> datetime.date:
        return raised_on + datetime.timedelta(days=cls.DEADLINE_DAYS[cls.Category(category)])

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.RESOLVED and self.due_on < timezone.localdate()


# --- referrals ------------------------------------------------------------------------


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "beneficiary__prefecture")


class Referral(models.Model):
    """A beneficiary sent to a partner service, and what came of it (recorded later)."""

    class Service(models.TextChoices):
        ANAPEC = "anapec", _("ANAPEC (employment)")
        OFPPT = "ofppt", _("OFPPT (vocational training)")
        ENTRAIDE = "entraide", _("Entraide Nationale")
        HEALTH = "health", _("Health")
        HOUSING = "housing", _("Housing")
        LEGAL_AID = "legal_aid", _("Legal aid")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Awaiting the outcome")
        OBTAINED = "obtained", _("Service obtained")
        REFUSED = "refused", _("Refused by the partner")
        NOT_PURSUED = "not_pursued", _("Not pursued by the beneficiary")

    OUTCOME_BADGES = {
        Outcome.PENDING: "text-bg-light border",
        Outcome.OBTAINED: "text-bg-success",
        Outcome.REFUSED: "text-bg-danger",
        Outcome.NOT_PURSUED: "text-bg-secondary",
    }

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="referrals",
        verbose_name=_("beneficiary"),
    )
    service = models.CharField(_("partner service"), max_length=10, choices=Service.choices)
    partner_name = models.CharField(
        _("partner"), max_length=200, blank=True,
        help_text=_("The agency or organisation, e.g. ANAPEC Témara."),
    )
    reason = models.TextField(_("reason"))
    referred_on = models.DateField(_("referred on"), default=timezone.localdate)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("referred by"),
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_notes = models.TextField(_("notes on the outcome"), blank=True)
    outcome_on = models.DateField(_("outcome known on"), null=True, blank=True)
    outcome_recorded_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("outcome recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_on", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(outcome_on__isnull=False),
                name="referral_outcome_has_date",
            ),
            models.CheckConstraint(
                condition=Q(outcome_on__isnull=True) | Q(outcome_on__gte=models.F("referred_on")),
                name="referral_outcome_after_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()} — {self.referred_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return uuid_url("cases:referral_detail", self.public_id)


# --- transfers between prefectures ------------------------------------------------------


class FileTransferQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Seen by both sides: the prefecture that holds (or held) the file and the one
        that asked for it."""
        return scope_filter(self, user, "from_prefecture") | scope_filter(self, user, "to_prefecture")

    def pending(self):
        return self.filter(status=FileTransfer.Status.PENDING)


class FileTransfer(models.Model):
    """A request, by the staff of the prefecture where a released person now lives, to
    take over their file; accepted or refused by the staff of the file's prefecture."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    STATUS_BADGES = {
        Status.PENDING: "text-bg-warning",
        Status.ACCEPTED: "text-bg-success",
        Status.REFUSED: "text-bg-danger",
    }

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="transfers",
        verbose_name=_("beneficiary"),
    )
    from_prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="transfers_out",
        verbose_name=_("from prefecture or province"),
    )
    to_prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, related_name="transfers_in",
        verbose_name=_("to prefecture or province"),
    )
    reason = models.TextField(_("reason for the request"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("answered by"),
    )
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)

    history = HistoricalRecords()
    objects = FileTransferQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("file transfer")
        verbose_name_plural = _("file transfers")
        constraints = [
            # One request at a time per file: a second would be answered against a file
            # that may already have moved.
            models.UniqueConstraint(
                fields=["beneficiary"], condition=Q(status="pending"),
                name="one_pending_transfer_per_file",
                violation_error_message=_("A transfer of this file is already pending."),
            ),
            models.CheckConstraint(
                condition=~Q(from_prefecture=models.F("to_prefecture")),
                name="transfer_between_two_prefectures",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="transfer_answered_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_prefecture} → {self.to_prefecture} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return uuid_url("cases:transfer_detail", self.public_id)


# --- SMS --------------------------------------------------------------------------------


class ContactPreferenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "beneficiary__prefecture")


class ContactPreference(models.Model):
    """Whether and in which language the person agreed to be contacted by SMS. No row,
    or no consent, or an opt-out: nothing is sent."""

    class Language(models.TextChoices):
        ARABIC = "ar", _("Arabic")
        FRENCH = "fr", _("French")

    beneficiary = models.OneToOneField(
        Beneficiary, on_delete=models.CASCADE, related_name="contact_preference",
        verbose_name=_("beneficiary"),
    )
    language = models.CharField(
        _("language of messages"), max_length=2, choices=Language.choices, default=Language.ARABIC
    )
    sms_consent_on = models.DateField(
        _("agreed to SMS on"), null=True, blank=True,
        help_text=_("The day the person agreed to receive SMS; empty: no SMS is sent."),
    )
    opted_out_at = models.DateTimeField(
        _("opted out at"), null=True, blank=True,
        help_text=_("Set when the person asked to receive no more SMS (a STOP reply)."),
    )

    history = HistoricalRecords()
    objects = ContactPreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")

    def __str__(self) -> str:
        return str(self.beneficiary_id)

    @property
    def may_send(self) -> bool:
        return self.sms_consent_on is not None and self.opted_out_at is None


class SmsMessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "beneficiary__prefecture")


def mask_phone(phone: str) -> str:
    """`+212612345678` -> `+2126******78`: enough to tell two numbers apart in a list."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:5] + "*" * (len(phone) - 7) + phone[-2:]


class SmsMessage(models.Model):
    """Every SMS sent, refused or received: to whom, which template, when, its status."""

    class Template(models.TextChoices):
        CONVOCATION = "convocation", _("Convocation to the ceremony")
        VISIT_REMINDER = "visit_reminder", _("Visit reminder")
        HANDOVER_CHECK = "handover_check", _("Check after the handover")
        REPLY = "reply", _("Reply received")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BLOCKED = "blocked", _("Not sent: no consent or opted out")
        RECEIVED = "received", _("Received")

    STATUS_BADGES = {
        Status.QUEUED: "text-bg-light border",
        Status.SENT: "text-bg-success",
        Status.FAILED: "text-bg-danger",
        Status.BLOCKED: "text-bg-secondary",
        Status.RECEIVED: "text-bg-info",
    }

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="sms_messages",
        verbose_name=_("beneficiary"),
    )
    phone = models.CharField(_("phone"), max_length=16)
    template = models.CharField(_("template"), max_length=20, choices=Template.choices)
    language = models.CharField(_("language"), max_length=2, choices=ContactPreference.Language.choices)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=255, blank=True)
    gateway_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = SmsMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS")

    def __str__(self) -> str:
        return f"{self.get_template_display()} → {self.masked_phone}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)
