"""The dashboard's snapshots: read for a page, computed and stored when none is fresh.

A page's figures are those of its scope, the prefectures its reader may see (or the one
chosen among them), or the whole country for a national reader: the snapshots of these
prefectures added up, or the country's. A snapshot is fresh for
`DASHBOARD_CACHE_SECONDS` on the day it was computed; the timer of
`manage.py refresh_dashboard` computes them all again more often than that, so a page
practically always finds them fresh. A page that does not (a new filter, the timer
stopped) computes the missing ones and stores them for every worker.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reintegration.accounts.scope import is_national, scope_filter
from reintegration.territories.models import Prefecture

from .figures import FIGURES_VERSION, Filters, combine, compute_parts, empty_figures, trend_months
from .models import NATIONAL, FigureSnapshot, prefecture_scope


@dataclass(frozen=True)
class PageFigures:
    figures: dict  # as `figures.combine` returns them
    computed_at: datetime.datetime
    national: bool  # the whole country's, no prefecture chosen


def scope_of(user, filters: Filters) -> list[int] | None:
    """The prefectures whose figures make the page, by id; None for the whole country.

    The prefecture chosen counts only if the user may see it (the form refuses it too);
    otherwise every prefecture they may see, through `scope_filter`, the one gate."""
    if is_national(user):
        return None if filters.prefecture is None else [filters.prefecture.pk]
    visible = scope_filter(Prefecture.objects.order_by("pk"), user, "pk")
    if filters.prefecture is not None:
        visible = visible.filter(pk=filters.prefecture.pk)
    return list(visible.values_list("pk", flat=True))


def _compute(filters: Filters, today: datetime.date,
             prefectures: list[int] | None) -> tuple[datetime.datetime, dict[str, dict]]:
    """`compute_parts` and the moment its figures are true of. On PostgreSQL every query
    reads the same snapshot of the database (repeatable read), so the figures agree with
    one another although the queries run one after the other (a second or two for the
    whole country at 100,000 files). Inside an outer transaction (the tests) they read
    that transaction's data, as any query would."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        computed_at = timezone.now()
        parts = compute_parts(filters, today, prefectures)
    return computed_at, parts


def store_snapshots(*, filters: Filters, today: datetime.date,
                    prefectures: list[int] | None = None) -> dict[str, FigureSnapshot]:
    """Compute the figures of `prefectures` (all of them, and the country's, if None)
    and store them in one statement, replacing the snapshots of the same scope and
    filters. Two workers storing the same snapshot at once: the later one stays, both
    true as of their `computed_at`."""
    computed_at, parts = _compute(filters, today, prefectures)
    figures = {prefecture_scope(pk): part for pk, part in parts.items()}
    if prefectures is None:
        figures[NATIONAL] = combine(list(parts.values()), trend_months(filters, today))
    snapshots = [
        FigureSnapshot(scope=scope, filters=filters.key(), day=today, computed_at=computed_at,
                       figures=values)
        for scope, values in figures.items()
    ]
    FigureSnapshot.objects.bulk_create(
        snapshots, update_conflicts=True, unique_fields=["scope", "filters"],
        update_fields=["day", "computed_at", "figures"],
    )
    return {snapshot.scope: snapshot for snapshot in snapshots}


def page_figures(user, filters: Filters, *, refresh: bool = False) -> PageFigures:
    """The figures of the user's page: the fresh snapshots of its scope added up; those
    missing (or all, when `refresh` is asked for) computed and stored first.
    `DASHBOARD_CACHE_SECONDS` = 0: computed for the page alone, nothing stored."""
    today = timezone.localdate()
    prefectures = scope_of(user, filters)
    national = prefectures is None
    months = trend_months(filters, today)
    max_age = settings.DASHBOARD_CACHE_SECONDS
    now = timezone.now()
    if not national and not prefectures:
        return PageFigures(empty_figures(months), now, national)
    if max_age <= 0:
        parts = compute_parts(filters, today, prefectures)
        return PageFigures(combine(list(parts.values()), months), now, national)

    scopes = [NATIONAL] if national else [prefecture_scope(pk) for pk in prefectures]
    found = {}
    if not refresh:
        fresh = FigureSnapshot.objects.fresh(
            scopes=scopes, filters=filters.key(), day=today,
            since=now - datetime.timedelta(seconds=max_age),
        )
        found = {
            snapshot.scope: snapshot for snapshot in fresh
            if snapshot.figures.get("version") == FIGURES_VERSION
        }
    if national:
        if NATIONAL not in found:
            found.update(store_snapshots(filters=filters, today=today))
    else:
        missing = [pk for pk in prefectures if prefecture_scope(pk) not in found]
        if missing:
            found.update(store_snapshots(filters=filters, today=today, prefectures=missing))
    snapshots = [found[scope] for scope in scopes]
    if len(snapshots) == 1:
        figures = snapshots[0].figures
    else:
        figures = combine([snapshot.figures for snapshot in snapshots], months)
    return PageFigures(figures, min(snapshot.computed_at for snapshot in snapshots), national)


def refresh_all(*, today: datetime.date | None = None) -> int:
    """Every prefecture's and the country's figures without filters, computed and stored
    (what the timer runs); the snapshots too old to be shown deleted. Returns how many
    snapshots were stored."""
    today = today or timezone.localdate()
    stored = store_snapshots(filters=Filters(), today=today)
    oldest = timezone.now() - datetime.timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS)
    FigureSnapshot.objects.filter(computed_at__lt=oldest).delete()
    return len(stored)
