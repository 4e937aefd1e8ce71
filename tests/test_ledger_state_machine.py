"""The ledger's rules under random sequences of the real doors (issue 16): a hypothesis
state machine approves, amends, orders, sends, receives, invoices, pays, cancels,
abandons, holds ceremonies, revokes certificates, and corrects through the Django admin's
forms (payments, prices, invoice amounts, history reverts, deletions), in any order and
with any amounts, most of which the rules refuse. After every step:

- every project engages and pays at most its approved amount, pays at most its cash
  grant, and spends nothing without a commitment;
- every convention disburses at most what it committed and commits at most its envelope,
  and its stored figures are those its rows give;
- `grants.ledger.check()` (what `manage.py check_ledger` runs) finds no breach, and its
  figures are those of a plain sum over the rows (the oracle below).

Budget: 20 examples of up to 30 steps each (at most 600 steps, each followed by the
checks), about 90 s on this project's 2-core machines when shared; the sequences are
random on each run (`database=None`: CI keeps nothing), and a failure prints the steps
that reproduce it. A rule runs only when its door has something to open, so the steps
go to doors: a run passes through every one of them, most several times.
"""

import sys
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ceremonies import services as ceremonies
from ceremonies.models import Ceremony, Handover
from grants import ledger, services
from grants.models import Amendment, Convention, EquipmentItem, Project
from procurement import services as procurement
from procurement.models import Disbursement, PurchaseOrder

from .admin_forms import admin_form, change_url, posted_back
from .conftest import verify_session
from .factories import ConventionFactory, EquipmentItemFactory, ProjectFactory, SupplierFactory

pytestmark = pytest.mark.django_db

BUDGET = settings(
    max_examples=20, stateful_step_count=30, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
TODAY = timezone.localdate()
ZERO = Decimal("0.00")
REFUSED = (ValidationError, PermissionDenied)

thousands = st.integers(min_value=1, max_value=40).map(lambda n: Decimal(n * 1000))
project_plans = st.fixed_dictionaries({
    "lines": st.lists(thousands, min_size=1, max_size=3),
    "cash_grant": st.integers(min_value=0, max_value=15).map(lambda n: Decimal(n * 1000)),
    "own": st.integers(min_value=5, max_value=60).map(lambda n: Decimal(n * 1000)),
})


def oracle() -> dict:
    """The ledger's figures as a plain sum over the rows, written apart from the code under
    test: {project pk: (approved, cash grant, engaged, paid, status, convention)} and
    {convention pk: (envelope, committed, disbursed)}."""
    projects = {}
    for project in Project.objects.all():
        engaged = sum(
            (line.invoiced_amount if line.invoiced_amount is not None else line.quantity * line.unit_price
             for line in EquipmentItem.objects.filter(project=project, purchase_order__isnull=False)), ZERO,
        )
        paid = sum((payment.amount for payment in Disbursement.objects.filter(project=project)), ZERO)
        projects[project.pk] = (project.approved_amount, project.cash_grant_amount, engaged, paid,
                                project.status, project.convention_id)
    conventions = {}
    for convention in Convention.objects.all():
        funded = Project.objects.filter(convention=convention)
        committed = sum((p.approved_amount for p in funded if p.status in Project.COMMITTED_STATUSES), ZERO)
        invoiced = sum((line.invoiced_amount or ZERO
                        for line in EquipmentItem.objects.filter(project__convention=convention)), ZERO)
        cash = sum((d.amount for d in Disbursement.objects.filter(project__convention=convention)), ZERO)
        conventions[convention.pk] = (convention.envelope, committed, invoiced + cash)
    return {"projects": projects, "conventions": conventions}


# A rule runs only when its door has something to open (else hypothesis picks another):
# the steps of an example are spent on doors, not on nothing.
def exists(queryset_of):
    return precondition(lambda machine: queryset_of().exists())


def submitted_projects():
    return Project.objects.filter(status=Project.Status.SUBMITTED)


def funded_projects():
    return Project.objects.filter(status__in=Project.COMMITTED_STATUSES)


def orderable_projects():
    return Project.objects.filter(
        status=Project.Status.APPROVED, equipment_items__purchase_order__isnull=True
    ).distinct()


def orders(*statuses):
    return lambda: PurchaseOrder.objects.filter(status__in=statuses)


class LedgerMachine(RuleBasedStateMachine):
    cast: dict = {}  # staff, officer, admin: set by the test below, once for all examples
    outcomes: Counter = Counter()  # "door: done|refused" over all examples

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back at its end: the next starts afresh.
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.staff, self.officer, self.admin = (self.cast[who] for who in ("staff", "officer", "admin"))
        self.convention = ConventionFactory(
            prefecture=self.staff.prefectures.get(), envelope=Decimal("150000.00"),
            max_per_project=Decimal("80000.00"), max_share=Decimal("75.00"),
        )
        self.supplier = SupplierFactory()
        self.client = Client()
        self.client.force_login(self.admin)
        verify_session(self.client, self.admin)

    def teardown(self):
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    # --- helpers -------------------------------------------------------------------------

    def attempt(self, call) -> bool:
        """Run one door; a refusal by the rules is an outcome like another (counted in the
        statistics: `pytest --hypothesis-show-statistics`)."""
        door = sys._getframe(1).f_code.co_name
        try:
            call()
        except REFUSED:
            self.outcome(door, "refused")
            return False
        self.outcome(door, "done")
        return True

    def outcome(self, door: str, result: str) -> None:
        event(f"{door}: {result}")
        self.outcomes[f"{door}: {result}"] += 1

    def pick(self, queryset, index):
        rows = list(queryset.order_by("pk"))
        return rows[index % len(rows)] if rows else None

        # --- the world -----------------------------------------------------------------------

    @initialize(plans=st.lists(project_plans, min_size=2, max_size=4))
    def submit_projects(self, plans):
        for plan in plans:
            self.submit(plan)

    # Always possible, so that a run whose projects were all reverted to drafts or
    # abandoned goes on: staff submit another file (a few at most).
    @rule(plan=project_plans)
    def submit_another_project(self, plan):
        if Project.objects.count() < 8:
            self.submit(plan)

    def submit(self, plan):
        project = ProjectFactory(
            beneficiary__prefecture=self.convention.prefecture, cash_grant_amount=plan["cash_grant"],
            own_contribution=plan["own"], expected_monthly_revenue=Decimal("5000.00"),
        )
        project.feasibility_study.save("etude.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
        for price in plan["lines"]:
            EquipmentItemFactory(project=project, unit_price=price)
        services.submit_project(project=project, user=self.staff)

    # --- the officers' decisions --------------------------------------------------------

    @exists(submitted_projects)
    # Most approvals at the amount requested: their projects then go all the way (orders,
    # invoices, ceremonies); the others test the ceiling early.
    @rule(index=st.integers(0, 9), share=st.sampled_from(["0.5", "0.8", "1", "1", "1", "1.1"]))
    def approve(self, index, share):
        project = self.pick(submitted_projects(), index)
        amount = (project.requested_amount * Decimal(share)).quantize(Decimal("1"))
        self.attempt(lambda: services.approve_project(
            project=project, officer=self.officer, convention=self.convention, amount=amount,
            reason="Avis favorable.", committee_minutes_number="PV-1", committee_decision_on=TODAY,
        ))

    @exists(funded_projects)
    @rule(index=st.integers(0, 9), change=st.integers(-20, 20).map(lambda n: Decimal(n * 1000)),
          cash=st.one_of(st.none(), st.integers(0, 20).map(lambda n: Decimal(n * 1000))))
    def request_amendment(self, index, change, cash):
        project = self.pick(funded_projects(), index)
        self.attempt(lambda: services.request_amendment(
            project=project, user=self.staff, amount=max(project.approved_amount + change, Decimal(1)),
            cash_grant=cash, reason="Les prix ont changé.",
        ))

    @exists(Amendment.objects.pending)
    @rule(index=st.integers(0, 9),
          decision=st.sampled_from(["approve", "approve_less", "refuse", "withdraw"]))
    def decide_amendment(self, index, decision):
        amendment = self.pick(Amendment.objects.pending(), index)
        if decision == "refuse":
            self.attempt(lambda: services.refuse_amendment(amendment=amendment, officer=self.officer,
                                                           reason="Non justifié."))
        elif decision == "withdraw":
            self.attempt(lambda: services.withdraw_amendment(amendment=amendment, user=self.staff))
        else:
            amount = amendment.requested_amount
            if decision == "approve_less":
                amount = max(Decimal(1), (amount * Decimal("0.9")).quantize(Decimal("1")))
            self.attempt(lambda: services.approve_amendment(amendment=amendment, officer=self.officer,
                                                            amount=amount, reason="Accord."))

    # --- orders, deliveries, invoices, payments -------------------------------------------

    @exists(orderable_projects)
    @rule(index=st.integers(0, 9), take=st.integers(1, 7))
    def order(self, index, take):
        project = self.pick(orderable_projects(), index)
        planned = list(project.equipment_items.filter(purchase_order__isnull=True).order_by("pk"))
        lines = [line for bit, line in enumerate(planned) if take & (1 << bit)] or planned[:1]
        if lines:
            self.attempt(lambda: procurement.create_purchase_order(
                supplier=self.supplier, convention=self.convention, lines=lines, user=self.staff,
                ordered_on=TODAY,
            ))

    @exists(orders(PurchaseOrder.Status.DRAFT))
    @rule(index=st.integers(0, 9))
    def send(self, index):
        order = self.pick(orders(PurchaseOrder.Status.DRAFT)(), index)
        self.attempt(lambda: procurement.send_purchase_order(purchase_order=order, user=self.staff))

    @exists(orders(PurchaseOrder.Status.DRAFT))
    @rule(index=st.integers(0, 9))
    def cancel(self, index):
        order = self.pick(orders(PurchaseOrder.Status.DRAFT)(), index)
        self.attempt(lambda: procurement.cancel_purchase_order(purchase_order=order, user=self.staff))

    @exists(orders(PurchaseOrder.Status.SENT))
    @rule(index=st.integers(0, 9), whole=st.booleans())
    def receive(self, index, whole):
        order = self.pick(orders(PurchaseOrder.Status.SENT)(), index)
        lines = list(order.lines.order_by("pk"))
        quantities = {line.pk: line.quantity_remaining for line in (lines if whole else lines[:1])}
        self.attempt(lambda: procurement.receive_delivery(
            purchase_order=order, delivered_on=TODAY, user=self.staff, quantities=quantities,
        ))

    @exists(orders(PurchaseOrder.Status.DELIVERED))
    @rule(index=st.integers(0, 9), factor=st.sampled_from(["0.9", "0.97", "1", "1.02", "1.1"]))
    def invoice(self, index, factor):
        order = self.pick(orders(PurchaseOrder.Status.DELIVERED)(), index)
        self.attempt(lambda: procurement.record_invoice(
            purchase_order=order, invoice_number=f"FA-{order.pk}", user=self.staff,
            invoice_amount=(order.total * Decimal(factor)).quantize(Decimal("0.01")),
        ))

    @exists(funded_projects)
    @rule(index=st.integers(0, 9), amount=st.integers(1, 16).map(lambda n: Decimal(n * 1000)))
    def pay(self, index, amount):
        project = self.pick(funded_projects(), index)
        self.attempt(lambda: procurement.record_disbursement(
            project=project, amount=amount, paid_on=TODAY, method="transfer", reference="", user=self.staff,
        ))

    @exists(funded_projects)
    @rule(index=st.integers(0, 9), now=st.integers(0, 3))
    def abandon(self, index, now):
        project = self.pick(funded_projects(), index)
        # One time in four: an abandoned project stops the doors that follow.
        if now == 0 and project.status in (Project.Status.APPROVED, Project.Status.EQUIPPED):
            self.attempt(lambda: services.abandon_project(project=project, user=self.staff, reason="Arrêt."))

    # --- the ceremony and its certificates ------------------------------------------------

    @exists(Project.objects.ready_for_ceremony)
    @rule(index=st.integers(0, 9))
    def hold_ceremony(self, index):
        project = self.pick(Project.objects.ready_for_ceremony(), index)
        ceremony = Ceremony.objects.create(
            title="Remise", held_on=TODAY, place="Témara", prefecture=self.convention.prefecture,
            presided_by="M. le Gouverneur", presided_by_title="Gouverneur", convention=self.convention,
        )

        def hold():
            ceremonies.add_projects(ceremony=ceremony, projects=[project], user=self.staff)
            ceremonies.hold_ceremony(ceremony=ceremony, user=self.staff)

        self.attempt(hold)

    @exists(Handover.objects.valid)
    @rule(index=st.integers(0, 9))
    def revoke(self, index):
        handover = self.pick(Handover.objects.valid(), index)
        if handover is not None:
            self.attempt(lambda: ceremonies.revoke_handover(handover=handover, user=self.admin,
                                                            reason="Équipement non reçu."))

    # --- the admin's corrections, through its forms ----------------------------------------

    def admin_post(self, url, data) -> None:
        response = self.client.post(url, data)
        assert response.status_code in (200, 302), response.status_code
        self.outcome(sys._getframe(1).f_code.co_name, "done" if response.status_code == 302 else "refused")

    @exists(Disbursement.objects.all)
    @rule(index=st.integers(0, 9), amount=st.integers(1, 20).map(lambda n: Decimal(n * 1000)))
    def admin_changes_a_payment(self, index, amount):
        payment = self.pick(Disbursement.objects.all(), index)
        if payment is not None:
            url = change_url(payment)
            self.admin_post(url, {**admin_form(self.client, url), "amount": str(amount)})

    @exists(EquipmentItem.objects.engaged)
    @rule(index=st.integers(0, 9), price=thousands)
    def admin_reprices_a_line(self, index, price):
        line = self.pick(EquipmentItem.objects.engaged(), index)
        if line is not None:
            url = change_url(line)
            self.admin_post(url, {**admin_form(self.client, url), "unit_price": str(price)})

    @exists(orders(PurchaseOrder.Status.INVOICED))
    @rule(index=st.integers(0, 9), factor=st.sampled_from(["0.8", "0.95", "1.05"]))
    def admin_corrects_an_invoice(self, index, factor):
        order = self.pick(PurchaseOrder.objects.filter(status=PurchaseOrder.Status.INVOICED), index)
        if order is not None:
            url = change_url(order)
            amount = (order.invoice_amount * Decimal(factor)).quantize(Decimal("0.01"))
            self.admin_post(url, {**admin_form(self.client, url), "invoice_amount": str(amount)})

    @exists(funded_projects)
    @rule(index=st.integers(0, 9), version=st.integers(0, 9),
          model=st.sampled_from(["project", "purchaseorder", "disbursement", "equipmentitem"]))
    def admin_reverts_a_history(self, index, version, model):
        rows = {"project": Project, "purchaseorder": PurchaseOrder, "disbursement": Disbursement,
                "equipmentitem": EquipmentItem}[model].objects.all()
        obj = self.pick(rows, index)
        if obj is None:
            return
        history = list(obj.history.order_by("history_id"))
        if len(history) < 2:
            return
        record = history[version % (len(history) - 1)]
        app = "procurement" if model in {"purchaseorder", "disbursement"} else "grants"
        url = reverse(f"admin:{app}_{model}_simple_history", args=[obj.pk, record.history_id])
        self.admin_post(url, posted_back(self.client.get(url).context["adminform"].form))

    @exists(Disbursement.objects.all)
    @rule(index=st.integers(0, 9))
    def admin_deletes_a_payment(self, index):
        payment = self.pick(Disbursement.objects.all(), index)
        if payment is not None:
            response = self.client.post(reverse("admin:procurement_disbursement_delete", args=[payment.pk]),
                                        {"post": "yes"})
            assert response.status_code == 302

    # --- after every step -----------------------------------------------------------------

    @invariant()
    def the_ledger_holds(self):
        figures = oracle()
        for pk, (approved, cash_grant, engaged, paid, status, convention) in figures["projects"].items():
            spent = engaged + paid
            assert spent <= (approved or ZERO), (pk, spent, approved)
            assert paid <= cash_grant, (pk, paid, cash_grant)
            if spent:
                assert status in Project.COMMITTED_STATUSES and convention is not None, (pk, status)
        for pk, (envelope, committed, disbursed) in figures["conventions"].items():
            assert disbursed <= committed <= envelope, (pk, envelope, committed, disbursed)
            stored = Convention.objects.get(pk=pk).with_stored_figures()
            assert (stored.committed, stored.disbursed) == (committed, disbursed), pk
        report = ledger.check()
        assert report.breaches == [], [breach.message for breach in report.breaches]
        for pk, (_approved, _cash, engaged, paid, _status, _convention) in figures["projects"].items():
            assert (report.projects[pk].engaged, report.projects[pk].paid) == (engaged, paid)
        for pk, (_envelope, committed, disbursed) in figures["conventions"].items():
            checked = report.conventions[pk]
            assert (checked.committed, checked.disbursed) == (committed, disbursed)


def test_no_sequence_of_doors_breaks_the_ledger(staff, officer, admin_user):
    LedgerMachine.cast = {"staff": staff, "officer": officer, "admin": admin_user}
    LedgerMachine.outcomes = Counter()
    run_state_machine_as_test(LedgerMachine, settings=BUDGET)
    print("\n".join(f"{key}: {count}" for key, count in sorted(LedgerMachine.outcomes.items())))
