"""The dashboard's figures: computed by the database for many prefectures at once, added
up for the page's scope, labelled in the page's language.

Three steps:

- `compute_parts(filters, today, prefectures)` asks the database once per figure, grouped
  by prefecture, so the number of queries is the same for one prefecture or 75, ten rows
  or a million. It returns each prefecture's figures as plain JSON values (counts; sums
  in centimes, which add up exactly; ids as strings; names in every script): what a
  `FigureSnapshot` keeps.
- `combine(parts, months)` adds up the figures of several prefectures. Each figure counts
  or sums rows that belong to exactly one prefecture (a beneficiary's, a project's), so a
  user's prefectures, or the country, are the sum of their parts. The conventions are not
  summed: each belongs, whole, to its own prefecture's part (its committed and disbursed
  sums cover all its projects). What is no sum is derived after adding: the average
  revenue (revenue over businesses reporting one), the shares still running, a
  convention's remaining envelope and the ranking of the conventions.
- `present(figures, cut=…)` labels and sorts them in the page's language.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from followup.models import MILESTONES, WINDOW_AFTER, FollowUpVisit
from grants.models import (
    Convention,
    EquipmentItem,
    Project,
    ProjectEvent,
    Sector,
    attach_budget_figures,
    line_cost,
)
from reintegration.common.collation import label_key
from reintegration.common.money import format_amount
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

    def key(self) -> str:
        """What the figures depend on besides the prefectures (the scope): "" without a
        convention or a period."""
        if not (self.convention or self.since or self.until):
            return ""
        return ";".join((
            f"convention={self.convention.pk if self.convention else ''}",
            f"since={self.since.isoformat() if self.since else ''}",
            f"until={self.until.isoformat() if self.until else ''}",
        ))


def localised(fr: str, ar: str = "", en: str = "") -> str:
    """Pick the name in the page's language among its scripts."""
    language = get_language() or "fr"
    if language.startswith("ar") and ar:
        return ar
    if language.startswith("en") and en:
        return en
    return fr


def centimes(value: Decimal | None) -> int:
    """A sum of money as whole centimes: JSON keeps integers exactly, and they add up."""
    if value is None:
        return 0
    return int(Decimal(value).quantize(Decimal("0.01")).scaleb(2))


def money(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def _period(queryset: QuerySet, lookup: str, filters: Filters) -> QuerySet:
    if filters.since:
        queryset = queryset.filter(**{f"{lookup}__gte": filters.since})
    if filters.until:
        queryset = queryset.filter(**{f"{lookup}__lte": filters.until})
    return queryset


def _within(queryset: QuerySet, path: str, prefectures: list[int] | None) -> QuerySet:
    """The rows whose prefecture (at `path`) is one of `prefectures`; all if None."""
    if prefectures is None:
        return queryset
    return queryset.filter(**{f"{path}__in": prefectures})


def _projects(filters: Filters, prefectures: list[int] | None) -> QuerySet:
    projects = _within(Project.objects.order_by(), "prefecture", prefectures)
    if filters.convention:
        projects = projects.filter(convention=filters.convention)
    return projects


# --- the trend's months ---------------------------------------------------------------

def _first_of_month_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _trend_period(filters: Filters, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Default: the 12 months up to today's."""
    last = min(filters.until or today, today)
    first = min(filters.since or _first_of_month_before(last, TREND_MONTHS - 1), last)
    return first, last


def trend_months(filters: Filters, today: datetime.date) -> list[str]:
    """The first day of each month of the trend, ISO-formatted."""
    first, last = _trend_period(filters, today)
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(datetime.date(year, month, 1).isoformat())
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- the figures of a part ------------------------------------------------------------

# Part of every snapshot: change it when the figures take another shape, so that the new
# code never reads a snapshot the old one stored (it computes the figures instead).
# 2: disbursed counts the invoices' shares, equipment its cost to the convention (the ledger).
FIGURES_VERSION = 2

OUTCOME_SUMS = (
    "launched", "revenue", "reporting", "jobs", "reincarcerations",
    *(f"{kind}_{milestone}" for milestone in MILESTONES for kind in ("observed", "stopped")),
)


def empty_figures(months: list[str]) -> dict:
    """Every figure at zero, in the shape `compute_parts` fills and `combine` adds up."""
    return {
        "version": FIGURES_VERSION,
        "beneficiaries": {
            "by_status": dict.fromkeys(Beneficiary.Status.values, 0),
            "by_sex": dict.fromkeys(Beneficiary.Sex.values, 0),
        },
        # by_sector: {sector id: count}
        "projects": {"by_status": dict.fromkeys(Project.Status.values, 0), "by_sector": {}},
        # {convention id: {reference, title, envelope, committed, disbursed}}, in centimes
        "conventions": {},
        "equipment": {"value": 0, "lines": 0, "projects": 0},
        "visits": {"overdue": 0, "due_soon": 0},
        "trend": {
            "months": list(months), "submitted": [0] * len(months), "approved": [0] * len(months),
        },
        # The sums of OUTCOME_SUMS, overall and by the id of a convention ("" for none),
        # a sector and a prefecture.
        "outcomes": {
            "overall": dict.fromkeys(OUTCOME_SUMS, 0),
            "by_convention": {}, "by_sector": {}, "by_prefecture": {},
        },
        # By id: sectors [fr, ar, en], prefectures [fr, ar], conventions their reference.
        "names": {"sector": {}, "prefecture": {}, "convention": {}},
    }


def _add(total: dict, counts: dict) -> None:
    for key, value in counts.items():
        total[key] = total.get(key, 0) + value


def _add_groups(total: dict, groups: dict) -> None:
    for key, sums in groups.items():
        _add(total.setdefault(key, dict.fromkeys(OUTCOME_SUMS, 0)), sums)


def combine(parts: list[dict], months: list[str]) -> dict:
    """The figures of all `parts` together (see the module's docstring)."""
    total = empty_figures(months)
    for part in parts:
        if part["trend"]["months"] != total["trend"]["months"]:
            raise ValueError("Parts of different periods cannot be added up.")
        for group in ("by_status", "by_sex"):
            _add(total["beneficiaries"][group], part["beneficiaries"][group])
        for group in ("by_status", "by_sector"):
            _add(total["projects"][group], part["projects"][group])
        total["conventions"].update(part["conventions"])
        _add(total["equipment"], part["equipment"])
        _add(total["visits"], part["visits"])
        for series in ("submitted", "approved"):
            total["trend"][series] = [
                a + b for a, b in zip(total["trend"][series], part["trend"][series], strict=True)
            ]
        _add(total["outcomes"]["overall"], part["outcomes"]["overall"])
        for group in ("by_convention", "by_sector", "by_prefecture"):
            _add_groups(total["outcomes"][group], part["outcomes"][group])
        for kind, names in part["names"].items():
            total["names"][kind].update(names)
    return total


# --- the queries, grouped by prefecture -----------------------------------------------

def _count_beneficiaries(parts: dict, filters: Filters, prefectures: list[int] | None) -> None:
    """By status and by sex, from one query grouped by (prefecture, status, sex)."""
    beneficiaries = _within(Beneficiary.objects.order_by(), "prefecture", prefectures)
    if filters.convention:
        beneficiaries = beneficiaries.filter(Exists(
            Project.objects.filter(beneficiary=OuterRef("pk"), convention=filters.convention)
        ))
    beneficiaries = _period(beneficiaries, "created_at__date", filters)
    for row in beneficiaries.values("prefecture", "status", "sex").annotate(n=Count("*")):
        counts = parts[str(row["prefecture"])]["beneficiaries"]
        counts["by_status"][row["status"]] += row["n"]
        counts["by_sex"][row["sex"]] += row["n"]


def _count_projects(parts: dict, filters: Filters, prefectures: list[int] | None) -> None:
    """By status and by sector, from one query grouped by (prefecture, status, sector)."""
    projects = _period(_projects(filters, prefectures), "created_at__date", filters)
    for row in projects.values("prefecture", "status", "sector").annotate(n=Count("*")):
        counts = parts[str(row["prefecture"])]["projects"]
        counts["by_status"][row["status"]] += row["n"]
        sector = str(row["sector"])
        counts["by_sector"][sector] = counts["by_sector"].get(sector, 0) + row["n"]


def _convention_budgets(parts: dict, filters: Filters, prefectures: list[int] | None) -> None:
    """Every convention of the prefectures with its budget figures, summed over all its
    projects by `attach_budget_figures` (one grouped query per sum, as the conventions'
    list does): the page ranks them."""
    conventions = _within(Convention.objects.order_by(), "prefecture", prefectures)
    if filters.convention:
        conventions = conventions.filter(pk=filters.convention.pk)
    conventions = list(conventions.only("prefecture", "reference", "title", "envelope"))
    attach_budget_figures(conventions)
    for convention in conventions:
        part = parts[str(convention.prefecture_id)]
        part["conventions"][str(convention.pk)] = {
            "reference": convention.reference,
            "title": convention.title,
            "envelope": centimes(convention.envelope),
            "committed": centimes(convention.committed),
            "disbursed": centimes(convention.disbursed),
        }


def _equipment_handed_over(parts: dict, filters: Filters, prefectures: list[int] | None) -> None:
    items = _within(
        EquipmentItem.objects.filter(status=EquipmentItem.Status.HANDED_OVER).order_by(),
        "project__prefecture", prefectures,
    )
    if filters.convention:
        items = items.filter(project__convention=filters.convention)
    # The lines come from the index `equipment_status_project_cost` alone (no table read);
    # COUNT(*), not COUNT(id): the id is not in that index. Each at what it cost its
    # convention (`line_cost()`, the ledger's).
    rows = items.values("project__prefecture").annotate(
        value=Sum(line_cost(), output_field=MONEY),
        lines=Count("*"),
        projects=Count("project", distinct=True),
    )
    for row in rows:
        parts[str(row["project__prefecture"])]["equipment"] = {
            "value": centimes(row["value"]), "lines": row["lines"], "projects": row["projects"],
        }


def _visits_due(parts: dict, filters: Filters, prefectures: list[int] | None,
                today: datetime.date) -> None:
    visits = _within(
        FollowUpVisit.objects.pending().filter(due_on__isnull=False).order_by(),
        "project__prefecture", prefectures,
    )
    if filters.convention:
        visits = visits.filter(project__convention=filters.convention)
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    rows = visits.values("project__prefecture").annotate(
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        due_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
    )
    for row in rows:
        parts[str(row["project__prefecture"])]["visits"] = {
            "overdue": row["overdue"], "due_soon": row["due_soon"],
        }


def _per_month(queryset: QuerySet, date_field: str, prefecture: str):
    """(prefecture id, first day of the month ISO-formatted, count) of `queryset`'s rows."""
    rows = queryset.annotate(month=TruncMonth(date_field)).values(prefecture, "month").annotate(
        n=Count("*")
    )
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            if timezone.is_aware(month):
                month = timezone.localtime(month)
            month = month.date()
        yield row[prefecture], month.replace(day=1).isoformat(), row["n"]


def _monthly_trend(parts: dict, filters: Filters, prefectures: list[int] | None,
                   today: datetime.date) -> None:
    """Projects submitted and approved per month, over the period (default: 12 months)."""
    first, last = _trend_period(filters, today)
    # The local days as a range of instants: a range on the column itself can use its
    # index, where `__date` converts every row's timestamp first.
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    )
    submitted = _projects(filters, prefectures).filter(submitted_at__gte=start, submitted_at__lt=end)
    approved = _within(
        ProjectEvent.objects.filter(to_status=Project.Status.APPROVED, at__gte=start, at__lt=end),
        "project__prefecture", prefectures,
    ).order_by()
    if filters.convention:
        approved = approved.filter(project__convention=filters.convention)
    position = {month: index for index, month in enumerate(trend_months(filters, today))}
    for series, queryset, date_field, prefecture in (
        ("submitted", submitted, "submitted_at", "prefecture"),
        ("approved", approved, "at", "project__prefecture"),
    ):
        for pk, month, n in _per_month(queryset, date_field, prefecture):
            parts[str(pk)]["trend"][series][position[month]] += n


def outcome_sums() -> dict:
    """Sums over launched projects of each one's stored `ProjectOutcome`, which add up
    from a group to its parts (the average revenue is `revenue` over `reporting`).

    For each milestone M: a business is *observed* if a visit around M reports on it or
    an earlier visit reported it stopped; *still running* if observed and no visit up
    to M reported it stopped (an "active" or "struggling" business still runs).
    Revenue and jobs come from each project's latest visit that reports them.
    `followup.services.refresh_outcomes` keeps these facts, from the visits, at each write;
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


def _outcomes(parts: dict, filters: Filters, prefectures: list[int] | None) -> None:
    """The outcome sums overall and per convention, sector and prefecture, added up here
    from one query grouped by (prefecture, convention, sector): a few thousand rows
    nationally, grouped on ids alone (the names made the grouping a third slower)."""
    launched = _period(
        _projects(filters, prefectures).filter(launched_on__isnull=False), "launched_on", filters
    )
    rows = launched.values("prefecture", "convention", "sector").annotate(**outcome_sums())
    for row in rows:
        outcomes = parts[str(row["prefecture"])]["outcomes"]
        sums = {key: row[key] or 0 for key in OUTCOME_SUMS}
        sums["revenue"] = centimes(row["revenue"])
        _add(outcomes["overall"], sums)
        convention = "" if row["convention"] is None else str(row["convention"])
        _add_groups(outcomes["by_convention"], {convention: sums})
        _add_groups(outcomes["by_sector"], {str(row["sector"]): sums})
    # A part is one prefecture: its row is the part's overall, if it launched anything.
    for pk, part in parts.items():
        if part["outcomes"]["overall"]["launched"]:
            part["outcomes"]["by_prefecture"] = {pk: dict(part["outcomes"]["overall"])}


def _names(parts: dict) -> None:
    """The names of the sectors and conventions the parts count (the prefectures' are
    there from the start), in one query for the sectors; the conventions are those the
    parts list, but for a project of a convention of another prefecture."""
    sectors = set()
    listed = {}
    for part in parts.values():
        sectors.update(part["projects"]["by_sector"], part["outcomes"]["by_sector"])
        listed.update({pk: convention["reference"] for pk, convention in part["conventions"].items()})
    sector_names = {
        str(pk): names for pk, *names in Sector.objects.filter(pk__in=[int(pk) for pk in sectors])
        .order_by().values_list("pk", "name_fr", "name_ar", "name_en")
    }
    counted = {pk for part in parts.values() for pk in part["outcomes"]["by_convention"] if pk}
    if counted - set(listed):
        listed.update({
            str(pk): reference for pk, reference in Convention.objects.filter(
                pk__in=[int(pk) for pk in counted - set(listed)]
            ).order_by().values_list("pk", "reference")
        })
    for part in parts.values():
        names = part["names"]
        for pk in (*part["projects"]["by_sector"], *part["outcomes"]["by_sector"]):
            names["sector"][pk] = sector_names[pk]
        for pk in part["outcomes"]["by_convention"]:
            if pk:
                names["convention"][pk] = listed[pk]


def compute_parts(filters: Filters, today: datetime.date,
                  prefectures: list[int] | None = None) -> dict[str, dict]:
    """Each prefecture's figures (all prefectures if `prefectures` is None), by its id as
    a string. `filters.prefecture` plays no part: the prefectures are the scope."""
    months = trend_months(filters, today)
    parts = {}
    names = _within(Prefecture.objects.order_by(), "pk", prefectures)
    for pk, name_fr, name_ar in names.values_list("pk", "name_fr", "name_ar"):
        parts[str(pk)] = part = empty_figures(months)
        part["names"]["prefecture"][str(pk)] = [name_fr, name_ar]
    if not parts:
        return parts
    _count_beneficiaries(parts, filters, prefectures)
    _count_projects(parts, filters, prefectures)
    _convention_budgets(parts, filters, prefectures)
    _equipment_handed_over(parts, filters, prefectures)
    _visits_due(parts, filters, prefectures, today)
    _monthly_trend(parts, filters, prefectures, today)
    _outcomes(parts, filters, prefectures)
    _names(parts)
    return parts


# --- labelled for the page ------------------------------------------------------------

@dataclass(frozen=True)
class ConventionBudget:
    pk: int
    reference: str
    title: str
    envelope: Decimal
    committed: Decimal
    disbursed: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.envelope - self.committed

    @property
    def share_committed(self) -> Decimal:
        if self.envelope:
            return self.committed / self.envelope
        return Decimal(1) if self.committed else ZERO


@dataclass
class Outcome:
    label: str
    launched: int = 0
    average_revenue: Decimal | None = None
    jobs: int = 0
    reincarcerations: int = 0
    milestones: list[dict] = field(default_factory=list)

    def cells(self) -> list[str]:
        """The row's cells after its label, as the page prints them (formatted here: a
        national page has over a hundred rows, too slow through template tags)."""
        share_of = gettext("%(share)s %% (%(running)s of %(observed)s)")
        return [
            str(self.launched),
            *("—" if m["share"] is None else share_of % m for m in self.milestones),
            "—" if self.average_revenue is None else format_amount(self.average_revenue),
            str(self.jobs),
            str(self.reincarcerations),
        ]


def outcome(label: str, sums: dict) -> Outcome:
    milestones = []
    for milestone in MILESTONES:
        observed = sums[f"observed_{milestone}"]
        running = observed - sums[f"stopped_{milestone}"]
        milestones.append({
            "months": milestone,
            "observed": observed,
            "running": running,
            "share": round(running * 100 / observed) if observed else None,
        })
    return Outcome(
        label=label,
        launched=sums["launched"],
        average_revenue=money(sums["revenue"]) / sums["reporting"] if sums["reporting"] else None,
        jobs=sums["jobs"],
        reincarcerations=sums["reincarcerations"],
        milestones=milestones,
    )


def label_outcomes(outcomes: dict, names: dict, conventions: set[str] | None = None) -> dict:
    """The outcome sums as `Outcome`s labelled in the page's language and sorted; only
    the conventions in `conventions` (ids) if given."""
    no_convention = str(_("No convention"))
    by_convention = [
        outcome(names["convention"][pk] if pk else no_convention, sums)
        for pk, sums in outcomes["by_convention"].items()
        if conventions is None or pk in conventions
    ]
    return {
        "overall": outcome(str(_("Whole selection")), outcomes["overall"]),
        "by_convention": sorted(
            by_convention, key=lambda item: (item.label == no_convention, label_key(item.label))
        ),
        "by_sector": sorted((
            outcome(localised(*names["sector"][pk]), sums)
            for pk, sums in outcomes["by_sector"].items()
        ), key=lambda item: label_key(item.label)),
        "by_prefecture": sorted((
            outcome(localised(*names["prefecture"][pk]), sums)
            for pk, sums in outcomes["by_prefecture"].items()
        ), key=lambda item: label_key(item.label)),
    }


def present(figures: dict, *, cut: bool) -> dict:
    """`figures` (of `combine`) labelled and sorted in the page's language.

    `cut`: list only the first `CONVENTIONS_SHOWN` conventions by share of their envelope
    committed (the national page), and the outcomes of those conventions only."""
    names = figures["names"]
    beneficiaries, projects = figures["beneficiaries"], figures["projects"]
    conventions = sorted((
        ConventionBudget(
            pk=int(pk), reference=c["reference"], title=c["title"], envelope=money(c["envelope"]),
            committed=money(c["committed"]), disbursed=money(c["disbursed"]),
        ) for pk, c in figures["conventions"].items()
    ), key=lambda convention: (-convention.share_committed, convention.reference))
    shown = conventions[:CONVENTIONS_SHOWN] if cut else conventions
    by_sector = [
        (localised(*names["sector"][pk]), n) for pk, n in projects["by_sector"].items()
    ]
    trend = figures["trend"]
    equipment = figures["equipment"]
    return {
        "beneficiaries": {
            "total": sum(beneficiaries["by_status"].values()),
            # In the choices' order: PostgreSQL's jsonb does not keep the keys' order.
            "by_status": [
                (str(label), beneficiaries["by_status"].get(key, 0))
                for key, label in Beneficiary.Status.choices
            ],
            "by_sex": [
                (str(label), beneficiaries["by_sex"].get(key, 0))
                for key, label in Beneficiary.Sex.choices
            ],
        },
        "projects": {
            "total": sum(projects["by_status"].values()),
            "by_status": [
                (str(label), projects["by_status"].get(key, 0)) for key, label in Project.Status.choices
            ],
            "by_sector": sorted(by_sector, key=lambda v: (-v[1], label_key(v[0]))),
        },
        "conventions": shown,
        "conventions_total": len(conventions),
        "equipment": {**equipment, "value": money(equipment["value"])},
        "visits": dict(figures["visits"]),
        "trend": {
            "months": [datetime.date.fromisoformat(month) for month in trend["months"]],
            "submitted": trend["submitted"],
            "approved": trend["approved"],
        },
        "outcomes": label_outcomes(
            figures["outcomes"], names,
            {str(convention.pk) for convention in shown} if len(shown) < len(conventions) else None,
        ),
    }
