"""The dashboard's figures, computed by the database in the user's scope.

Each figure is one aggregate query (values().annotate() or conditional aggregation), so
the number of queries is the same for ten rows or a million; nothing loops over rows in
Python, only over the few groups the database returns (statuses, sectors, months).

Two steps: `compute_figures` asks the database and returns plain values that do not
depend on the page's language (codes, ids, names in every script), which
`cached_figures` keeps in Django's cache for `DASHBOARD_CACHE_SECONDS`;
`present` turns them into the labelled, sorted figures of the page's language.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from grants.models import (
    MILESTONES,
    WINDOW_AFTER,
    Convention,
    EquipmentItem,
    FollowUpVisit,
    Project,
    ProjectEvent,
    Sector,
    attach_budget_figures,
)
from reintegration.accounts.scope import is_national
from reintegration.territories.models import Prefecture

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)

# "Visits due": overdue, or due within this many days.
DUE_SOON_DAYS = 30
TREND_MONTHS = 12
# A national page lists the conventions that committed the largest share of their
# envelope, this many (300 rows and chart bars were unreadable, and slow to draw); a
# prefecture's page, or a user's own prefectures, list all of theirs.
CONVENTIONS_SHOWN = 20


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
    return {"by_status": by_status, "by_sex": by_sex}


def _label_beneficiaries(counts: dict) -> dict:
    return {
        "total": sum(counts["by_status"].values()),
        "by_status": [
            (str(Beneficiary.Status(key).label), n) for key, n in counts["by_status"].items()
        ],
        "by_sex": [(str(Beneficiary.Sex(key).label), n) for key, n in counts["by_sex"].items()],
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
        names = (row["sector__name_fr"], row["sector__name_ar"], row["sector__name_en"])
        by_sector.setdefault(row["sector_id"], [names, 0])[1] += row["n"]
    return {"by_status": by_status, "by_sector": list(by_sector.values())}


def _label_projects(counts: dict) -> dict:
    by_sector = [(localised(*names), n) for names, n in counts["by_sector"]]
    return {
        "total": sum(counts["by_status"].values()),
        "by_status": [
            (str(Project.Status(key).label), n) for key, n in counts["by_status"].items()
        ],
        "by_sector": sorted(by_sector, key=lambda v: (-v[1], v[0])),
    }


# --- money ----------------------------------------------------------------------------

def _share_committed(convention: Convention) -> Decimal:
    if convention.envelope:
        return convention.committed / convention.envelope
    return Decimal(1) if convention.committed else ZERO


def convention_budgets(user, filters: Filters) -> dict:
    """The conventions in scope, those that committed the largest share of their envelope
    first: all of them for a prefecture or a user of a few prefectures, the first
    `CONVENTIONS_SHOWN` of a national page (`total` says how many there are).

    The ranking reads each convention's committed sum from an index; the cash paid and
    the equipment invoiced are summed for the listed conventions only, one grouped query
    per sum (the correlated sums of `with_budget_figures()` took 4 s over the 300)."""
    conventions = Convention.objects.visible_to(user)
    if filters.prefecture:
        conventions = conventions.filter(prefecture=filters.prefecture)
    if filters.convention:
        conventions = conventions.filter(pk=filters.convention.pk)
    ranked = sorted(
        conventions.with_committed().only("reference", "title", "envelope", "starts_on"),
        key=lambda convention: (-_share_committed(convention), convention.reference),
    )
    national = is_national(user) and not filters.prefecture and not filters.convention
    shown = ranked[:CONVENTIONS_SHOWN] if national else ranked
    attach_budget_figures(shown)
    return {"shown": shown, "total": len(ranked)}


def equipment_handed_over(user, filters: Filters) -> dict:
    items = EquipmentItem.objects.visible_to(user).filter(
        status=EquipmentItem.Status.HANDED_OVER
    )
    if filters.prefecture:
        items = items.filter(project__prefecture=filters.prefecture)
    if filters.convention:
        items = items.filter(project__convention=filters.convention)
    # Summed per project, then over the projects: the lines come in project order from the
    # index `equipment_status_project` (no table read, no sort), where COUNT(DISTINCT)
    # sorted 260,000 lines. COUNT(*), not COUNT(id): the id is not in that index.
    per_project = items.order_by().values("project").annotate(
        project_value=Sum(F("quantity") * F("unit_price"), output_field=MONEY),
        project_lines=Count("*"),
    )
    figures = per_project.aggregate(
        value=Sum("project_value", output_field=MONEY),
        lines=Sum("project_lines"),
        projects=Count("*"),
    )
    figures["value"] = figures["value"] or ZERO
    figures["lines"] = figures["lines"] or 0
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
    # The local days as a range of instants: a range on the column itself can use its
    # index, where `__date` converts every row's timestamp first.
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    )
    submitted = _per_month(
        projects.filter(submitted_at__gte=start, submitted_at__lt=end), "submitted_at"
    )
    approved = _per_month(
        ProjectEvent.objects.filter(
            project__in=projects, to_status=Project.Status.APPROVED, at__gte=start, at__lt=end,
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

def outcome_sums() -> dict:
    """Sums over launched projects of each one's stored `ProjectOutcome`, which add up
    from a group to its parts (the average revenue is `revenue` over `reporting`).

    For each milestone M: a business is *observed* if a visit around M reports on it or
    an earlier visit reported it stopped; *still running* if observed and no visit up
    to M reported it stopped (an "active" or "struggling" business still runs).
    Revenue and jobs come from each project's latest visit that reports them.
    `grants.services.refresh_outcomes` keeps these facts, from the visits, at each write;
    a project without a made visit has no outcome row (the join leaves NULLs, counted
    nowhere).
    """
    sums = {
        "launched": Count("pk"),
        "revenue": Sum("outcome__revenue", output_field=MONEY),
        "reporting": Count("outcome__revenue"),
        "jobs": Sum("outcome__jobs"),
        "reincarcerations": Count("pk", filter=Q(outcome__reincarcerated=True)),
    }
    for milestone in MILESTONES:
        sums[f"observed_{milestone}"] = Count(
            "pk", filter=Q(**{f"outcome__observed_{milestone}": True})
        )
        sums[f"stopped_{milestone}"] = Count(
            "pk", filter=Q(outcome__stopped_after_months__lte=milestone + WINDOW_AFTER)
        )
    return sums


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


_OUTCOME_SUMS = tuple(outcome_sums())


def _add_up(rows) -> dict:
    """The sums of `outcome_sums()` over several groups, and their average revenue."""
    total = dict.fromkeys(_OUTCOME_SUMS, 0)
    for row in rows:
        for key in _OUTCOME_SUMS:
            total[key] += row[key] or 0
    total["average_revenue"] = total["revenue"] / total["reporting"] if total["reporting"] else None
    return total


def _group_by(rows: list[dict], key: str) -> dict:
    groups: dict = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return {pk: _add_up(group) for pk, group in groups.items()}


def outcome_groups(user, filters: Filters) -> dict:
    """The outcome sums overall and per convention, sector and prefecture (by id), added
    up here from one query grouped by (convention, sector, prefecture): a few thousand
    rows nationally, grouped on their ids alone (the names made the grouping a third
    slower); the names come from three small look-ups, in every script."""
    launched = _period(
        scoped_projects(user, filters).filter(launched_on__isnull=False), "launched_on", filters
    )
    rows = list(launched.order_by().values(
        "convention_id", "sector_id", "prefecture_id"
    ).annotate(**outcome_sums()))
    groups = {
        "overall": _add_up(rows),
        "by_convention": _group_by(rows, "convention_id"),
        "by_sector": _group_by(rows, "sector_id"),
        "by_prefecture": _group_by(rows, "prefecture_id"),
    }
    groups["names"] = {
        "convention": dict(Convention.objects.filter(
            pk__in=[pk for pk in groups["by_convention"] if pk is not None]
        ).values_list("pk", "reference")),
        "sector": {
            pk: names for pk, *names in Sector.objects.filter(
                pk__in=list(groups["by_sector"])
            ).values_list("pk", "name_fr", "name_ar", "name_en")
        },
        "prefecture": {
            pk: names for pk, *names in Prefecture.objects.filter(
                pk__in=list(groups["by_prefecture"])
            ).values_list("pk", "name_fr", "name_ar")
        },
    }
    return groups


def label_outcomes(groups: dict, conventions: set | None = None) -> dict:
    """`outcome_groups` as `Outcome`s labelled in the page's language and sorted; only
    the conventions in `conventions` (ids) if given."""
    names = groups["names"]
    no_convention = str(_("No convention"))
    by_convention = [
        _outcome(names["convention"].get(pk) or no_convention, sums)
        for pk, sums in groups["by_convention"].items()
        if conventions is None or pk in conventions
    ]
    return {
        "overall": _outcome(str(_("Whole selection")), groups["overall"]),
        "by_convention": sorted(
            by_convention, key=lambda outcome: (outcome.label == no_convention, outcome.label)
        ),
        "by_sector": sorted((
            _outcome(localised(*names["sector"][pk]), sums)
            for pk, sums in groups["by_sector"].items()
        ), key=attrgetter("label")),
        "by_prefecture": sorted((
            _outcome(localised(*names["prefecture"][pk]), sums)
            for pk, sums in groups["by_prefecture"].items()
        ), key=attrgetter("label")),
    }


def outcomes(user, filters: Filters) -> dict:
    """Overall, per convention, per sector and per prefecture, in the page's language."""
    return label_outcomes(outcome_groups(user, filters))


# --- the whole page -------------------------------------------------------------------

def compute_figures(user, filters: Filters, today: datetime.date) -> dict:
    """Every figure of the dashboard in plain values, whatever the page's language: what
    the cache keeps (`present` labels them)."""
    return {
        "beneficiaries": beneficiary_counts(user, filters),
        "projects": project_counts(user, filters),
        "conventions": convention_budgets(user, filters),
        "equipment": equipment_handed_over(user, filters),
        "visits": visits_due(user, filters, today),
        "trend": monthly_trend(user, filters, today),
        "outcomes": outcome_groups(user, filters),
    }


def present(computed: dict) -> dict:
    """The figures of `compute_figures`, labelled and sorted in the page's language.

    When the conventions' list is cut to the first `CONVENTIONS_SHOWN`, so is the table
    of outcomes per convention: the same conventions."""
    conventions = computed["conventions"]
    cut = len(conventions["shown"]) < conventions["total"]
    return {
        "beneficiaries": _label_beneficiaries(computed["beneficiaries"]),
        "projects": _label_projects(computed["projects"]),
        "conventions": conventions["shown"],
        "conventions_total": conventions["total"],
        "equipment": computed["equipment"],
        "visits": computed["visits"],
        "trend": computed["trend"],
        "outcomes": label_outcomes(
            computed["outcomes"],
            {convention.pk for convention in conventions["shown"]} if cut else None,
        ),
    }


# --- the cache ------------------------------------------------------------------------

# Part of every key: change it when `compute_figures` returns something of another shape,
# so that a shared cache (Redis, memcached) never hands the new code an old entry.
CACHE_VERSION = 1


def scope_key(user) -> str:
    """What the figures depend on of the user (see `scope_filter`): national, or their
    role and the exact set of their prefectures. Two users with the same answer see the
    same figures; any other difference gives another key."""
    if is_national(user):
        return "national"
    prefectures = sorted(user.prefectures.values_list("pk", flat=True))
    return f"{user.role}:{','.join(map(str, prefectures))}"


def cache_key(user, filters: Filters, today: datetime.date) -> str:
    parts = (
        CACHE_VERSION,
        scope_key(user),
        filters.prefecture.pk if filters.prefecture else None,
        filters.convention.pk if filters.convention else None,
        filters.since.isoformat() if filters.since else None,
        filters.until.isoformat() if filters.until else None,
        today.isoformat(),
    )
    return "dashboard:figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_figures(
    user, filters: Filters, *, refresh: bool = False
) -> tuple[dict, datetime.datetime]:
    """`compute_figures` for this user's scope, filters and day, and when it was computed:
    from the cache when computed less than `DASHBOARD_CACHE_SECONDS` ago (0: never
    cached), computed again when `refresh` is asked for."""
    today = timezone.localdate()
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return compute_figures(user, filters, today), timezone.now()
    key = cache_key(user, filters, today)
    entry = None if refresh else cache.get(key)
    if entry is None:
        entry = (compute_figures(user, filters, today), timezone.now())
        cache.set(key, entry, seconds)
    return entry
