"""The ledger's reconciliation: every figure of the money recomputed from the rows, and
each breach of its rules named with its figures.

The rules are those of `grants.models` ("the ledger") and `grants.services`: a project
never engages and pays more than its approved amount, nor pays more cash than its cash
grant, nor spends anything without a commitment; an invoice is shared exactly among its
order's lines, and is above the order's total only through an amendment; a convention
commits at most its envelope and disburses at most what it committed, and its stored
figures (`ConventionFigures`) are those its rows give.

`check()` is read by `manage.py check_ledger` and the convention's ledger page (both in
`reintegration.dashboard`, which adds the dashboard's snapshots) and by the admin's
corrections (`grants.admin`), which refuse to create or grow a breach. It sums with a few
grouped queries whatever the number of rows (about ten for the whole country).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from reintegration.common.money import format_money

from .models import (
    MONEY_SUM,
    ZERO,
    Amendment,
    Convention,
    EquipmentItem,
    Project,
    _sum_subquery,
    line_cost,
    payments,
    purchase_orders,
)


@dataclass(frozen=True)
class Breach:
    """One rule of the ledger broken: by which row (`subject`, its reference or number),
    by how much (`excess`), in a sentence naming the figures."""

    code: str
    subject: str
    message: str
    excess: Decimal = ZERO
    convention_id: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.code, self.subject


@dataclass
class ProjectFigures:
    pk: int
    public_id: object
    reference: str
    status: str
    convention_id: int | None
    approved: Decimal | None
    cash_grant: Decimal
    engaged: Decimal = ZERO
    paid: Decimal = ZERO
    invoiced: Decimal = ZERO
    decided: Decimal | None = None  # the latest approved amendment's amount

    @property
    def spent(self) -> Decimal:
        return self.engaged + self.paid

    @property
    def available(self) -> Decimal:
        return (self.approved or ZERO) - self.spent

    @property
    def status_label(self) -> str:
        return str(Project.Status(self.status).label)


@dataclass
class ConventionFiguresCheck:
    pk: int
    reference: str
    prefecture_id: int
    envelope: Decimal
    committed: Decimal = ZERO
    engaged: Decimal = ZERO  # its projects' engaged and paid
    disbursed: Decimal = ZERO
    stored: tuple[Decimal, Decimal] | None = None  # ConventionFigures (committed, disbursed)

    @property
    def remaining(self) -> Decimal:
        return self.envelope - self.committed


@dataclass
class Report:
    conventions: dict[int, ConventionFiguresCheck] = field(default_factory=dict)
    projects: dict[int, ProjectFigures] = field(default_factory=dict)
    breaches: list[Breach] = field(default_factory=list)
    # What is out of date rather than wrong (the dashboard's snapshots, between two refreshes).
    notes: list[str] = field(default_factory=list)

    def keys(self) -> dict[tuple[str, str], Breach]:
        return {breach.key: breach for breach in self.breaches}


def _ids(values: Iterable | None) -> set[int]:
    if values is None:
        return set()
    return {getattr(value, "pk", value) for value in values} - {None}


def check(*, conventions: Iterable | None = None, projects: Iterable | None = None,
          orders: Iterable | None = None) -> Report:
    """The figures and breaches of the rows given — `conventions` (keys or instances),
    `projects`, `orders` — and of the conventions they count in, with all their projects
    and orders (a convention's sums need them all). Nothing given: everything.

    Three queries whatever the number of rows (the conventions, the projects, the
    orders), plus one per order invoiced above its total (rare)."""
    report = Report()
    if conventions is None and projects is None and orders is None:
        convention_rows = Convention.objects.all()
        project_rows = Project.objects.all()
        order_rows = purchase_orders().objects.all()
    else:
        convention_ids, project_ids, order_ids = _ids(conventions), _ids(projects), _ids(orders)
        convention_rows = Convention.objects.filter(
            Q(pk__in=convention_ids)
            | Q(pk__in=Project.objects.filter(pk__in=project_ids).values("convention"))
            | Q(pk__in=purchase_orders().objects.filter(pk__in=order_ids).values("convention"))
        )
        project_rows = Project.objects.filter(Q(pk__in=project_ids) | Q(convention__in=convention_rows))
        order_rows = purchase_orders().objects.filter(
            Q(pk__in=order_ids) | Q(convention__in=convention_rows)
            | Q(pk__in=EquipmentItem.objects.filter(project__in=project_rows).values("purchase_order"))
        )
    _convention_rows(report, convention_rows)
    _project_figures(report, project_rows)
    _project_breaches(report)
    _order_breaches(report, order_rows)
    _convention_breaches(report)
    return report


# --- projects ----------------------------------------------------------------------------

def _project_figures(report: Report, projects: QuerySet) -> None:
    """Each project's figures (one query), added up into its convention's."""
    lines = EquipmentItem.objects.filter(project=OuterRef("pk"))
    decided = Amendment.objects.filter(project=OuterRef("pk"), status=Amendment.Status.APPROVED).order_by(
        "-decided_at", "-pk"
    )
    rows = projects.order_by("pk").annotate(
        engaged=_sum_subquery(lines.engaged(), line_cost()),
        paid=_sum_subquery(payments().objects.filter(project=OuterRef("pk")), "amount"),
        invoiced=_sum_subquery(lines.invoiced(), "invoiced_amount"),
        decided=Subquery(decided.values("decided_amount")[:1]),
    ).values(
        "pk", "public_id", "reference", "status", "convention_id", "approved_amount", "cash_grant_amount",
        "engaged", "paid", "invoiced", "decided",
    )
    committed_statuses = set(Project.COMMITTED_STATUSES)
    for row in rows:
        project = report.projects[row["pk"]] = ProjectFigures(
            pk=row["pk"], public_id=row["public_id"], reference=row["reference"], status=row["status"],
            convention_id=row["convention_id"], approved=row["approved_amount"],
            cash_grant=row["cash_grant_amount"], engaged=row["engaged"], paid=row["paid"],
            invoiced=row["invoiced"], decided=row["decided"],
        )
        convention = report.conventions.get(project.convention_id)
        if convention is None:
            continue
        if project.status in committed_statuses:
            convention.committed += project.approved or ZERO
        convention.engaged += project.spent
        convention.disbursed += project.invoiced + project.paid


def _project_breaches(report: Report) -> None:
    committed = set(Project.COMMITTED_STATUSES)
    for project in report.projects.values():
        approved = project.approved or ZERO
        if project.spent and (project.status not in committed or project.convention_id is None):
            report.breaches.append(Breach(
                "spending_without_commitment", project.reference, _(
                    "Project %(project)s is “%(status)s”, committed on no convention, yet has "
                    "%(spent)s engaged and paid."
                ) % {"project": project.reference, "status": project.status_label,
                     "spent": format_money(project.spent)},
                project.spent, project.convention_id,
            ))
        elif project.spent > approved:
            report.breaches.append(Breach(
                "above_approved", project.reference, _(
                    "Project %(project)s has %(spent)s engaged and paid (%(engaged)s of equipment "
                    "ordered, %(paid)s of cash grant paid), above its approved amount of %(approved)s."
                ) % {"project": project.reference, "spent": format_money(project.spent),
                     "engaged": format_money(project.engaged), "paid": format_money(project.paid),
                     "approved": format_money(approved)},
                project.spent - approved, project.convention_id,
            ))
        if project.paid > project.cash_grant:
            report.breaches.append(Breach(
                "cash_above_grant", project.reference, _(
                    "Project %(project)s was paid %(paid)s in cash, above its cash grant of %(grant)s."
                ) % {"project": project.reference, "paid": format_money(project.paid),
                     "grant": format_money(project.cash_grant)},
                project.paid - project.cash_grant, project.convention_id,
            ))
        if project.decided is not None and project.decided != project.approved:
            report.breaches.append(Breach(
                "approved_not_decided", project.reference, _(
                    "Project %(project)s is approved for %(approved)s, but its last approved "
                    "amendment decided %(decided)s."
                ) % {"project": project.reference, "approved": format_money(approved),
                     "decided": format_money(project.decided)},
                abs(approved - project.decided), project.convention_id,
            ))


# --- orders ------------------------------------------------------------------------------

def _order_breaches(report: Report, orders: QuerySet) -> None:
    # Sums over each order's lines alone (one relation joined: nothing multiplies).
    rows = orders.order_by("pk").annotate(
        line_count=Count("lines"),
        line_total=Sum(F("lines__quantity") * F("lines__unit_price"), output_field=MONEY_SUM),
        shares=Sum("lines__invoiced_amount", output_field=MONEY_SUM),
        shared=Count("lines", filter=Q(lines__invoiced_amount__isnull=False)),
        same_convention=Count("lines", filter=Q(lines__project__convention=F("convention"))),
    ).values(
        "pk", "number", "status", "invoice_amount", "created_at", "convention_id", "convention__reference",
        "line_count", "line_total", "shares", "shared", "same_convention",
    )
    invoiced = purchase_orders().Status.INVOICED
    for order in rows:
        if not order["line_count"]:
            continue  # a draft without lines engages nothing
        number, convention_id = order["number"], order["convention_id"]
        invoice = order["invoice_amount"] or ZERO
        shares = order["shares"] or ZERO
        unshared = order["line_count"] - order["shared"]
        if order["status"] == invoiced and (unshared or shares != invoice):
            report.breaches.append(Breach(
                "invoice_not_shared", number, _(
                    "Order %(order)s is invoiced %(invoice)s, but its lines' shares of the invoice "
                    "add up to %(shares)s (%(missing)s lines without a share)."
                ) % {"order": number, "invoice": format_money(invoice), "shares": format_money(shares),
                     "missing": unshared},
                abs(invoice - shares), convention_id,
            ))
        if order["status"] != invoiced and order["shared"]:
            report.breaches.append(Breach(
                "shared_before_invoice", number, _(
                    "Order %(order)s is not invoiced, yet %(count)s of its lines carry a share of an "
                    "invoice (%(shares)s)."
                ) % {"order": number, "count": order["shared"], "shares": format_money(shares)},
                shares, convention_id,
            ))
        elsewhere = order["line_count"] - order["same_convention"]
        if elsewhere:
            report.breaches.append(Breach(
                "order_of_another_convention", number, _(
                    "Order %(order)s is made on convention %(convention)s, but %(count)s of its lines "
                    "belong to projects of another convention."
                ) % {"order": number, "convention": order["convention__reference"], "count": elsewhere},
                Decimal(elsewhere), convention_id,
            ))
        total = order["line_total"] or ZERO
        if order["status"] == invoiced and invoice > total:
            _invoice_above_order(report, order, total)


def _invoice_above_order(report: Report, order: dict, total: Decimal) -> None:
    """An invoice above its order's total stands only on an amendment of each of its
    projects decided after the order (`grants.services.amendment_covers`)."""
    covered = Amendment.objects.filter(
        project=OuterRef("pk"), status=Amendment.Status.APPROVED, decided_at__gte=order["created_at"]
    )
    missing = sorted(
        Project.objects.filter(equipment_items__purchase_order=order["pk"])
        .exclude(Exists(covered)).distinct().values_list("reference", flat=True)
    )
    if missing:
        report.breaches.append(Breach(
            "invoice_above_order", order["number"], _(
                "Order %(order)s is invoiced %(invoice)s, above its lines' total of %(total)s, "
                "without an amendment decided after the order for %(projects)s."
            ) % {"order": order["number"], "invoice": format_money(order["invoice_amount"]),
                 "total": format_money(total), "projects": ", ".join(missing)},
            order["invoice_amount"] - total, order["convention_id"],
        ))


# --- conventions -------------------------------------------------------------------------

def _convention_rows(report: Report, conventions: QuerySet) -> None:
    """The conventions with their stored figures (one query); `_project_figures` adds
    their projects' sums."""
    for row in conventions.order_by("pk").values(
        "pk", "reference", "prefecture_id", "envelope", "figures__committed", "figures__disbursed"
    ):
        stored = None
        if row["figures__committed"] is not None:
            stored = (row["figures__committed"], row["figures__disbursed"])
        report.conventions[row["pk"]] = ConventionFiguresCheck(
            pk=row["pk"], reference=row["reference"], prefecture_id=row["prefecture_id"],
            envelope=row["envelope"], stored=stored,
        )


def _convention_breaches(report: Report) -> None:
    for convention in report.conventions.values():
        subject = convention.reference
        if convention.committed > convention.envelope:
            report.breaches.append(Breach(
                "above_envelope", subject, _(
                    "Convention %(convention)s has %(committed)s committed, above its envelope of "
                    "%(envelope)s."
                ) % {"convention": subject, "committed": format_money(convention.committed),
                     "envelope": format_money(convention.envelope)},
                convention.committed - convention.envelope, convention.pk,
            ))
        if convention.disbursed > convention.committed:
            report.breaches.append(Breach(
                "disbursed_above_committed", subject, _(
                    "Convention %(convention)s has %(disbursed)s disbursed, above the %(committed)s "
                    "it committed."
                ) % {"convention": subject, "disbursed": format_money(convention.disbursed),
                     "committed": format_money(convention.committed)},
                convention.disbursed - convention.committed, convention.pk,
            ))
        stored = convention.stored or (ZERO, ZERO)
        if stored != (convention.committed, convention.disbursed):
            report.breaches.append(Breach(
                "stored_figures", subject, _(
                    "Convention %(convention)s shows %(stored_committed)s committed and "
                    "%(stored_disbursed)s disbursed on its pages, where its rows give %(committed)s "
                    "and %(disbursed)s."
                ) % {"convention": subject, "stored_committed": format_money(stored[0]),
                     "stored_disbursed": format_money(stored[1]),
                     "committed": format_money(convention.committed),
                     "disbursed": format_money(convention.disbursed)},
                abs(stored[0] - convention.committed) + abs(stored[1] - convention.disbursed),
                convention.pk,
            ))


# --- the admin's rule --------------------------------------------------------------------

def new_or_grown(before: Report, after: Report) -> list[Breach]:
    """The breaches of `after` that `before` did not have, or had smaller: what a
    correction may not cause (it may leave an old breach as it was, or reduce it)."""
    known = before.keys()
    return [
        breach for breach in after.breaches
        if breach.key not in known or breach.excess > known[breach.key].excess
    ]
