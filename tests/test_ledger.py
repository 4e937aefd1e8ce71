"""The money ledger (issue 16): a project's requested amount is computed; its approved
amount is the ceiling of what it engages and pays, at every door; an invoice is shared
among its order's lines; the convention never shows disbursed above committed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from grants import services
from grants.models import Convention, ConventionFigures, EquipmentItem, Project
from procurement import services as procurement
from procurement.models import Disbursement, PurchaseOrder

from .factories import ConventionFactory, EquipmentItemFactory, ProjectFactory, SupplierFactory
from .test_grants_services import approve

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 12, 6)


def messages_of(error) -> str:
    return " ".join(error.value.messages)


def submitted(staff, lines=(("Four à sole", 1, "100000.00"),), cash_grant="10000.00", own="47200.00"):
    """A project with its `lines` (designation, quantity, unit price), submitted by staff."""
    project = ProjectFactory(
        cash_grant_amount=Decimal(cash_grant), own_contribution=Decimal(own),
        expected_monthly_revenue=Decimal("9000.00"),
    )
    project.feasibility_study.save("etude.pdf", ContentFile(b"%PDF-1.4\n%etude\n"), save=True)
    for designation, quantity, price in lines:
        EquipmentItemFactory(project=project, designation=designation, quantity=quantity,
                             unit_price=Decimal(price))
    return services.submit_project(project=project, user=staff)


def funded(staff, officer, convention, amount, **kwargs):
    return approve(submitted(staff, **kwargs), officer, convention, amount)


def order(staff, convention, lines, supplier=None):
    return procurement.create_purchase_order(
        supplier=supplier or SupplierFactory(), convention=convention, lines=lines, user=staff,
        ordered_on=datetime.date(2024, 10, 15),
    )


def delivered(staff, draft):
    procurement.send_purchase_order(purchase_order=draft, user=staff)
    return procurement.receive_delivery(
        purchase_order=draft, quantities={line.pk: line.quantity for line in draft.lines.all()},
        delivered_on=datetime.date(2024, 11, 20), user=staff,
    )


def invoice(staff, draft, amount):
    return procurement.record_invoice(
        purchase_order=draft, invoice_number=f"FA-{draft.pk}", invoice_amount=Decimal(amount), user=staff
    )


def pay(staff, project, amount):
    return procurement.record_disbursement(
        project=Project.objects.get(pk=project.pk), amount=Decimal(amount), paid_on=TODAY,
        method="transfer", reference="VIR-1", user=staff,
    )


def money(project):
    return services.project_money(project)


@pytest.fixture
def convention(temara):
    """As the demo's CONV-INDH3-ST-2024-01, with 79,400 DH left of its envelope."""
    convention = ConventionFactory(
        prefecture=temara, envelope=Decimal("500000.00"), max_per_project=Decimal("300000.00"),
        max_share=Decimal("70.00"),
    )
    ProjectFactory(convention=convention, status=Project.Status.ACTIVE, approved_amount=Decimal("420600.00"))
    services.refresh_convention_figures(conventions=[convention])
    return convention


# --- one definition of a project's money ------------------------------------------------

def test_the_requested_amount_is_the_equipment_and_the_cash_grant(staff):
    project = submitted(staff, lines=[("Four", 1, "30000.00"), ("Table", 2, "2500.00")], cash_grant="5000.00",
                        own="12000.00")
    assert project.requested_amount == Decimal("40000.00")
    assert project.total_cost == Decimal("52000.00")
    annotated = Project.objects.with_equipment_total().get(pk=project.pk)
    assert (annotated.requested_amount, annotated.total_cost) == (Decimal("40000.00"), Decimal("52000.00"))
    assert money(project).share_of_cost(project.requested_amount) == Decimal("76.9")


def test_an_approval_above_the_amount_requested_is_refused(staff, officer, convention):
    project = submitted(staff, lines=[("Four", 1, "30000.00")], cash_grant="5000.00", own="20000.00")
    with pytest.raises(ValidationError) as error:
        approve(project, officer, convention, "35000.01")
    assert "35\u00a0000,01\u00a0DH" in messages_of(error)
    assert "demande" in messages_of(error) or "requests" in messages_of(error)
    assert Project.objects.get(pk=project.pk).status == Project.Status.SUBMITTED


# --- the issue's scenario, refused at its first overspending step ---------------------

def test_the_issue_s_scenario_stops_at_the_order_that_would_overspend(staff, officer, convention):
    project = submitted(staff)  # 100,000 DH of equipment and a 10,000 DH cash grant
    with pytest.raises(ValidationError):
        approve(project, officer, convention, "85000.00")  # beyond the 79,400 DH left
    approve(project, officer, convention, "79400.00")
    pay(staff, project, "10000.00")

    with pytest.raises(ValidationError) as error:
        order(staff, convention, list(project.equipment_items.all()))

    text = messages_of(error)
    assert project.reference in text
    for figure in ("100\u00a0000,00", "110\u00a0000,00", "79\u00a0400,00"):
        assert f"{figure}\u00a0DH" in text
    assert not PurchaseOrder.objects.exists()
    figures = Convention.objects.get(pk=convention.pk).with_stored_figures()
    assert (figures.committed, figures.disbursed) == (Decimal("500000.00"), Decimal("10000.00"))


def test_a_payment_above_the_approved_amount_is_refused_even_within_the_cash_grant(
    staff, officer, convention
):
    project = funded(staff, officer, convention, "1000.00", lines=[("Four", 1, "3000.00")],
                     cash_grant="20000.00", own="20000.00")
    with pytest.raises(ValidationError) as error:
        pay(staff, project, "20000.00")
    assert "20\u00a0000,00\u00a0DH" in messages_of(error) and "1\u00a0000,00\u00a0DH" in messages_of(error)
    assert error.value.error_dict["amount"][0].code == "above_approved"
    assert not Disbursement.objects.exists()
    pay(staff, project, "1000.00")
    assert money(project).spent == Decimal("1000.00")


def test_an_order_of_several_projects_names_each_one_it_would_overspend(staff, officer, convention):
    within = funded(staff, officer, convention, "30000.00", lines=[("Four", 1, "25000.00")],
                    cash_grant="5000.00", own="20000.00")
    over = funded(staff, officer, convention, "20000.00", lines=[("Pétrin", 1, "25000.00")],
                  cash_grant="5000.00", own="20000.00")
    with pytest.raises(ValidationError) as error:
        order(staff, convention, [*within.equipment_items.all(), *over.equipment_items.all()])
    assert over.reference in messages_of(error) and within.reference not in messages_of(error)
    assert not PurchaseOrder.objects.exists()
    order(staff, convention, list(within.equipment_items.all()))
    assert money(within).engaged == Decimal("25000.00")


def test_a_draft_order_engages_its_lines_until_it_is_cancelled(staff, officer, convention):
    project = funded(staff, officer, convention, "30000.00",
                     lines=[("Four", 1, "20000.00"), ("Pétrin", 1, "9000.00")], cash_grant="1000.00",
                     own="20000.00")
    oven, kneader = project.equipment_items.order_by("pk")
    draft = order(staff, convention, [oven])
    pay(staff, project, "1000.00")
    assert money(project).spent == Decimal("21000.00")
    procurement.cancel_purchase_order(purchase_order=draft, user=staff)
    assert money(project).spent == Decimal("1000.00")
    order(staff, convention, [oven, kneader])
    assert money(project).spent == Decimal("30000.00")


def test_an_order_pushed_above_its_project_s_approved_amount_is_not_sent(staff, officer, convention):
    project = funded(staff, officer, convention, "30000.00", lines=[("Four", 1, "25000.00")],
                     cash_grant="5000.00", own="20000.00")
    draft = order(staff, convention, list(project.equipment_items.all()))
    Project.objects.filter(pk=project.pk).update(approved_amount=Decimal("20000.00"))  # a correction
    with pytest.raises(ValidationError) as error:
        procurement.send_purchase_order(purchase_order=draft, user=staff)
    assert "25\u00a0000,00\u00a0DH" in messages_of(error) and "20\u00a0000,00\u00a0DH" in messages_of(error)
    assert PurchaseOrder.objects.get(pk=draft.pk).status == PurchaseOrder.Status.DRAFT


# --- invoices ------------------------------------------------------------------------------

@pytest.fixture
def two_lines(staff, officer, convention):
    """A project approved for 45,000 DH (cash grant 5,000 DH paid) whose two lines,
    30,000 and 10,000 DH, are delivered on one order."""
    project = funded(staff, officer, convention, "45000.00",
                     lines=[("Four", 1, "30000.00"), ("Pétrin", 2, "5000.00")], cash_grant="5000.00",
                     own="30000.00")
    pay(staff, project, "5000.00")
    return project, delivered(staff, order(staff, convention, list(project.equipment_items.all())))


def test_an_invoice_below_the_order_is_shared_in_proportion_and_lowers_what_is_spent(staff, two_lines):
    project, draft = two_lines
    invoice(staff, draft, "39000.00")
    oven, kneader = project.equipment_items.order_by("pk")
    assert (oven.invoiced_amount, kneader.invoiced_amount) == (Decimal("29250.00"), Decimal("9750.00"))
    assert (money(project).engaged, money(project).invoiced) == (Decimal("39000.00"), Decimal("39000.00"))
    assert PurchaseOrder.objects.get(pk=draft.pk).invoice_differs
    figures = Convention.objects.with_budget_figures().get(pk=project.convention_id)
    assert figures.disbursed == Decimal("44000.00")  # 5,000 cash and the invoice
    assert ConventionFigures.objects.get(convention=project.convention_id).disbursed == Decimal("44000.00")


def test_an_invoice_above_the_order_is_refused_without_an_amendment(staff, two_lines):
    project, draft = two_lines
    with pytest.raises(ValidationError) as error:
        invoice(staff, draft, "40400.00")
    text = messages_of(error)
    assert "40\u00a0400,00\u00a0DH" in text and "40\u00a0000,00\u00a0DH" in text and project.reference in text
    assert error.value.error_dict["invoice_amount"][0].code == "above_order"
    draft.refresh_from_db()
    assert draft.status == PurchaseOrder.Status.DELIVERED
    assert not EquipmentItem.objects.filter(invoiced_amount__isnull=False).exists()


def test_an_invoice_above_the_order_passes_through_an_amendment_decided_after_it(staff, officer, two_lines):
    project, draft = two_lines
    amendment = services.request_amendment(
        project=project, user=staff, amount=Decimal("45400.00"), reason="Prix du four révisé.",
    )
    services.approve_amendment(amendment=amendment, officer=officer, amount=Decimal("45400.00"),
                               reason="Devis révisé joint.")
    invoice(staff, draft, "40400.00")
    assert money(project).spent == Decimal("45400.00")


def test_an_amendment_from_before_the_order_does_not_cover_a_higher_invoice(staff, officer, convention):
    project = funded(staff, officer, convention, "35000.00", lines=[("Four", 1, "30000.00")],
                     cash_grant="5000.00", own="30000.00")
    amendment = services.request_amendment(project=project, user=staff, amount=Decimal("36000.00"),
                                           reason="Une vitrine de plus.")
    services.approve_amendment(amendment=amendment, officer=officer, amount=amendment.requested_amount,
                               reason="Oui.")
    draft = delivered(staff, order(staff, convention, list(project.equipment_items.all())))
    with pytest.raises(ValidationError) as error:
        invoice(staff, draft, "30500.00")
    assert error.value.error_dict["invoice_amount"][0].code == "above_order"


def test_an_amended_invoice_may_still_not_pass_the_approved_amount(staff, officer, two_lines):
    project, draft = two_lines
    amendment = services.request_amendment(project=project, user=staff, amount=Decimal("45100.00"),
                                           reason="Hausse de prix.")
    services.approve_amendment(amendment=amendment, officer=officer, amount=amendment.requested_amount,
                               reason="Oui.")
    with pytest.raises(ValidationError) as error:
        invoice(staff, draft, "45500.00")  # 5,000 paid + 45,500 > 45,100
    assert "50\u00a0500,00\u00a0DH" in messages_of(error) and "45\u00a0100,00\u00a0DH" in messages_of(error)
    assert error.value.error_dict["invoice_amount"][0].code == "above_approved"


@hypothesis_settings(max_examples=200, deadline=None, database=None)
@given(
    amount=st.decimals(min_value=0, max_value=10**7, places=2),
    weights=st.lists(st.decimals(min_value=0, max_value=10**6, places=2), min_size=1, max_size=12),
)
def test_an_amount_is_shared_to_the_centime_in_proportion(amount, weights):
    shares = services.allocate(amount, weights)
    assert sum(shares) == amount
    assert all(share >= 0 and share == share.quantize(Decimal("0.01")) for share in shares)
    whole = sum(weights) or len(weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = amount * (weight if sum(weights) else 1) / whole
        assert abs(share - exact) < Decimal("0.01")


def test_an_envelope_is_never_set_below_what_is_committed(convention):
    with pytest.raises(ValidationError) as error:
        services.check_envelope(convention=convention, envelope=Decimal("420599.99"))
    assert "420\u00a0600,00\u00a0DH" in messages_of(error)
    services.check_envelope(convention=convention, envelope=Decimal("420600.00"))


def test_the_page_s_figures_are_the_ledger_s(staff, officer, two_lines):
    """`ProjectMoney.of_rows` (the project page, from the rows it loaded) and
    `project_money` (the doors, summed by the database) agree."""
    project, draft = two_lines
    invoice(staff, draft, "39000.00")
    project = Project.objects.get(pk=project.pk)
    assert services.ProjectMoney.of_rows(
        project, project.equipment_items.all(), project.disbursements.all()
    ) == money(project)
