"""A national programme's worth of data for the benchmark, inserted in bulk.

`seed_bench(beneficiaries=100_000)` writes, for N beneficiaries over the 75 prefectures:
N projects in every state, 4·N equipment lines, N/50 suppliers, 3·N/1000 conventions,
N/100 ceremonies with 20 handovers each and 2·N follow-up visits, plus the purchase orders,
cash grants, workflow events, reviews and project outcomes those imply, and users of each
role.

Rows go in with `bulk_create` in batches, so django-simple-history writes no history
(intended: the benchmark measures pages, not history) and no `save()` runs. The data
still holds every rule the database and the services hold: approved projects have a
convention and an amount, each convention's envelope covers what its projects commit,
each project spends (orders at their price or invoice, cash grant paid) at most what it
was approved for (`manage.py check_ledger` finds no breach), numbers follow the app's
sequences (which are moved past the numbers used).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from beneficiaries.models import Beneficiary, PenitentiaryEstablishment
from ceremonies.models import Ceremony, Guest, Handover
from followup.models import FollowUpVisit, ProjectOutcome
from followup.services import refresh_outcomes
from grants.models import Convention, EquipmentItem, Partner, Project, ProjectEvent, Review, Sector
from grants.services import refresh_convention_figures
from procurement.models import Disbursement, PurchaseOrder, Supplier
from reintegration.accounts.models import User
from reintegration.accounts.roles import Role
from reintegration.sequences.models import Sequence
from reintegration.territories.models import Prefecture

from . import names

BATCH = 5000
BUNDLE_SIZE = 50
BENCH_PASSWORD = "bench-reinsertion-2024"
FIRST_YEAR = 2019
P = Project.Status
B = Beneficiary.Status
E = EquipmentItem.Status

# Share of projects in each state: a programme running for some years.
PROJECT_STATUS_WEIGHTS = {
    P.DRAFT: 8, P.SUBMITTED: 7, P.RETURNED: 3, P.REJECTED: 5, P.APPROVED: 12,
    P.EQUIPPED: 10, P.ACTIVE: 40, P.CLOSED: 10, P.ABANDONED: 5,
}
HANDED_OVER = {P.EQUIPPED, P.ACTIVE, P.CLOSED, P.ABANDONED}
COMMITTED = set(Project.COMMITTED_STATUSES)
# Workflow path walked by a project to reach each state (ProjectEvent rows).
PATHS = {
    P.DRAFT: [],
    P.SUBMITTED: [P.SUBMITTED],
    P.RETURNED: [P.SUBMITTED, P.RETURNED],
    P.REJECTED: [P.SUBMITTED, P.REJECTED],
    P.APPROVED: [P.SUBMITTED, P.APPROVED],
    P.EQUIPPED: [P.SUBMITTED, P.APPROVED, P.EQUIPPED],
    P.ACTIVE: [P.SUBMITTED, P.APPROVED, P.EQUIPPED, P.ACTIVE],
    P.CLOSED: [P.SUBMITTED, P.APPROVED, P.EQUIPPED, P.ACTIVE, P.CLOSED],
    P.ABANDONED: [P.SUBMITTED, P.APPROVED, P.EQUIPPED, P.ACTIVE, P.ABANDONED],
}
DECISIONS = {
    P.APPROVED: Review.Decision.APPROVE, P.REJECTED: Review.Decision.REJECT,
    P.RETURNED: Review.Decision.RETURN,
}


@dataclass
class PlannedProject:
    """A project before insertion: what the later tables need to know about it."""

    beneficiary_id: int
    prefecture_id: int
    sector: int
    status: str
    created: dt.datetime
    lines: list = field(default_factory=list)  # (designation, quantity, unit price)
    cash_grant: Decimal = Decimal("0")
    convention_index: int | None = None
    pk: int | None = None
    submitted_at: dt.datetime | None = None

    @property
    def equipment_total(self) -> Decimal:
        return sum((q * p for _d, q, p in self.lines), Decimal("0"))


@contextlib.contextmanager
def keep_given_timestamps(*models):
    """Let bulk_create store the dates we give instead of `now` (auto_now[_add] off)."""
    touched = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                touched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in touched:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class Seeder:
    def __init__(self, *, beneficiaries: int, seed: int = 2024, stdout=None):
        self.n = beneficiaries
        self.rng = random.Random(seed)
        self.out = stdout
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.numbers: dict[str, int] = defaultdict(int)  # sequence name -> last value used

    # --- helpers -----------------------------------------------------------------
    def say(self, message: str) -> None:
        if self.out is not None:
            self.out.write(message)
            if hasattr(self.out, "flush"):
                self.out.flush()

    def insert(self, model, objects, label: str | None = None):
        """bulk_create in batches; returns the saved objects (with their ids)."""
        saved = []
        for start in range(0, len(objects), BATCH):
            saved.extend(model.objects.bulk_create(objects[start:start + BATCH], batch_size=BATCH))
        if label:
            self.say(f"  {len(objects):>9,} {label}")
        return saved

    def number(self, prefix: str, year: int, width: int) -> str:
        key = f"{prefix}-{year}"
        self.numbers[key] += 1
        return f"{key}-{self.numbers[key]:0{width}d}"

    def moment(self, start: dt.date, end: dt.date) -> dt.datetime:
        if end <= start:
            end = start + dt.timedelta(days=1)
        day = start + dt.timedelta(days=self.rng.randrange((end - start).days))
        return dt.datetime.combine(day, dt.time(self.rng.randrange(8, 18), self.rng.randrange(60)),
                                   tzinfo=self.tz)

    def money(self, low: int, high: int, step: int = 50) -> Decimal:
        return Decimal(self.rng.randrange(low // step, high // step + 1) * step).quantize(Decimal("0.01"))

    # --- the data set ----------------------------------------------------------------
    def run(self) -> dict[str, int]:
        if Beneficiary.objects.exists():
            raise RuntimeError("The database already holds beneficiaries: seed_bench needs an empty one.")
        with transaction.atomic(), keep_given_timestamps(
            Beneficiary, Project, ProjectEvent, Review, Handover, Disbursement, Supplier,
            PurchaseOrder, Convention, Ceremony,
        ):
            self.reference_data()
            self.users()
            self.suppliers()
            self.beneficiaries()
            self.plan_projects()
            self.conventions()
            self.projects()
            self.workflow_history()
            self.equipment_and_orders()
            self.disbursements()
            self.ceremonies()
            self.visits()
            self.move_sequences()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans, fresh statistics
        return self.counts()

    def reference_data(self) -> None:
        self.prefectures = list(Prefecture.objects.order_by("code"))
        if len(self.prefectures) < 2:
            raise RuntimeError("Prefectures are missing: run `manage.py migrate` first.")
        self.weights = [
            4 if any(word in p.name_fr for word in names.URBAN_NAMES) else 1 for p in self.prefectures
        ]
        self.sectors = []
        for name_fr, name_ar, name_en, kit in names.SECTORS:
            sector, _created = Sector.objects.get_or_create(
                name_fr=name_fr, defaults={"name_ar": name_ar, "name_en": name_en}
            )
            self.sectors.append((sector, kit))
        self.partners = {}
        for prefecture in self.prefectures:
            partner, _created = Partner.objects.get_or_create(
                name=f"CPDH {prefecture.name_fr}",
                defaults={"kind": Partner.Kind.CPDH, "prefecture": prefecture},
            )
            self.partners[prefecture.pk] = partner
        establishments = []
        for prefecture, weight in zip(self.prefectures, self.weights, strict=True):
            for kind in ["Prison locale", "Centre de réforme et d'éducation"][: 1 + (weight > 1)]:
                establishments.append(
                    PenitentiaryEstablishment(name=f"{kind} {prefecture.name_fr}", prefecture=prefecture)
                )
        PenitentiaryEstablishment.objects.bulk_create(establishments, ignore_conflicts=True)
        self.establishments = defaultdict(list)
        for establishment in PenitentiaryEstablishment.objects.all():
            self.establishments[establishment.prefecture_id].append(establishment.pk)
        self.say("  reference data: prefectures, sectors, partners, establishments")

    def users(self) -> None:
        """A national admin and auditor, and a staff member and an officer per prefecture."""
        password = make_password(BENCH_PASSWORD)
        groups = {role: Group.objects.get(name=role.value) for role in Role}
        wanted = [("bench_admin", Role.ADMIN, None), ("bench_auditor", Role.AUDITOR, None)]
        for prefecture in self.prefectures:
            wanted.append((f"staff_{prefecture.code}", Role.FOUNDATION_STAFF, prefecture))
            wanted.append((f"officer_{prefecture.code}", Role.PREFECTURE_OFFICER, prefecture))
        users = self.insert(User, [
            User(username=username, password=password, first_name=role.label[:30],
                 last_name=prefecture.name_fr if prefecture else "National",
                 email=f"{username.replace('.', '-')}@bench.reinsertion.ma",
                 is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
            for username, role, prefecture in wanted
        ], "users")
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=user.pk, group_id=groups[role].pk)
            for user, (_u, role, _p) in zip(users, wanted, strict=True)
        )
        User.prefectures.through.objects.bulk_create(
            User.prefectures.through(user_id=user.pk, prefecture_id=prefecture.pk)
            for user, (_u, _r, prefecture) in zip(users, wanted, strict=True) if prefecture
        )
        self.staff_of = {p.pk: users[2 + 2 * i].pk for i, p in enumerate(self.prefectures)}
        self.officer_of = {p.pk: users[3 + 2 * i].pk for i, p in enumerate(self.prefectures)}

    def suppliers(self) -> None:
        count = max(self.n // 50, 5)
        start = self.rng.randrange(10**12 // 97, 10**13 // 97)
        suppliers = []
        for i in range(count):
            prefecture = self.rng.choices(self.prefectures, self.weights)[0]
            suppliers.append(Supplier(
                name=f"{self.rng.choice(['Équipements', 'Sté', 'Ets', 'Comptoir', 'Atlas'])} "
                     f"{self.rng.choice(names.LAST_NAMES)[0]} {prefecture.name_fr} {i + 1}",
                ice=f"{(start + i) * 97:015d}",
                rc=str(10000 + i), tax_id=str(40000000 + i),
                phone=f"+2125{self.rng.randrange(20000000, 39999999)}",
                email=f"contact{i + 1}@fournisseur.ma",
                address=f"{self.rng.randrange(1, 200)} {self.rng.choice(names.STREETS)}, "
                        f"{prefecture.name_fr}",
                rib=f"{self.rng.randrange(10**23, 10**24)}",
                created_at=self.moment(dt.date(FIRST_YEAR, 1, 1), self.today),
            ))
        self.supplier_ids = [s.pk for s in self.insert(Supplier, suppliers, "suppliers")]

    def beneficiaries(self) -> None:
        rng = self.rng
        status_weights = {B.REGISTERED: 8, B.ELIGIBLE: 10, B.IN_PROGRAMME: 40, B.FOLLOWED_UP: 25,
                          B.CLOSED: 12, B.INELIGIBLE: 5}
        statuses = rng.choices(list(status_weights), list(status_weights.values()), k=self.n)
        prefectures = rng.choices(self.prefectures, self.weights, k=self.n)
        letters = ["A", "AB", "BE", "BH", "BK", "C", "CD", "D", "DA", "E", "EE", "F", "G", "H", "HA",
                   "I", "J", "JA", "JB", "K", "L", "M", "N", "Q", "S", "T", "U", "W", "X", "Z", "ZT"]
        objects = []
        for i in range(self.n):
            sex = Beneficiary.Sex.FEMALE if rng.random() < 0.12 else Beneficiary.Sex.MALE
            first = rng.choice(names.FEMALE_FIRST_NAMES if sex == Beneficiary.Sex.FEMALE
                               else names.MALE_FIRST_NAMES)
            last = rng.choice(names.LAST_NAMES)
            prefecture = prefectures[i]
            created = self.moment(dt.date(FIRST_YEAR, 1, 1), self.today)
            birth = created.date() - dt.timedelta(days=rng.randrange(16 * 365, 55 * 365))
            release = created.date() - dt.timedelta(days=rng.randrange(10, 900))
            release = max(release, birth + dt.timedelta(days=365 * 12))
            minor = (created.date() - birth).days < 18 * 365
            consent = created.date() if statuses[i] != B.REGISTERED else None
            objects.append(Beneficiary(
                public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                file_number=self.number("BEN", created.year, 5),
                first_name=first[0], last_name=last[0], first_name_ar=first[1], last_name_ar=last[1],
                # Unique by construction; 3 % of files have no national ID yet.
                cin="" if rng.random() < 0.03 else f"{rng.choice(letters)}{100000 + i}",
                birth_date=birth, sex=sex,
                phone=f"+2126{rng.randrange(10000000, 99999999)}" if rng.random() < 0.9 else "",
                address=f"{rng.randrange(1, 300)} {rng.choice(names.STREETS)}, {prefecture.name_fr}",
                prefecture_id=prefecture.pk,
                education_level=rng.choice(Beneficiary.EducationLevel.values),
                family_status=rng.choice(Beneficiary.FamilyStatus.values),
                dependents=rng.choice([0, 0, 1, 2, 3, 4, 5]),
                establishment_id=rng.choice(self.establishments[prefecture.pk]),
                release_date=release, detention_months=rng.randrange(3, 120),
                prison_training=rng.choice(["", "Formation en couture", "Formation en menuiserie",
                                            "Formation en coiffure", "Formation en soudure"]),
                skills=rng.choice(["", "Cuisine", "Mécanique", "Vente", "Électricité"]),
                status=statuses[i], consent_signed_on=consent,
                guardian_name="Tuteur légal" if minor else "",
                guardian_consent_signed_on=consent if minor else None,
                created_by_id=self.staff_of[prefecture.pk], created_at=created, updated_at=created,
            ))
        saved = self.insert(Beneficiary, objects, "beneficiaries")
        self.beneficiary_rows = [(b.pk, b.prefecture_id, b.status, b.created_at) for b in saved]

    def plan_projects(self) -> None:
        """One project per beneficiary on average: most have one, some two, the new none."""
        rng = self.rng
        owners = [row for row in self.beneficiary_rows if row[2] not in (B.REGISTERED, B.INELIGIBLE)]
        chosen = list(owners)
        while len(chosen) < self.n:
            chosen.append(rng.choice(owners))
        chosen = chosen[: self.n]
        statuses = rng.choices(list(PROJECT_STATUS_WEIGHTS), list(PROJECT_STATUS_WEIGHTS.values()),
                               k=self.n)
        self.planned: list[PlannedProject] = []
        for (pk, prefecture_id, _status, created), status in zip(chosen, statuses, strict=True):
            sector = rng.randrange(len(self.sectors))
            kit = self.sectors[sector][1]
            lines = []
            for designation, low, high in rng.sample(kit, k=min(len(kit), rng.choice([3, 4, 4, 5]))):
                lines.append((designation, rng.choice([1, 1, 1, 2, 3]), self.money(low, high)))
            project_created = created + dt.timedelta(days=rng.randrange(1, 60))
            if project_created.date() >= self.today:
                project_created = created
            self.planned.append(PlannedProject(
                beneficiary_id=pk, prefecture_id=prefecture_id, sector=sector, status=status,
                created=project_created, lines=lines, cash_grant=self.money(2000, 10000, 500),
            ))
        # Exactly 4 equipment lines per project on average (400,000 for 100,000 projects).
        lines_wanted = 4 * self.n - sum(len(p.lines) for p in self.planned)
        while lines_wanted > 0:
            project = rng.choice(self.planned)
            kit = self.sectors[project.sector][1]
            designation, low, high = rng.choice(kit)
            project.lines.append((designation, 1, self.money(low, high)))
            lines_wanted -= 1
        while lines_wanted < 0:
            project = rng.choice(self.planned)
            if len(project.lines) > 2:
                project.lines.pop()
                lines_wanted += 1

    def conventions(self) -> None:
        """Four conventions per prefecture (300 for 100,000 files), envelopes that cover
        what their projects commit, with room left."""
        per_prefecture = max(1, round(3 * self.n / 1000 / len(self.prefectures)))
        objects = []
        self.conventions_of = defaultdict(list)
        for prefecture in self.prefectures:
            for k in range(per_prefecture):
                year = FIRST_YEAR + k * max(1, (self.today.year - FIRST_YEAR + 1) // per_prefecture)
                year = min(year, self.today.year)
                starts = dt.date(year, 1, 1)
                ends = dt.date(min(year + 3, self.today.year + 2), 12, 31)
                self.conventions_of[prefecture.pk].append(len(objects))
                objects.append(Convention(
                    reference=f"CONV-INDH3-{prefecture.code}-{k + 1:02d}",
                    title=f"Réinsertion économique des anciens détenus — {prefecture.name_fr} {year}",
                    partner=self.partners[prefecture.pk], prefecture_id=prefecture.pk,
                    indh_phase=3, indh_programme=Convention.IndhProgramme.INCOME,
                    signed_on=starts - dt.timedelta(days=30), starts_on=starts, ends_on=ends,
                    envelope=Decimal("0"), max_per_project=Decimal("300000.00"),
                    max_share=Decimal("70.00"), quote_threshold=Decimal("50000.00"),
                    status=Convention.Status.CLOSED if ends < self.today else Convention.Status.ACTIVE,
                    created_at=dt.datetime.combine(starts, dt.time(9), tzinfo=self.tz),
                ))
        committed = defaultdict(Decimal)
        for project in self.planned:
            if project.status in COMMITTED or project.status in (P.SUBMITTED, P.RETURNED):
                choices = self.conventions_of[project.prefecture_id]
                # The convention running when the project was written, else the latest.
                day = project.created.date()
                fitting = [c for c in choices if objects[c].starts_on <= day <= objects[c].ends_on]
                project.convention_index = self.rng.choice(fitting or choices[-1:])
                if project.status in COMMITTED:
                    committed[project.convention_index] += project.equipment_total + project.cash_grant
        for index, convention in enumerate(objects):
            # 5 to 40 % of each envelope still free, at least 500,000 DH.
            spare = committed[index] * Decimal(self.rng.randrange(5, 40)) / 100
            convention.envelope = (committed[index] + max(spare, Decimal("500000"))).quantize(Decimal("1000"))
        self.convention_objects = self.insert(Convention, objects, "conventions")

    def projects(self) -> None:
        objects = []
        for project in self.planned:
            requested = project.equipment_total + project.cash_grant
            committed = project.status in COMMITTED
            convention = (self.convention_objects[project.convention_index]
                          if project.convention_index is not None else None)
            submitted_at = (project.created + dt.timedelta(days=self.rng.randrange(1, 20))
                            if project.status != P.DRAFT else None)
            sector, _kit = self.sectors[project.sector]
            objects.append(Project(
                public_id=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                reference=self.number("PRJ", project.created.year, 5),
                beneficiary_id=project.beneficiary_id,
                title=f"{sector.name_fr} — {self.rng.choice(names.STREETS)}",
                sector=sector, description="Projet d'activité génératrice de revenus.",
                prefecture_id=project.prefecture_id, convention=convention,
                # Approved for what it requests (`Project.requested_amount`, computed).
                approved_amount=requested if committed else None,
                cash_grant_amount=project.cash_grant,
                own_contribution=(requested * Decimal("0.45")).quantize(Decimal("0.01")),
                expected_monthly_revenue=self.money(2000, 9000, 100),
                committee_minutes_number=f"PV-{project.created.year}-{self.rng.randrange(1, 400)}"
                if committed else "",
                committee_decision_on=submitted_at.date() + dt.timedelta(days=10)
                if committed else None,
                status=project.status, submitted_at=submitted_at,
                launched_on=(submitted_at.date() + dt.timedelta(days=120)
                             if project.status in (P.ACTIVE, P.CLOSED, P.ABANDONED) else None),
                created_by_id=self.staff_of[project.prefecture_id],
                created_at=project.created, updated_at=submitted_at or project.created,
            ))
        saved = self.insert(Project, objects, "projects")
        for project, row in zip(self.planned, saved, strict=True):
            project.pk = row.pk
            project.submitted_at = row.submitted_at

    def workflow_history(self) -> None:
        events, reviews = [], []
        for project in self.planned:
            at = project.created
            previous = P.DRAFT
            for step in PATHS[project.status]:
                at = at + dt.timedelta(days=self.rng.randrange(1, 40))
                reviewer = step in DECISIONS
                user = (self.officer_of if reviewer else self.staff_of)[project.prefecture_id]
                reason = "Dossier complet et conforme." if reviewer else ""
                events.append(ProjectEvent(project_id=project.pk, from_status=previous, to_status=step,
                                           user_id=user, reason=reason, at=at))
                if reviewer:
                    reviews.append(Review(project_id=project.pk, reviewer_id=user,
                                          decision=DECISIONS[step], reason=reason, at=at))
                previous = step
        self.insert(ProjectEvent, events, "project events")
        self.insert(Review, reviews, "reviews")

    def equipment_and_orders(self) -> None:
        """Lines of handed-over projects are bought through invoiced orders; lines of approved
        projects are planned, ordered or delivered; the others are only planned."""
        rng = self.rng
        phase_of = {}
        for project in self.planned:
            if project.status in HANDED_OVER:
                phase_of[project.pk] = E.HANDED_OVER
            elif project.status == P.APPROVED:
                phase_of[project.pk] = rng.choice([E.PLANNED, E.ORDERED, E.DELIVERED, E.DELIVERED])
            else:
                phase_of[project.pk] = E.PLANNED
        groups = defaultdict(list)
        for project in self.planned:
            if phase_of[project.pk] != E.PLANNED:
                groups[(project.convention_index, phase_of[project.pk])].append(project)
        order_status = {E.ORDERED: PurchaseOrder.Status.SENT, E.DELIVERED: PurchaseOrder.Status.DELIVERED,
                        E.HANDED_OVER: PurchaseOrder.Status.INVOICED}
        orders, order_members = [], []
        for (convention_index, phase), projects in groups.items():
            convention = self.convention_objects[convention_index]
            for start in range(0, len(projects), 8):
                members = projects[start:start + 8]
                ordered = max(p.submitted_at for p in members) + dt.timedelta(days=20)
                total = sum((p.equipment_total for p in members), Decimal("0"))
                invoiced = phase == E.HANDED_OVER
                orders.append(PurchaseOrder(
                    number=self.number("BC", ordered.year, 5), supplier_id=rng.choice(self.supplier_ids),
                    convention=convention, ordered_on=ordered.date(), status=order_status[phase],
                    invoice_number=f"F-{ordered.year}-{rng.randrange(1000, 99999)}" if invoiced else "",
                    invoice_amount=total if invoiced else None,
                    delivered_on=ordered.date() + dt.timedelta(days=15) if phase != E.ORDERED else None,
                    created_by_id=self.staff_of[convention.prefecture_id], created_at=ordered,
                ))
                order_members.append(members)
        orders = self.insert(PurchaseOrder, orders, "purchase orders")
        order_of = {}
        for order, members in zip(orders, order_members, strict=True):
            for project in members:
                order_of[project.pk] = order
        lines = []
        for project in self.planned:
            order = order_of.get(project.pk)
            phase = phase_of[project.pk]
            for designation, quantity, price in project.lines:
                lines.append(EquipmentItem(
                    project_id=project.pk, designation=designation, quantity=quantity, unit_price=price,
                    reference_price=price, supplier_id=order.supplier_id if order else None,
                    purchase_order=order,
                    # Invoiced at the order's total: each line's share is its own price.
                    invoiced_amount=quantity * price if phase == E.HANDED_OVER else None,
                    quantity_delivered=quantity if phase in (E.DELIVERED, E.HANDED_OVER) else 0,
                    status=phase,
                    serial_number=f"SN{rng.randrange(10**9)}" if phase == E.HANDED_OVER else "",
                ))
            if len(lines) >= 50_000:
                self.insert(EquipmentItem, lines)
                self.numbers["_lines"] += len(lines)
                lines = []
        self.insert(EquipmentItem, lines)
        self.say(f"  {self.numbers.pop('_lines', 0) + len(lines):>9,} equipment lines")

    def disbursements(self) -> None:
        objects = []
        for project in self.planned:
            if project.status in HANDED_OVER:
                paid = project.submitted_at + dt.timedelta(days=self.rng.randrange(60, 120))
                objects.append(Disbursement(
                    project_id=project.pk, amount=project.cash_grant, paid_on=min(paid.date(), self.today),
                    method=self.rng.choice(Disbursement.Method.values), reference=f"VIR-{project.pk}",
                    created_by_id=self.staff_of[project.prefecture_id], created_at=paid,
                ))
        self.insert(Disbursement, objects, "cash grants")
        # What the convention and project pages read, written by the app's own refresh.
        refresh_convention_figures(conventions=Convention.objects.values_list("pk", flat=True))

    def ceremonies(self) -> None:
        """N/100 held ceremonies of 20 handovers (the first of 50), projects of one convention each."""
        wanted = max(1, self.n // 100)
        per_ceremony = 20
        by_convention = defaultdict(list)
        for project in self.planned:
            if project.status in HANDED_OVER:
                by_convention[project.convention_index].append(project)
        queues = [projects for _index, projects in sorted(by_convention.items())]
        batches = []
        # The first ceremony hands over 50 projects: the bundle the benchmark prints.
        largest = max(queues, key=len)
        batches.append(largest[:BUNDLE_SIZE])
        del largest[:BUNDLE_SIZE]
        while len(batches) < wanted and any(len(q) >= per_ceremony for q in queues):
            for queue in queues:
                if len(queue) >= per_ceremony and len(batches) < wanted:
                    batches.append(queue[:per_ceremony])
                    del queue[:per_ceremony]
        ceremonies = []
        for members in batches:
            convention = self.convention_objects[members[0].convention_index]
            held = min(max(p.submitted_at for p in members).date() + dt.timedelta(days=90), self.today)
            prefecture = next(p for p in self.prefectures if p.pk == convention.prefecture_id)
            ceremonies.append(Ceremony(
                title=f"Cérémonie de remise d'équipements — {prefecture.name_fr}",
                held_on=held, place=f"Siège de la province, {prefecture.name_fr}",
                prefecture_id=prefecture.pk, presided_by=f"M. {self.rng.choice(names.LAST_NAMES)[0]}",
                presided_by_title="Gouverneur de la province", convention=convention,
                status=Ceremony.Status.HELD, created_by_id=self.staff_of[prefecture.pk],
                created_at=dt.datetime.combine(held, dt.time(9), tzinfo=self.tz) - dt.timedelta(days=20),
            ))
        ceremonies = self.insert(Ceremony, ceremonies, "ceremonies")
        guests, links, handovers = [], [], []
        for ceremony, members in zip(ceremonies, batches, strict=True):
            guests.append(Guest(ceremony=ceremony, name=ceremony.presided_by,
                                title=ceremony.presided_by_title,
                                category=Guest.Category.PRESIDING_AUTHORITY))
            guests.append(Guest(ceremony=ceremony, name="Coordination provinciale INDH",
                                title="Division de l'action sociale", category=Guest.Category.PARTNER))
            issued = dt.datetime.combine(ceremony.held_on, dt.time(11), tzinfo=self.tz)
            for project in members:
                links.append(Ceremony.projects.through(ceremony_id=ceremony.pk, project_id=project.pk))
                handovers.append(Handover(
                    ceremony=ceremony, project_id=project.pk,
                    certificate_number=self.number("AGR", ceremony.held_on.year, 6),
                    verification_token=secrets.token_urlsafe(24), issued_at=issued,
                    items=[{"designation": d, "quantity": q, "unit_price": str(p), "total": str(q * p)}
                           for d, q, p in project.lines],
                ))
        self.insert(Guest, guests)
        Ceremony.projects.through.objects.bulk_create(links, batch_size=BATCH)
        self.insert(Handover, handovers, "handovers")

    def visits(self) -> None:
        """2·N visits over the launched projects: quarterly, the last one still to come."""
        rng = self.rng
        followed = [p for p in self.planned if p.status in (P.ACTIVE, P.CLOSED, P.ABANDONED)]
        if not followed:
            return
        wanted = 2 * self.n
        base, extra = divmod(wanted, len(followed))
        extras = set(rng.sample(range(len(followed)), extra))
        objects = []
        for index, project in enumerate(followed):
            launched = project.submitted_at.date() + dt.timedelta(days=120)
            count = base + (index in extras)
            for k in range(count):
                due = launched + dt.timedelta(days=90 * (k + 1))
                last = k == count - 1
                done = due <= self.today and (not last or project.status != P.ACTIVE)
                status = rng.choices(list(FollowUpVisit.ActivityStatus), [75, 18, 7])[0] if done else ""
                visited = min(due + dt.timedelta(days=rng.randrange(-5, 20)), self.today) if done else None
                objects.append(FollowUpVisit(
                    project_id=project.pk, due_on=due, visited_on=visited,
                    visitor_id=self.staff_of[project.prefecture_id] if done else None,
                    activity_status=status,
                    monthly_revenue=self.money(500, 9000, 100) if done else None,
                    jobs_created=rng.choice([0, 0, 1, 1, 2]) if done else 0,
                    notes="Activité visitée, équipement en place." if done else "",
                    next_visit_on=due + dt.timedelta(days=90) if done else None,
                    reincarcerated=done and rng.random() < 0.01,
                ))
            if len(objects) >= 50_000:
                self.insert(FollowUpVisit, objects)
                self.numbers["_visits"] += len(objects)
                objects = []
        self.insert(FollowUpVisit, objects)
        self.say(f"  {self.numbers.pop('_visits', 0) + len(objects):>9,} follow-up visits")
        # What the dashboard sums, written by the app's own set-based refresh.
        refresh_outcomes(projects=Project.objects.all())
        self.say(f"  {ProjectOutcome.objects.count():>9,} project outcomes")

    def move_sequences(self) -> None:
        """The app's next numbers come after the ones used here."""
        for name, value in self.numbers.items():
            sequence, _created = Sequence.objects.get_or_create(name=name)
            if sequence.last_value < value:
                sequence.last_value = value
                sequence.save(update_fields=["last_value"])

    def counts(self) -> dict[str, int]:
        models = [User, Beneficiary, Project, EquipmentItem, Supplier, PurchaseOrder, Convention,
                  Ceremony, Handover, FollowUpVisit, Disbursement, ProjectEvent, Review]
        return {model._meta.model_name: model.objects.count() for model in models}


def seed_bench(*, beneficiaries: int, seed: int = 2024, stdout=None) -> dict[str, int]:
    """Fill an empty, migrated database with the benchmark's data set; returns row counts."""
    return Seeder(beneficiaries=beneficiaries, seed=seed, stdout=stdout).run()
