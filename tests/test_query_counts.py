"""The cost of a page must not grow with the data: each key page makes the same number of
queries for a small world and for one several times larger, and at most 12.

Pages are named by their URL; a page whose URL does not exist yet is skipped, so the test
covers each page as it appears. The benchmark on 100,000 files (bench/README.md) measures
the time; this test keeps the query counts from creeping up between two runs of it.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from beneficiaries.models import Beneficiary
from ceremonies.models import Ceremony
from followup.models import FollowUpVisit
from grants.models import Amendment, EquipmentItem, Project, ProjectEvent
from procurement.models import PurchaseOrder

from .factories import (
    BeneficiaryFactory,
    CeremonyFactory,
    ConventionFactory,
    DisbursementFactory,
    DocumentFactory,
    EquipmentItemFactory,
    EstablishmentFactory,
    FollowUpVisitFactory,
    HandoverFactory,
    ProjectFactory,
    PurchaseOrderFactory,
    SectorFactory,
    SupplierFactory,
)

MAX_QUERIES = 12
SMALL, LARGE = 2, 6


@dataclass
class World:
    """Files of Skhirate-Témara that every page shows: a focus beneficiary, project,
    convention, ceremony, supplier and order that gain related rows as the world grows."""

    staff: object
    officer: object
    convention: object
    ceremony: object
    supplier: object
    order: object
    establishment: object
    focus: Beneficiary | None = None
    focus_project: Project | None = None
    waiting: Project | None = None  # submitted, for the review page
    amendment: Amendment | None = None
    units: int = 0
    visits: list = field(default_factory=list)

    def grow(self, count: int) -> None:
        for _ in range(count):
            self.add_unit()

    def add_unit(self) -> None:
        today = timezone.localdate()
        beneficiary = BeneficiaryFactory(
            prefecture=self.convention.prefecture, establishment=self.establishment,
            status=Beneficiary.Status.IN_PROGRAMME, created_by=self.staff,
        )
        sector = SectorFactory(name_fr=["Boulangerie", "Couture", "Menuiserie"][self.units % 3])
        project = ProjectFactory(
            beneficiary=beneficiary, sector=sector, convention=self.convention,
            status=Project.Status.ACTIVE, approved_amount=Decimal("25000.00"),
            submitted_at=timezone.now(), launched_on=today, created_by=self.staff,
        )
        for status in (Project.Status.SUBMITTED, Project.Status.APPROVED):
            ProjectEvent.objects.create(project=project, from_status="", to_status=status, user=self.staff)
        items = EquipmentItemFactory.create_batch(
            2, project=project, status=EquipmentItem.Status.HANDED_OVER, supplier=self.supplier,
            purchase_order=self.order, quantity_delivered=1,
        )
        DisbursementFactory(project=project, created_by=self.staff)
        FollowUpVisitFactory(
            project=project, due_on=today - datetime.timedelta(days=30), visited_on=today,
            visitor=self.staff, activity_status=FollowUpVisit.ActivityStatus.ACTIVE,
            monthly_revenue=Decimal("3000.00"), jobs_created=1,
        )
        FollowUpVisitFactory(project=project, due_on=today + datetime.timedelta(days=60))
        HandoverFactory(
            ceremony=self.ceremony, project=project,
            items=[{"designation": i.designation, "quantity": i.quantity, "unit_price": str(i.unit_price),
                    "total": str(i.total)} for i in items],
        )
        self.ceremony.projects.add(project)
        # Waiting for the officer's decision: the review queue grows too.
        waiting = ProjectFactory(
            beneficiary=beneficiary, sector=sector, convention=self.convention,
            status=Project.Status.SUBMITTED, submitted_at=timezone.now(), created_by=self.staff,
        )
        # Approved, its line still to order (the new order's page), an amendment decided.
        approved = ProjectFactory(
            beneficiary=beneficiary, sector=sector, convention=self.convention,
            status=Project.Status.APPROVED, approved_amount=Decimal("15000.00"), created_by=self.staff,
        )
        EquipmentItemFactory(project=approved, unit_price=Decimal("9000.00"))
        Amendment.objects.create(
            project=approved, previous_amount=Decimal("14000.00"), requested_amount=Decimal("15000.00"),
            previous_cash_grant=Decimal("5000.00"), reason="Prix révisé.", requested_by=self.staff,
            status=Amendment.Status.APPROVED, decided_amount=Decimal("15000.00"), decided_by=self.officer,
            decided_at=timezone.now(),
        )
        if self.focus is None:
            self.focus, self.focus_project, self.waiting = beneficiary, project, waiting
            self.amendment = Amendment.objects.create(
                project=project, previous_amount=Decimal("25000.00"), requested_amount=Decimal("27000.00"),
                previous_cash_grant=Decimal("5000.00"), reason="Une vitrine de plus.",
                requested_by=self.staff,
            )
        else:
            # The focus file gains documents, projects and visits: its page must not.
            DocumentFactory(beneficiary=self.focus, uploaded_by=self.staff)
            extra = ProjectFactory(
                beneficiary=self.focus, sector=sector, convention=self.convention,
                status=Project.Status.ACTIVE, approved_amount=Decimal("10000.00"),
                submitted_at=timezone.now(), created_by=self.staff,
            )
            EquipmentItemFactory(project=extra, status=EquipmentItem.Status.HANDED_OVER,
                                 supplier=self.supplier, purchase_order=self.order, quantity_delivered=1)
            EquipmentItemFactory(project=self.focus_project, status=EquipmentItem.Status.HANDED_OVER,
                                 supplier=self.supplier, purchase_order=self.order, quantity_delivered=1)
            FollowUpVisitFactory(project=self.focus_project, due_on=today, visited_on=today,
                                 visitor=self.staff, activity_status=FollowUpVisit.ActivityStatus.ACTIVE)
        self.units += 1


@pytest.fixture
def world(temara, staff, officer):
    convention = ConventionFactory(prefecture=temara, envelope=Decimal("10000000.00"))
    supplier = SupplierFactory()
    return World(
        staff=staff, officer=officer, convention=convention,
        ceremony=CeremonyFactory(prefecture=temara, convention=convention, status=Ceremony.Status.HELD),
        supplier=supplier,
        order=PurchaseOrderFactory(supplier=supplier, convention=convention,
                                   status=PurchaseOrder.Status.INVOICED),
        establishment=EstablishmentFactory(prefecture=temara),
    )


# (URL name, who looks, {parameter: how to find its value in the world}, query string)
PAGES = [
    ("beneficiaries:list", "auditor", {}, ""),
    ("beneficiaries:list", "staff", {}, ""),
    ("beneficiaries:list", "auditor", {}, "q=Alaoui&status=in_programme"),
    ("beneficiaries:detail", "staff", {"public_id": lambda w: w.focus.public_id}, ""),
    ("grants:project_list", "auditor", {}, ""),
    ("grants:project_detail", "staff", {"public_id": lambda w: w.focus_project.public_id}, ""),
    ("grants:review_queue", "officer", {}, ""),
    ("grants:convention_list", "auditor", {}, ""),
    ("grants:convention_detail", "auditor", {"pk": lambda w: w.convention.pk}, ""),
    ("grants:supplier_list", "auditor", {}, ""),
    ("grants:supplier_detail", "auditor", {"pk": lambda w: w.supplier.pk}, ""),
    ("grants:purchase_order_list", "auditor", {}, ""),
    ("grants:purchase_order_detail", "staff", {"pk": lambda w: w.order.pk}, ""),
    ("grants:visit_list", "staff", {}, ""),
    ("ceremonies:list", "auditor", {}, ""),
    ("ceremonies:detail", "staff", {"pk": lambda w: w.ceremony.pk}, ""),
    ("dashboard", "auditor", {}, ""),
    ("dashboard", "staff", {}, ""),
    ("audit:list", "auditor", {}, ""),
    # The pages that commit, engage and spend money (the ledger, issue 16).
    ("grants:project_review", "officer", {"public_id": lambda w: w.waiting.public_id}, ""),
    ("grants:disbursement_create", "staff", {"public_id": lambda w: w.focus_project.public_id}, ""),
    ("grants:purchase_order_create_lines", "staff", {"convention_pk": lambda w: w.convention.pk}, ""),
    ("grants:amendment_create", "staff", {"public_id": lambda w: w.focus_project.public_id}, ""),
    ("grants:amendment_list", "officer", {}, ""),
    ("grants:amendment_list", "auditor", {}, "show=all"),
    ("grants:amendment_decide", "officer", {"pk": lambda w: w.amendment.pk}, ""),
    ("dashboard:convention_ledger", "auditor", {"pk": lambda w: w.convention.pk}, ""),
]


def page_url(name: str, parameters: dict, query: str, world: World) -> str:
    try:
        url = reverse(name, kwargs={key: get(world) for key, get in parameters.items()})
    except NoReverseMatch:
        pytest.skip(f"{name} does not exist yet")
    return f"{url}?{query}" if query else url


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize(
    ("name", "who", "parameters", "query"), PAGES,
    ids=[f"{name}-{who}{'-filtered' if query else ''}" for name, who, _p, query in PAGES],
)
def test_page_makes_the_same_few_queries_however_much_data(
    request, client_for, world, name, who, parameters, query
):
    world.grow(SMALL)
    client = client_for(request.getfixturevalue(who))
    url = page_url(name, parameters, query, world)
    queries_of(client, url)  # first visit: caches (content types, sessions) warmed up

    small = queries_of(client, url)
    world.grow(LARGE - SMALL)
    large = queries_of(client, url)

    assert large == small, f"{url}: {small} queries with {SMALL} files, {large} with {LARGE}"
    assert large <= MAX_QUERIES, f"{url}: {large} queries (at most {MAX_QUERIES})"
