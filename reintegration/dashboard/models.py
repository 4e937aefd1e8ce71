"""The dashboard's figures as last computed, shared by every gunicorn worker."""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

NATIONAL = "national"


def prefecture_scope(pk: int) -> str:
    """The `scope` of one prefecture's snapshot."""
    return f"prefecture:{pk}"


class FigureSnapshotQuerySet(models.QuerySet):
    def fresh(self, *, scopes: list[str], filters: str, day: datetime.date,
              since: datetime.datetime):
        """The snapshots of `scopes` for these filters, computed on `day` at `since` or
        later (the figures of "visits due" and of the trend depend on the day)."""
        return self.filter(scope__in=scopes, filters=filters, day=day, computed_at__gte=since)


class FigureSnapshot(models.Model):
    """Every figure of the dashboard for one scope and one set of filters, as computed at
    `computed_at` (`reintegration.dashboard.figures`: counts, sums in centimes, names).

    A scope is one prefecture or the whole country, never a user: a page adds up the
    snapshots of the prefectures its reader may see (the country's is their sum, kept
    whole because the national page is the most read). Written by
    `services.store_snapshots` alone, from the management command `refresh_dashboard`
    (a timer, every few minutes), a page that finds no fresh snapshot, or the page's
    "Compute them again" link."""

    scope = models.CharField(_("scope"), max_length=30)
    # "" for the page without filters; else the convention and period chosen.
    filters = models.CharField(_("filters"), max_length=100, blank=True)
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(_("computed at"))
    figures = models.JSONField(_("figures"))

    objects = FigureSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")
        constraints = [
            models.UniqueConstraint(fields=["scope", "filters"], name="snapshot_scope_filters"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.filters} {self.computed_at:%Y-%m-%d %H:%M}"
