"""Follow-up's rows: the visits to launched businesses, and what they say per project
(`ProjectOutcome`, which the dashboard sums).

Moved out of `grants` without moving their tables: each keeps its `grants_…` table (and
its history's), so an existing database upgrades in place (migration 0001 here, 0021 in
grants). Every write goes through `followup.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, Min, Q, Value
from django.db.models.functions import ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from grants.models import MoneyField, Project, visit_photo_upload_to
from reintegration.accounts.scope import scope_filter
from reintegration.common.uploads import IMAGE_TYPES, UploadCheck

# A business's state at 6, 12 and 24 months after its launch is read from the visits
# made between two months before and three months after each milestone.
MILESTONES = (6, 12, 24)
WINDOW_BEFORE, WINDOW_AFTER = 2, 3


def months_after_launch():
    """Calendar months from the project's launch to the visit (NULL without a launch date)."""
    return (
        (ExtractYear("visited_on") - ExtractYear("project__launched_on")) * 12
        + ExtractMonth("visited_on") - ExtractMonth("project__launched_on")
    )


class FollowUpVisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "project__prefecture")

    def outcome_facts(self):
        """Per project with made visits, one grouped row: what `ProjectOutcome` keeps but
        the latest revenue and jobs (a look-up of one visit each: see `refresh_outcomes`).

        At milestone M a business is *observed* if a visit around M (M − 2 to M + 3
        months after launch) reports on it or a visit up to M + 3 reported it stopped;
        it *stopped* by M if a visit up to M + 3 reported it stopped (or closed), which
        `stopped_after_months`, the earliest such visit's month, answers for every M.
        """
        stopped = Q(activity_status=FollowUpVisit.ActivityStatus.STOPPED) | Q(activity_closed=True)
        facts = {
            "jobs": Value(0),  # the latest visit's, written next by `refresh_outcomes`
            "reincarcerated": GreaterThan(Count("pk", filter=Q(reincarcerated=True)), 0),
            "stopped_after_months": Min("months", filter=stopped),
        }
        for milestone in MILESTONES:
            end = milestone + WINDOW_AFTER
            around = Q(months__gte=milestone - WINDOW_BEFORE, months__lte=end)
            facts[f"observed_{milestone}"] = GreaterThan(
                Count("pk", filter=around | (stopped & Q(months__lte=end))), 0
            )
        return (
            self.filter(visited_on__isnull=False)
            .alias(months=months_after_launch())
            .order_by()
            .values("project")
            .annotate(**facts)
        )

    def pending(self):
        """Planned visits not yet made, of projects still followed up (launched, not ended)."""
        return self.filter(visited_on__isnull=True, project__status=Project.Status.ACTIVE)

    def done(self):
        return self.filter(visited_on__isnull=False)


class FollowUpVisit(models.Model):
    class ActivityStatus(models.TextChoices):
        ACTIVE = "active", _("Active")
        STRUGGLING = "struggling", _("Struggling")
        STOPPED = "stopped", _("Stopped")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="visits", verbose_name=_("project")
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="visits", verbose_name=_("visitor"),
    )
    activity_status = models.CharField(
        _("activity status"), max_length=10, choices=ActivityStatus.choices, blank=True
    )
    monthly_revenue = MoneyField(_("monthly revenue (DH)"), null=True, blank=True)
    jobs_created = models.PositiveSmallIntegerField(_("jobs created"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    next_visit_on = models.DateField(_("next visit on"), null=True, blank=True)
    photo = models.ImageField(
        _("photo"), upload_to=visit_photo_upload_to, blank=True, validators=[UploadCheck(IMAGE_TYPES)]
    )
    equipment_missing = models.BooleanField(_("equipment sold or missing"), default=False)
    activity_closed = models.BooleanField(_("activity closed"), default=False)
    reincarcerated = models.BooleanField(_("beneficiary re-incarcerated"), default=False)
    beneficiary_unreachable = models.BooleanField(
        _("beneficiary unreachable"), default=False, db_default=False
    )

    history = HistoricalRecords(table_name="grants_historicalfollowupvisit")
    objects = FollowUpVisitQuerySet.as_manager()

    class Meta:
        db_table = "grants_followupvisit"
        ordering = ["due_on", "visited_on"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_revenue__isnull=True) | Q(monthly_revenue__gte=0),
                name="visit_revenue_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["due_on", "visited_on"]),
            # Visits still to make (lists, dashboard): a small part of the table.
            models.Index(fields=["due_on"], condition=Q(visited_on__isnull=True), name="visit_pending_due"),
            # A project's latest visit (outcomes, project page) without a sort.
            models.Index(fields=["project", "-visited_on"], name="visit_project_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.project.reference} — {self.visited_on or self.due_on}"

    def risk_kinds(self) -> list[str]:
        """The alerts this made visit raises (`Alert.Kind`), from what the visitor recorded."""
        if self.visited_on is None:
            return []
        kinds = []
        if self.equipment_missing:
            kinds.append(Alert.Kind.EQUIPMENT_MISSING)
        if self.activity_status == self.ActivityStatus.STOPPED or self.activity_closed:
            kinds.append(Alert.Kind.ACTIVITY_STOPPED)
        elif self.activity_status == self.ActivityStatus.STRUGGLING:
            kinds.append(Alert.Kind.ACTIVITY_IN_DIFFICULTY)
        if self.beneficiary_unreachable:
            kinds.append(Alert.Kind.UNREACHABLE)
        if self.reincarcerated:
            kinds.append(Alert.Kind.REINCARCERATED)
        return kinds


class AlertQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope_filter(self, user, "visit__project__prefecture")

    def open(self):
        return self.filter(closed_at__isnull=True)


class Alert(models.Model):
    """A risk a made visit signalled, kept until someone records what was done about it.

    Raised (and withdrawn while nobody has acted on it) only by
    `followup.services.sync_alerts`, which `record_visit` calls; acted on and closed by
    `followup.services.record_alert_action`.
    """

    class Kind(models.TextChoices):
        EQUIPMENT_MISSING = "equipment_missing", _("Equipment sold or missing")
        ACTIVITY_STOPPED = "activity_stopped", _("Activity stopped")
        ACTIVITY_IN_DIFFICULTY = "activity_in_difficulty", _("Activity in difficulty")
        UNREACHABLE = "unreachable", _("Beneficiary unreachable")
        REINCARCERATED = "reincarcerated", _("Beneficiary re-incarcerated")

    visit = models.ForeignKey(
        FollowUpVisit, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("visit")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    raised_on = models.DateField(_("raised on"))
    action = models.TextField(_("follow-up action"), blank=True)
    action_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="alert_actions", verbose_name=_("action recorded by"),
    )
    action_at = models.DateTimeField(_("action recorded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()
    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_on", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["visit", "kind"], name="alert_one_per_visit_and_kind"),
            # Closing an alert needs the action taken.
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(action=""), name="alert_closed_with_action"
            ),
        ]
        indexes = [
            # The open alerts (inbox, dashboard): a small part of the table.
            models.Index(fields=["raised_on"], condition=Q(closed_at__isnull=True), name="alert_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.raised_on}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ProjectOutcome(models.Model):
    """What a launched business's visits say, kept per project so that the dashboard sums
    columns instead of reading every visit.

    Written only by `followup.services.refresh_outcomes`, which every door that records,
    changes or deletes a visit or sets a launch date calls; a project without a made visit
    has no row. Revenue and jobs are those of the latest visit reporting them.
    """

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="outcome",
        verbose_name=_("project"),
    )
    revenue = MoneyField(_("latest monthly revenue (DH)"), null=True, blank=True)
    jobs = models.PositiveSmallIntegerField(_("jobs at the latest visit"), default=0)
    reincarcerated = models.BooleanField(_("beneficiary re-incarcerated"), default=False)
    stopped_after_months = models.SmallIntegerField(
        _("months after launch when first found stopped"), null=True, blank=True
    )
    observed_6 = models.BooleanField(_("observed at 6 months"), default=False)
    observed_12 = models.BooleanField(_("observed at 12 months"), default=False)
    observed_24 = models.BooleanField(_("observed at 24 months"), default=False)

    class Meta:
        db_table = "grants_projectoutcome"
        verbose_name = _("project outcome")
        verbose_name_plural = _("project outcomes")

    def __str__(self) -> str:
        return str(self.project_id)
