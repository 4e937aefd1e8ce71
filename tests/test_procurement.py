"""Procurement rules: orders, quotes, deliveries, invoices, cash grants and visits."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from followup import services as followup_services
from followup.models import FollowUpVisit
from grants.models import Convention, EquipmentItem, Project
from procurement import services as procurement
from procurement.models import PurchaseOrder

from .factories import (
    ConventionFactory,
    EquipmentItemFactory,
    ProjectFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n%quote\n"


def approved_project(convention, **kwargs):
    kwargs.setdefault("status", Project.Status.APPROVED)
    return ProjectFactory(convention=convention, approved_amount=Decimal("60000.00"), **kwargs)


def line(project, quantity=1, unit_price="10000.00", **kwargs):
    return EquipmentItemFactory(
        project=project, quantity=quantity, unit_price=Decimal(unit_price), **kwargs
    )


def messages_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


@pytest.fixture
def convention(temara):
    return ConventionFactory(prefecture=temara)


@pytest.fixture
def supplier():
    return SupplierFactory(name="Équipements Atlas", ice="001561191000066")


def new_order(staff, convention, supplier, lines, ordered_on=datetime.date(2024, 10, 1)):
    return procurement.create_purchase_order(
        supplier=supplier, convention=convention, lines=lines, user=staff, ordered_on=ordered_on
    )


def sent_order(staff, convention, supplier, lines):
    order = new_order(staff, convention, supplier, lines)
    return procurement.send_purchase_order(purchase_order=order, user=staff)


# --- follow-up calendar -----------------------------------------------------------------

def test_launch_schedules_visits_at_1_3_6_12_and_24_months(temara):
    project = ProjectFactory(launched_on=datetime.date(2024, 12, 6))
    visits = followup_services.schedule_follow_up_visits(project=project)
    assert [visit.due_on for visit in visits] == [
        datetime.date(2025, 1, 6), datetime.date(2025, 3, 6), datetime.date(2025, 6, 6),
        datetime.date(2025, 12, 6), datetime.date(2026, 12, 6),
    ]


def test_scheduling_twice_adds_no_visit(temara):
    project = ProjectFactory(launched_on=datetime.date(2024, 12, 6))
    followup_services.schedule_follow_up_visits(project=project)
    assert followup_services.schedule_follow_up_visits(project=project) == []
    assert project.visits.count() == 5


def test_the_follow_up_months_come_from_the_setting(temara, settings):
    settings.FOLLOW_UP_MONTHS = [2, 4]
    project = ProjectFactory(launched_on=datetime.date(2025, 1, 31))
    visits = followup_services.schedule_follow_up_visits(project=project)
    assert [visit.due_on for visit in visits] == [datetime.date(2025, 3, 31), datetime.date(2025, 5, 31)]


def test_a_month_end_launch_falls_on_the_last_day_of_shorter_months():
    assert followup_services.add_months(datetime.date(2024, 12, 31), 2) == datetime.date(2025, 2, 28)


# --- purchase orders -------------------------------------------------------------------

def test_an_order_groups_lines_of_several_approved_projects_of_one_convention(staff, convention, supplier):
    first, second = approved_project(convention), approved_project(convention)
    lines = [line(first), line(second, quantity=2, unit_price="2500.00")]

    order = new_order(staff, convention, supplier, lines)

    assert order.status == PurchaseOrder.Status.DRAFT
    assert order.number == "BC-2024-00001"
    assert order.total == Decimal("15000.00")
    assert set(order.lines.values_list("supplier", flat=True)) == {supplier.pk}
    assert set(order.lines.values_list("status", flat=True)) == {EquipmentItem.Status.PLANNED}


def test_order_numbers_follow_each_other_within_a_year(staff, convention, supplier):
    project = approved_project(convention)
    first = new_order(staff, convention, supplier, [line(project)])
    second = new_order(staff, convention, supplier, [line(project)])
    assert (first.number, second.number) == ("BC-2024-00001", "BC-2024-00002")


def test_an_order_with_a_line_of_a_project_not_approved_is_refused(staff, convention, supplier):
    good = line(approved_project(convention))
    submitted = line(approved_project(convention, status=Project.Status.SUBMITTED))

    with pytest.raises(ValidationError) as excinfo:
        new_order(staff, convention, supplier, [good, submitted])

    assert "n'est pas approuvé" in messages_of(excinfo)
    assert PurchaseOrder.objects.count() == 0
    good.refresh_from_db()
    assert good.purchase_order is None


def test_an_order_mixing_two_conventions_is_refused(staff, convention, supplier, temara):
    other = ConventionFactory(prefecture=temara)
    lines = [line(approved_project(convention)), line(approved_project(other))]

    with pytest.raises(ValidationError) as excinfo:
        new_order(staff, convention, supplier, lines)

    assert "financé par une autre convention" in messages_of(excinfo)
    assert PurchaseOrder.objects.count() == 0


def test_a_line_already_on_an_order_cannot_be_ordered_again(staff, convention, supplier):
    item = line(approved_project(convention))
    first = new_order(staff, convention, supplier, [item])

    with pytest.raises(ValidationError) as excinfo:
        new_order(staff, convention, supplier, [item])

    assert f"déjà sur le bon de commande {first.number}" in messages_of(excinfo)
    assert PurchaseOrder.objects.count() == 1


def test_a_line_of_another_prefecture_cannot_be_ordered(staff, convention, supplier, rabat):
    item = line(approved_project(convention, prefecture=rabat))
    with pytest.raises(ValidationError) as excinfo:
        new_order(staff, convention, supplier, [item])
    assert "hors de vos préfectures" in messages_of(excinfo)


@pytest.mark.parametrize("who", ["officer", "auditor", "outsider_staff"])
def test_only_staff_of_the_convention_s_prefecture_may_order(who, request, convention, supplier):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        new_order(user, convention, supplier, [line(approved_project(convention))])
    assert PurchaseOrder.objects.count() == 0


def test_sending_an_order_marks_its_lines_ordered(staff, convention, supplier):
    order = sent_order(staff, convention, supplier, [line(approved_project(convention))])
    assert order.status == PurchaseOrder.Status.SENT
    assert set(order.lines.values_list("status", flat=True)) == {EquipmentItem.Status.ORDERED}


def test_a_sent_order_cannot_be_sent_again(staff, convention, supplier):
    order = sent_order(staff, convention, supplier, [line(approved_project(convention))])
    with pytest.raises(ValidationError):
        procurement.send_purchase_order(purchase_order=order, user=staff)


def test_cancelling_a_draft_frees_its_lines_and_never_reuses_its_number(staff, convention, supplier):
    item = line(approved_project(convention))
    order = new_order(staff, convention, supplier, [item])
    procurement.cancel_purchase_order(purchase_order=order, user=staff)
    item.refresh_from_db()
    assert item.purchase_order is None
    assert new_order(staff, convention, supplier, [item]).number == "BC-2024-00002"


# --- quotes ----------------------------------------------------------------------------

def add_quote(staff, order, supplier, amount, chosen=False, justification=""):
    return procurement.record_quote(
        purchase_order=order, supplier=supplier, amount=Decimal(amount),
        quoted_on=datetime.date(2024, 9, 20), user=staff, chosen=chosen, justification=justification,
        document=SimpleUploadedFile("devis.pdf", PDF, content_type="application/pdf"),
    )


@pytest.fixture
def big_order(staff, temara, supplier):
    convention = ConventionFactory(prefecture=temara, quote_threshold=Decimal("20000.00"))
    return new_order(staff, convention, supplier, [line(approved_project(convention), unit_price="30000.00")])


def test_an_order_above_the_threshold_needs_three_quotes_before_sending(staff, big_order, supplier):
    add_quote(staff, big_order, supplier, "30000.00", chosen=True)
    add_quote(staff, big_order, SupplierFactory(), "31000.00")

    with pytest.raises(ValidationError) as excinfo:
        procurement.send_purchase_order(purchase_order=big_order, user=staff)

    assert "trois devis" in messages_of(excinfo)
    big_order.refresh_from_db()
    assert big_order.status == PurchaseOrder.Status.DRAFT


def test_choosing_a_quote_that_is_not_the_lowest_needs_a_justification(staff, big_order, supplier):
    add_quote(staff, big_order, SupplierFactory(), "28000.00")
    add_quote(staff, big_order, SupplierFactory(), "32000.00")
    with pytest.raises(ValidationError) as excinfo:
        add_quote(staff, big_order, supplier, "30000.00", chosen=True)
    assert "justifiez" in messages_of(excinfo).lower()

    add_quote(staff, big_order, supplier, "30000.00", chosen=True,
              justification="Délai de livraison de deux semaines au lieu de deux mois.")
    order = procurement.send_purchase_order(purchase_order=big_order, user=staff)
    assert order.status == PurchaseOrder.Status.SENT


def test_a_cheaper_quote_added_after_the_choice_blocks_sending_until_justified(staff, big_order, supplier):
    add_quote(staff, big_order, supplier, "30000.00", chosen=True)
    add_quote(staff, big_order, SupplierFactory(), "31000.00")
    add_quote(staff, big_order, SupplierFactory(), "29000.00")
    with pytest.raises(ValidationError) as excinfo:
        procurement.send_purchase_order(purchase_order=big_order, user=staff)
    assert "n'est pas le moins cher" in messages_of(excinfo)


def test_an_order_below_the_threshold_is_sent_without_quotes(staff, temara, supplier):
    convention = ConventionFactory(prefecture=temara, quote_threshold=Decimal("20000.00"))
    order = sent_order(staff, convention, supplier, [line(approved_project(convention))])
    assert order.status == PurchaseOrder.Status.SENT


# --- deliveries and invoices -----------------------------------------------------------

def test_a_partial_delivery_keeps_the_line_ordered_and_the_order_sent(staff, convention, supplier):
    item = line(approved_project(convention), quantity=3)
    order = sent_order(staff, convention, supplier, [item])

    procurement.receive_delivery(purchase_order=order, quantities={item.pk: 2},
                                 delivered_on=datetime.date(2024, 11, 5), user=staff)

    item.refresh_from_db()
    order.refresh_from_db()
    assert (item.quantity_delivered, item.status) == (2, EquipmentItem.Status.ORDERED)
    assert order.status == PurchaseOrder.Status.SENT


def test_the_last_delivery_marks_lines_and_order_delivered(staff, convention, supplier):
    project = approved_project(convention)
    first, second = line(project, quantity=3), line(project)
    order = sent_order(staff, convention, supplier, [first, second])
    procurement.receive_delivery(purchase_order=order, quantities={first.pk: 2},
                                 delivered_on=datetime.date(2024, 11, 5), user=staff)
    procurement.receive_delivery(purchase_order=order, quantities={first.pk: 1, second.pk: 1},
                                 delivered_on=datetime.date(2024, 11, 20), user=staff,
                                 serial_numbers={second.pk: "SN-4471"})

    order.refresh_from_db()
    second.refresh_from_db()
    assert order.status == PurchaseOrder.Status.DELIVERED
    assert order.delivered_on == datetime.date(2024, 11, 20)
    assert set(order.lines.values_list("status", flat=True)) == {EquipmentItem.Status.DELIVERED}
    assert second.serial_number == "SN-4471"
    assert list(Project.objects.ready_for_ceremony()) == [project]


def test_a_quantity_beyond_what_was_ordered_is_refused_and_nothing_is_saved(staff, convention, supplier):
    project = approved_project(convention)
    good, too_many = line(project, quantity=2), line(project, quantity=1)
    order = sent_order(staff, convention, supplier, [good, too_many])

    with pytest.raises(ValidationError) as excinfo:
        procurement.receive_delivery(purchase_order=order, quantities={good.pk: 2, too_many.pk: 2},
                                     delivered_on=datetime.date(2024, 11, 5), user=staff)

    assert "seulement 1 encore attendu" in messages_of(excinfo)
    good.refresh_from_db()
    assert good.quantity_delivered == 0
    order.refresh_from_db()
    assert order.delivered_on is None


def test_the_database_refuses_more_delivered_than_ordered(convention):
    item = line(approved_project(convention), quantity=1)
    item.quantity_delivered = 2
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_a_delivery_on_a_draft_order_is_refused(staff, convention, supplier):
    item = line(approved_project(convention))
    order = new_order(staff, convention, supplier, [item])
    with pytest.raises(ValidationError):
        procurement.receive_delivery(purchase_order=order, quantities={item.pk: 1},
                                     delivered_on=datetime.date(2024, 11, 5), user=staff)


def delivered_order(staff, convention, supplier, lines):
    order = sent_order(staff, convention, supplier, lines)
    return procurement.receive_delivery(
        purchase_order=order, quantities={item.pk: item.quantity for item in lines},
        delivered_on=datetime.date(2024, 11, 20), user=staff,
    )


def test_an_invoice_of_the_lines_total_is_not_flagged(staff, convention, supplier):
    order = delivered_order(staff, convention, supplier, [line(approved_project(convention))])
    order = procurement.record_invoice(purchase_order=order, invoice_number="F-2024-118",
                                       invoice_amount=Decimal("10000.00"), user=staff)
    assert order.status == PurchaseOrder.Status.INVOICED
    assert not order.invoice_differs


def test_an_invoice_that_differs_from_the_lines_total_is_flagged(staff, convention, supplier):
    order = delivered_order(staff, convention, supplier, [line(approved_project(convention))])
    order = procurement.record_invoice(purchase_order=order, invoice_number="F-2024-119",
                                       invoice_amount=Decimal("9600.00"), user=staff)
    assert PurchaseOrder.objects.get(pk=order.pk).invoice_differs


def test_an_invoice_before_full_delivery_is_refused(staff, convention, supplier):
    order = sent_order(staff, convention, supplier, [line(approved_project(convention))])
    with pytest.raises(ValidationError):
        procurement.record_invoice(purchase_order=order, invoice_number="F-1",
                                   invoice_amount=Decimal("1"), user=staff)


# --- cash grants -----------------------------------------------------------------------

def pay(staff, project, amount, paid_on=datetime.date(2024, 12, 6)):
    return procurement.record_disbursement(
        project=project, amount=Decimal(amount), paid_on=paid_on, method="transfer",
        reference="VIR-001", user=staff,
    )


def test_a_cash_grant_may_be_paid_in_several_instalments(staff, convention):
    project = approved_project(convention, cash_grant_amount=Decimal("5000.00"))
    pay(staff, project, "3000.00")
    pay(staff, project, "2000.00")
    assert procurement.disbursed_total(project) == Decimal("5000.00")


def test_a_payment_beyond_the_approved_cash_grant_is_refused(staff, convention):
    project = approved_project(convention, cash_grant_amount=Decimal("5000.00"))
    pay(staff, project, "3000.00")

    with pytest.raises(ValidationError) as excinfo:
        pay(staff, project, "2500.00")

    assert "dépasserait l'aide en numéraire" in messages_of(excinfo)
    assert "2\u00a0000,00\u00a0DH" in messages_of(excinfo)
    assert project.disbursements.count() == 1


def test_a_project_not_approved_receives_no_cash_grant(staff, convention):
    project = ProjectFactory(status=Project.Status.SUBMITTED)
    with pytest.raises(ValidationError):
        pay(staff, project, "100.00")
    assert project.disbursements.count() == 0


def test_a_payment_in_the_future_is_refused(staff, convention):
    project = approved_project(convention)
    with pytest.raises(ValidationError):
        pay(staff, project, "100.00", paid_on=TODAY + datetime.timedelta(days=1))


def test_an_officer_cannot_pay_a_cash_grant(officer, convention):
    with pytest.raises(PermissionDenied):
        pay(officer, approved_project(convention), "100.00")


def test_the_convention_s_disbursed_figure_counts_invoiced_equipment_and_cash_grants(
    staff, convention, supplier
):
    project = approved_project(convention, cash_grant_amount=Decimal("5000.00"))
    invoiced = delivered_order(staff, convention, supplier, [line(project, quantity=2)])
    sent_order(staff, convention, supplier, [line(project, unit_price="7000.00")])  # not yet invoiced

    def disbursed():
        return Convention.objects.with_budget_figures().get(pk=convention.pk).disbursed

    assert disbursed() == Decimal("0.00")
    procurement.record_invoice(purchase_order=invoiced, invoice_number="F-7",
                               invoice_amount=Decimal("20000.00"), user=staff)
    assert disbursed() == Decimal("20000.00")
    pay(staff, project, "5000.00")
    assert disbursed() == Decimal("25000.00")


# --- follow-up visits ------------------------------------------------------------------

@pytest.fixture
def launched(convention):
    project = approved_project(
        convention, status=Project.Status.ACTIVE, launched_on=datetime.date(2024, 12, 6)
    )
    followup_services.schedule_follow_up_visits(project=project)
    return project


def visit_of(project) -> FollowUpVisit:
    return project.visits.order_by("due_on").first()


def record(staff, visit, visited_on, **kwargs):
    kwargs.setdefault("activity_status", FollowUpVisit.ActivityStatus.ACTIVE)
    return followup_services.record_visit(visit=visit, user=staff, visited_on=visited_on, **kwargs)


def test_a_visit_records_what_the_visitor_found(staff, launched):
    visit = record(staff, visit_of(launched), datetime.date(2025, 1, 8),
                   monthly_revenue=Decimal("4500.00"), jobs_created=1, equipment_missing=True)
    visit.refresh_from_db()
    assert visit.visitor == staff
    assert (visit.monthly_revenue, visit.jobs_created, visit.equipment_missing) == (
        Decimal("4500.00"), 1, True)


def test_a_visit_dated_before_the_launch_is_refused(staff, launched):
    visit = visit_of(launched)
    with pytest.raises(ValidationError) as excinfo:
        record(staff, visit, datetime.date(2024, 12, 1))
    assert "avant le lancement du projet (06/12/2024)" in messages_of(excinfo)
    visit.refresh_from_db()
    assert visit.visited_on is None


def test_a_visit_dated_in_the_future_is_refused(staff, launched):
    with pytest.raises(ValidationError):
        record(staff, visit_of(launched), TODAY + datetime.timedelta(days=1))


def test_a_next_visit_date_plans_one_more_visit(staff, launched):
    record(staff, visit_of(launched), datetime.date(2025, 1, 8),
           activity_status=FollowUpVisit.ActivityStatus.STRUGGLING,
           next_visit_on=datetime.date(2025, 2, 8))
    assert launched.visits.filter(due_on=datetime.date(2025, 2, 8), visited_on__isnull=True).exists()


def test_staff_of_another_prefecture_cannot_record_a_visit(outsider_staff, launched):
    with pytest.raises(PermissionDenied):
        record(outsider_staff, visit_of(launched), datetime.date(2025, 1, 8))


def test_the_supplier_ice_is_unique_in_the_database():
    SupplierFactory(ice="002136093000040")
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplierFactory(ice="002136093000040")

