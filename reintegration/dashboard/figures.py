"""The dashboard's figures, computed by the database in the user's scope.

Each figure is one aggregate query (values().annotate() or conditional aggregation), so
the number of queries is the same for ten rows or a million; nothing loops over rows in
Python, only over the few groups the database returns (statuses, sectors, months).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import ExtractMonth, ExtractYear, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from grants.models import Convention, EquipmentItem, FollowUpVisit, Project, ProjectEvent
from reintegration.territories.models import Prefecture

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)

# A business's state at 6, 12 and 24 months after its launch is read from the visits
# made between two months before and three months after each milestone.
MILESTONES = (6, 12, 24)
WINDOW_BEFORE, WINDOW_AFTER = 2, 3
# "Visits due": overdue, or due within this many days.
DUE_SOON_DAYS = 30
TREND_MONTHS = 12


@dataclass(frozen=True)
class Filters:
    prefecture: Prefecture | None = None
    convention: Convention | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None


def localised(fr: str, ar: str = "", en: str = "") -> str:
    """Pick the name in the page's language from a values() row's bilingual columns."""
    language = get_language() or "fr"
    if language.startswith("ar") and ar:
        return ar
    if language.startswith("en") and en:
        return en
    return fr


def _period(queryset: QuerySet, lookup: str, filters: Filters) -> QuerySet:
    if filters.since:
        queryset = queryset.filter(**{f"{lookup}__gte": filters.since})
    if filters.until:
        queryset = queryset.filter(**{f"{lookup}__lte": filters.until})
    return queryset


def scoped_projects(user, filters: Filters) -> QuerySet:
    """The projects in the user's scope matching the prefecture and convention chosen."""
    projects = Project.objects.visible_to(user)
    if filters.prefecture:
        projects = projects.filter(prefecture=filters.prefecture)
    if filters.convention:
        projects = projects.filter(convention=filters.convention)
    return projects


# --- beneficiaries and projects -------------------------------------------------------

def beneficiary_counts(user, filters: Filters) -> dict:
    """By status and by sex, from one query grouped by (status, sex)."""
    beneficiaries = Beneficiary.objects.visible_to(user)
    if filters.prefecture:
        beneficiaries = beneficiaries.filter(prefecture=filters.prefecture)
    if filters.convention:
        beneficiaries = beneficiaries.filter(Exists(
            Project.objects.filter(beneficiary=OuterRef("pk"), convention=filters.convention)
        ))
    beneficiaries = _period(beneficiaries, "created_at__date", filters)
    rows = beneficiaries.order_by().values("status", "sex").annotate(n=Count("pk"))
    by_status = dict.fromkeys(Beneficiary.Status.values, 0)
    by_sex = dict.fromkeys(Beneficiary.Sex.values, 0)
    for row in rows:
        by_status[row["status"]] += row["n"]
        by_sex[row["sex"]] += row["n"]
    return {
        "total": sum(by_status.values()),
        "by_status": [(str(Beneficiary.Status(key).label), n) for key, n in by_status.items()],
        "by_sex": [(str(Beneficiary.Sex(key).label), n) for key, n in by_sex.items()],
    }


def project_counts(user, filters: Filters) -> dict:
    """By status and by sector, from one query grouped by (status, sector)."""
    projects = _period(scoped_projects(user, filters), "created_at__date", filters)
    rows = projects.order_by().values(
        "status", "sector_id", "sector__name_fr", "sector__name_ar", "sector__name_en"
    ).annotate(n=Count("pk"))
    by_status = dict.fromkeys(Project.Status.values, 0)
    by_sector: dict[int, list] = {}
    for row in rows:
        by_status[row["status"]] += row["n"]
        name = localised(row["sector__name_fr"], row["sector__name_ar"], row["sector__name_en"])
        by_sector.setdefault(row["sector_id"], [name, 0])[1] += row["n"]
    return {
        "total": sum(by_status.values()),
        "by_status": [(str(Project.Status(key).label), n) for key, n in by_status.items()],
        "by_sector": sorted((tuple(v) for v in by_sector.values()), key=lambda v: (-v[1], v[0])),
    }


# --- money ----------------------------------------------------------------------------

def convention_budgets(user, filters: Filters) -> list[Convention]:
    conventions = Convention.objects.visible_to(user).with_budget_figures()
    if filters.prefecture:
        conventions = conventions.filter(prefecture=filters.prefecture)
    if filters.convention:
        conventions = conventions.filter(pk=filters.convention.pk)
    return list(conventions.only("reference", "title", "envelope", "starts_on"))


def equipment_handed_over(user, filters: Filters) -> dict:
    items = EquipmentItem.objects.visible_to(user).filter(
        status=EquipmentItem.Status.HANDED_OVER
    )
    if filters.prefecture:
        items = items.filter(project__prefecture=filters.prefecture)
    if filters.convention:
        items = items.filter(project__convention=filters.convention)
    figures = items.aggregate(
        value=Sum(F("quantity") * F("unit_price"), output_field=MONEY),
        lines=Count("pk"),
        projects=Count("project", distinct=True),
    )
    figures["value"] = figures["value"] or ZERO
    return figures


def visits_due(user, filters: Filters, today: datetime.date) -> dict:
    visits = FollowUpVisit.objects.visible_to(user).pending().filter(due_on__isnull=False)
    if filters.prefecture:
        visits = visits.filter(project__prefecture=filters.prefecture)
    if filters.convention:
        visits = visits.filter(project__convention=filters.convention)
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    return visits.aggregate(
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        due_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
    )


# --- trend ----------------------------------------------------------------------------

def _months(first: datetime.date, last: datetime.date) -> list[tuple[int, int]]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _first_of_month_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _per_month(queryset: QuerySet, date_field: str) -> dict[tuple[int, int], int]:
    rows = queryset.order_by().annotate(month=TruncMonth(date_field)).values("month").annotate(
        n=Count("pk")
    )
    counts = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime) and timezone.is_aware(month):
            month = timezone.localtime(month)
        counts[(month.year, month.month)] = counts.get((month.year, month.month), 0) + row["n"]
    return counts


def monthly_trend(user, filters: Filters, today: datetime.date) -> dict:
    """Projects submitted and approved per month, over the period (default: 12 months)."""
    last = min(filters.until or today, today)
    first = min(filters.since or _first_of_month_before(last, TREND_MONTHS - 1), last)
    projects = scoped_projects(user, filters)
    submitted = _per_month(
        projects.filter(submitted_at__date__gte=first, submitted_at__date__lte=last),
        "submitted_at",
    )
    approved = _per_month(
        ProjectEvent.objects.filter(
            project__in=projects, to_status=Project.Status.APPROVED,
            at__date__gte=first, at__date__lte=last,
        ),
        "at",
    )
    months = _months(first, last)
    return {
        "months": [datetime.date(year, month, 1) for year, month in months],
        "submitted": [submitted.get(month, 0) for month in months],
        "approved": [approved.get(month, 0) for month in months],
    }


# --- outcomes -------------------------------------------------------------------------

def _months_after_launch():
    """Calendar months from the project's launch to the visit."""
    return (
        (ExtractYear("visited_on") - ExtractYear("project__launched_on")) * 12
        + ExtractMonth("visited_on") - ExtractMonth("project__launched_on")
    )


STOPPED = Q(activity_status=FollowUpVisit.ActivityStatus.STOPPED) | Q(activity_closed=True)


def outcome_aggregates() -> dict:
    """Aggregates over launched projects, each read from its visits by subqueries.

    For each milestone M: a business is *observed* if a visit around M reports on it or
    an earlier visit reported it stopped; *still running* if observed and no visit up
    to M reported it stopped (an "active" or "struggling" business still runs).
    Revenue and jobs come from each project's latest visit that reports them.
    """
    visits = FollowUpVisit.objects.filter(
        project=OuterRef("pk"), visited_on__isnull=False
    ).annotate(months=_months_after_launch())
    latest = visits.order_by("-visited_on", "-pk")
    aggregates = {
        "launched": Count("pk"),
        "average_revenue": Avg(
            Subquery(latest.filter(monthly_revenue__isnull=False).values("monthly_revenue")[:1],
                     output_field=MONEY),
            output_field=MONEY,
        ),
        "jobs": Sum(Subquery(latest.values("jobs_created")[:1])),
        "reincarcerations": Count("pk", filter=Q(Exists(visits.filter(reincarcerated=True)))),
    }
    for milestone in MILESTONES:
        window_end = milestone + WINDOW_AFTER
        seen = Exists(visits.filter(
            months__gte=milestone - WINDOW_BEFORE, months__lte=window_end
        ))
        stopped = Exists(visits.filter(STOPPED, months__lte=window_end))
        aggregates[f"observed_{milestone}"] = Count("pk", filter=Q(seen) | Q(stopped))
        aggregates[f"stopped_{milestone}"] = Count("pk", filter=Q(stopped))
    return aggregates


@dataclass
class Outcome:
    label: str
    launched: int = 0
    average_revenue: Decimal | None = None
    jobs: int = 0
    reincarcerations: int = 0
    milestones: list[dict] = field(default_factory=list)


def _outcome(label: str, row: dict) -> Outcome:
    milestones = []
    for milestone in MILESTONES:
        observed = row[f"observed_{milestone}"]
        running = observed - row[f"stopped_{milestone}"]
        milestones.append({
            "months": milestone,
            "observed": observed,
            "running": running,
            "share": round(running * 100 / observed) if observed else None,
        })
    return Outcome(
        label=label,
        launched=row["launched"],
        average_revenue=row["average_revenue"],
        jobs=row["jobs"] or 0,
        reincarcerations=row["reincarcerations"],
        milestones=milestones,
    )


def outcomes(user, filters: Filters) -> dict:
    """Overall, per convention, per sector and per prefecture: four queries."""
    launched = _period(
        scoped_projects(user, filters).filter(launched_on__isnull=False), "launched_on", filters
    ).order_by()
    aggregates = outcome_aggregates()
    overall = _outcome(str(_("Whole selection")), launched.aggregate(**aggregates))

    by_convention = [
        _outcome(row["convention__reference"] or str(_("No convention")), row)
        for row in launched.values("convention_id", "convention__reference")
        .annotate(**aggregates).order_by("convention__reference")
    ]
    by_sector = sorted(
        (
            _outcome(localised(row["sector__name_fr"], row["sector__name_ar"],
                               row["sector__name_en"]), row)
            for row in launched.values(
                "sector_id", "sector__name_fr", "sector__name_ar", "sector__name_en"
            ).annotate(**aggregates)
        ),
        key=lambda outcome: outcome.label,
    )
    by_prefecture = sorted(
        (
            _outcome(localised(row["prefecture__name_fr"], row["prefecture__name_ar"]), row)
            for row in launched.values(
                "prefecture_id", "prefecture__name_fr", "prefecture__name_ar"
            ).annotate(**aggregates)
        ),
        key=lambda outcome: outcome.label,
    )
    return {
        "overall": overall,
        "by_convention": by_convention,
        "by_sector": by_sector,
        "by_prefecture": by_prefecture,
    }


def dashboard_figures(user, filters: Filters, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    return {
        "beneficiaries": beneficiary_counts(user, filters),
        "projects": project_counts(user, filters),
        "conventions": convention_budgets(user, filters),
        "equipment": equipment_handed_over(user, filters),
        "visits": visits_due(user, filters, today),
        "trend": monthly_trend(user, filters, today),
        "outcomes": outcomes(user, filters),
    }
