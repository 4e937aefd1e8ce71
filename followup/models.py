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
