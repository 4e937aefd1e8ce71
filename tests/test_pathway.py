"""The beneficiary's pathway: registered → eligible → in programme → followed up → closed
(or ineligible), moved only by services: staff for eligibility, the project workflow for
the programme. Every move and refusal, the pages, the data migration, and a state
machine over the real services checking that a file is always where its projects put it."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from beneficiaries import services as file_services
from beneficiaries.models import Beneficiary, BeneficiaryDocument
from grants import services
from grants.models import EquipmentItem, Project
from reintegration.common.mail import muted_emails

from .factories import (
    BeneficiaryFactory,
    ConventionFactory,
    DocumentFactory,
    required_documents,
)
from .test_grants_services import approve, ready_project

pytestmark = pytest.mark.django_db

B = Beneficiary.Status
P = Project.Status


def eligible_file(staff, **kwargs) -> Beneficiary:
    beneficiary = required_documents(BeneficiaryFactory(**kwargs))
    return file_services.mark_eligible(beneficiary=beneficiary, user=staff, reason="Enquête favorable")


def project_for(beneficiary, **kwargs) -> Project:
    status = beneficiary.status
    project = ready_project(beneficiary=beneficiary, **kwargs)
    # The factory puts the file where the workflow would; these tests move it themselves.
    Beneficiary.objects.filter(pk=beneficiary.pk).update(status=status)
    beneficiary.status = status
    return project


def last_move(beneficiary):
    return beneficiary.history.order_by("-history_date", "-history_id").first()


def hand_over(project, staff):
    EquipmentItem.objects.filter(project=project).update(status=EquipmentItem.Status.DELIVERED)
    return services.equip_project(project=project, user=staff)


def messages_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --- eligibility ----------------------------------------------------------------------

def test_a_complete_file_is_found_eligible_with_its_author_and_reason(staff):
    beneficiary = eligible_file(staff)
    assert beneficiary.status == B.ELIGIBLE
    move = last_move(beneficiary)
    assert (move.history_user, move.history_change_reason) == (staff, "Enquête favorable")


@pytest.mark.parametrize(("change", "message"), [
    ({"consent_signed_on": None}, "consentement"),
    ({"release_date": None}, "date de libération"),
    ({"birth_date": datetime.date.today() - datetime.timedelta(days=365 * 14),
      "guardian_name": "Mère", "guardian_consent_signed_on": datetime.date(2024, 1, 10)},
     "moins de 15"),
])
def test_each_eligibility_rule_refuses_the_move_with_its_reason(staff, change, message):
    beneficiary = required_documents(BeneficiaryFactory(**change))
    with pytest.raises(ValidationError) as excinfo:
        file_services.mark_eligible(beneficiary=beneficiary, user=staff, reason="Enquête")
    assert message in messages_of(excinfo)
    beneficiary.refresh_from_db()
    assert beneficiary.status == B.REGISTERED


def test_a_missing_document_is_named(staff):
    beneficiary = BeneficiaryFactory()
    DocumentFactory(beneficiary=beneficiary, kind=BeneficiaryDocument.Kind.ID_COPY)
    with pytest.raises(ValidationError) as excinfo:
        file_services.mark_eligible(beneficiary=beneficiary, user=staff, reason="Enquête")
    assert "Attestation de libération" in messages_of(excinfo)
    assert "Copie de la CIN" not in messages_of(excinfo)


def test_a_person_already_funded_is_eligible_again_only_with_a_justification(staff, officer):
    beneficiary = eligible_file(staff)
    project = project_for(beneficiary)
    services.submit_project(project=project, user=staff)
    approve(project, officer, ConventionFactory())
    services.abandon_project(project=project, user=staff, reason="Local perdu.")
    beneficiary.refresh_from_db()
    assert beneficiary.status == B.CLOSED
    file_services.reopen_file(beneficiary=beneficiary, user=staff, reason="Nouvelle demande.")

    with pytest.raises(ValidationError, match="déjà eu un projet financé"):
        file_services.mark_eligible(beneficiary=beneficiary, user=staff, reason="Enquête")
    beneficiary = file_services.mark_eligible(
        beneficiary=beneficiary, user=staff, reason="Enquête",
        justification="Le local a brûlé ; nouveau projet dans un autre quartier.",
    )
    assert beneficiary.status == B.ELIGIBLE
    assert "nouveau projet dans un autre quartier" in last_move(beneficiary).history_change_reason


def test_staff_mark_a_file_ineligible_with_a_reason(staff):
    beneficiary = BeneficiaryFactory()
    with pytest.raises(ValidationError, match="motif"):
        file_services.mark_ineligible(beneficiary=beneficiary, user=staff, reason=" ")
    beneficiary = file_services.mark_ineligible(beneficiary=beneficiary, user=staff,
                                                reason="Réside hors de la préfecture.")
    assert beneficiary.status == B.INELIGIBLE


@pytest.mark.parametrize("who", ["officer", "auditor", "outsider_staff"])
def test_only_staff_of_the_prefecture_decide_eligibility(request, who):
    beneficiary = required_documents(BeneficiaryFactory())
    with pytest.raises(PermissionDenied):
        file_services.mark_eligible(beneficiary=beneficiary, user=request.getfixturevalue(who),
                                    reason="Enquête")


def test_the_programme_cannot_be_entered_by_hand(client_for, staff):
    beneficiary = eligible_file(staff)
    response = client_for(staff).post(
        reverse("beneficiaries:status", args=[beneficiary.public_id]),
        {"status": "in_programme", "reason": "Pourquoi pas"},
    )
    assert response.status_code == 200
    beneficiary.refresh_from_db()
    assert beneficiary.status == B.ELIGIBLE


# --- the project workflow moves the file ----------------------------------------------

def test_a_project_is_submitted_only_for_an_eligible_file(staff):
    beneficiary = BeneficiaryFactory()
    project = project_for(beneficiary)
    with pytest.raises(ValidationError) as excinfo:
        services.submit_project(project=project, user=staff)
    assert "est « Inscrit » : seul un dossier reconnu éligible" in messages_of(excinfo)
    project.refresh_from_db()
    assert project.status == P.DRAFT


def test_approval_launch_and_closure_move_the_file_with_their_author_and_reason(staff, officer):
    beneficiary = eligible_file(staff)
    project = project_for(beneficiary)
    services.submit_project(project=project, user=staff)

    approve(project, officer, ConventionFactory(), reason="Avis favorable du comité.")
    beneficiary.refresh_from_db()
    assert beneficiary.status == B.IN_PROGRAMME
    move = last_move(beneficiary)
    assert move.history_user == officer
    assert project.reference in move.history_change_reason
    assert "Avis favorable du comité." in move.history_change_reason

    hand_over(project, staff)
    services.launch_project(project=project, user=staff, launched_on=datetime.date.today())
    beneficiary.refresh_from_db()
    assert (beneficiary.status, last_move(beneficiary).history_user) == (B.FOLLOWED_UP, staff)

    services.close_project(project=project, user=staff, reason="Activité autonome, suivi terminé.")
    beneficiary.refresh_from_db()
    assert beneficiary.status == B.CLOSED
    assert beneficiary.closed_at is not None
    assert "suivi terminé" in last_move(beneficiary).history_change_reason


def test_an_approval_for_a_file_found_ineligible_meanwhile_is_refused(staff, officer):
    beneficiary = eligible_file(staff)
    project = project_for(beneficiary)
    services.submit_project(project=project, user=staff)
    file_services.mark_ineligible(beneficiary=beneficiary, user=staff, reason="Fausse déclaration.")
    convention = ConventionFactory()
    with pytest.raises(ValidationError, match="« Non éligible »"):
        approve(project, officer, convention)
    project.refresh_from_db()
    assert project.status == P.SUBMITTED
    assert services.committed_amount(convention) == 0


def test_a_second_running_project_keeps_the_file_in_the_programme(staff, officer):
    beneficiary = eligible_file(staff)
    convention = ConventionFactory(envelope=Decimal("900000.00"))
    first = project_for(beneficiary)
    services.submit_project(project=first, user=staff)
    approve(first, officer, convention)
    second = project_for(beneficiary)
    services.submit_project(project=second, user=staff, justification="Deuxième activité du foyer.")
    approve(second, officer, convention)
    services.abandon_project(project=first, user=staff, reason="Associé parti.")
    beneficiary.refresh_from_db()
    assert beneficiary.status == B.IN_PROGRAMME  # the second still runs
    services.abandon_project(project=second, user=staff, reason="Abandon.")
    beneficiary.refresh_from_db()
    assert beneficiary.status == B.CLOSED


def test_staff_cannot_close_a_file_in_the_programme_by_hand(staff, officer):
    beneficiary = eligible_file(staff)
    project = project_for(beneficiary)
    services.submit_project(project=project, user=staff)
    approve(project, officer, ConventionFactory())
    with pytest.raises(ValidationError, match="ne peut pas passer"):
        file_services.close_file(beneficiary=beneficiary, user=staff, reason="Clos.")


# --- pages ----------------------------------------------------------------------------

def test_the_file_page_offers_eligibility_and_lists_what_is_missing(client_for, staff):
    beneficiary = BeneficiaryFactory(release_date=None)
    page = client_for(staff).get(beneficiary.get_absolute_url()).content.decode()
    assert "Reconnaître éligible" in page and "Déclarer inéligible" in page
    assert 'data-testid="eligibility-problems"' in page
    assert "Copie de la CIN" in page and "La date de libération" in page


def test_marking_eligible_through_the_page(client_for, staff):
    beneficiary = required_documents(BeneficiaryFactory())
    url = reverse("beneficiaries:status", args=[beneficiary.public_id])
    client = client_for(staff)
    form = client.get(url, {"status": "eligible"}).content.decode()
    assert 'value="eligible" selected' in form
    response = client.post(url, {"status": "eligible", "reason": "Enquête sociale favorable"})
    assert response.status_code == 302
    beneficiary.refresh_from_db()
    assert beneficiary.status == B.ELIGIBLE


def test_a_refused_eligibility_is_shown_at_the_top_and_keeps_the_reason(client_for, staff):
    beneficiary = BeneficiaryFactory(consent_signed_on=None)
    response = client_for(staff).post(
        reverse("beneficiaries:status", args=[beneficiary.public_id]),
        {"status": "eligible", "reason": "Enquête sociale favorable"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    top, form = page.index('id="page-alerts"'), page.index('name="reason"')
    assert top < form
    assert 'tabindex="-1" data-focus-on-load' in page[top: top + 80]
    assert 'role="alert"' in page[top:form]
    assert "consentement" in page[top:form]
    assert "Enquête sociale favorable</textarea>" in page


def test_an_officer_of_another_prefecture_gets_404_on_the_status_page(client_for, outsider_officer,
                                                                       outsider_staff):
    beneficiary = BeneficiaryFactory()
    for user in (outsider_officer, outsider_staff):
        url = reverse("beneficiaries:status", args=[beneficiary.public_id])
        assert client_for(user).get(url, {"status": "eligible"}).status_code == 404


def test_the_submit_button_is_disabled_with_its_reason_while_the_checklist_misses_an_item(
        client_for, staff):
    project = project_for(BeneficiaryFactory())  # registered: not eligible
    page = client_for(staff).get(reverse("grants:project_submit", args=[project.public_id]))
    text = page.content.decode()
    assert 'data-testid="blocked-reason"' in text
    assert 'disabled aria-describedby="blocked-reason"' in text
    assert "Le dossier du bénéficiaire est reconnu éligible" in text


# --- the data migration ---------------------------------------------------------------

def test_the_migration_puts_files_where_their_projects_are_and_back(staff):
    migration = importlib.import_module("grants.migrations.0022_pathway_from_projects")
    cases = {P.ACTIVE: B.FOLLOWED_UP, P.EQUIPPED: B.IN_PROGRAMME, P.APPROVED: B.IN_PROGRAMME,
             P.CLOSED: B.CLOSED, P.SUBMITTED: B.ELIGIBLE, P.DRAFT: B.REGISTERED}
    files = {}
    for status in cases:
        beneficiary = BeneficiaryFactory()
        convention = ConventionFactory() if status not in {P.SUBMITTED, P.DRAFT} else None
        project = ready_project(beneficiary=beneficiary, status=status, convention=convention,
                                approved_amount=Decimal("1000.00") if convention else None)
        Beneficiary.objects.filter(pk=project.beneficiary_id).update(status=B.REGISTERED)
        files[status] = beneficiary

    # The models as the migration sees them (no history signal: it writes its own record).
    state = MigrationExecutor(connection).loader.project_state(
        ("grants", "0022_pathway_from_projects")).apps
    migration.forward(state, None)
    for status, expected in cases.items():
        files[status].refresh_from_db()
        assert files[status].status == expected, status
    assert files[P.ACTIVE].history.latest().history_change_reason == migration.REASON

    migration.backward(state, None)
    for beneficiary in files.values():
        beneficiary.refresh_from_db()
        assert beneficiary.status == B.REGISTERED
    assert not files[P.ACTIVE].history.filter(history_change_reason=migration.REASON).exists()


# --- the state machine ----------------------------------------------------------------

class PathwayMachine(RuleBasedStateMachine):
    """Random walks of one file through the real services, staff and officer acting; after
    each step the file is where its projects put it."""

    cast: dict = {}  # staff, officer: set by the test below, once for all examples

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back at its end: the next starts afresh.
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.staff, self.officer = self.cast["staff"], self.cast["officer"]
        self.convention = ConventionFactory(envelope=Decimal("10000000.00"))
        self.beneficiary = required_documents(BeneficiaryFactory())
        self.projects: list[Project] = []

    def teardown(self):
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    def attempt(self, call) -> None:
        try:
            with muted_emails():
                call()
        except (ValidationError, PermissionDenied):
            pass

    @rule()
    def mark_eligible(self):
        self.attempt(lambda: file_services.mark_eligible(
            beneficiary=self.beneficiary, user=self.staff, reason="Enquête",
            justification="Nouvelle activité justifiée."))

    @rule()
    def mark_ineligible(self):
        self.attempt(lambda: file_services.mark_ineligible(
            beneficiary=self.beneficiary, user=self.staff, reason="Hors critères"))

    @rule()
    def close_or_reopen(self):
        self.beneficiary.refresh_from_db()
        move = file_services.reopen_file if self.beneficiary.status == B.CLOSED else file_services.close_file
        self.attempt(lambda: move(beneficiary=self.beneficiary, user=self.staff, reason="Dossier"))

    @rule()
    def new_project(self):
        if len(self.projects) < 3:
            self.beneficiary.refresh_from_db()
            status = self.beneficiary.status
            self.projects.append(ready_project(beneficiary=self.beneficiary))
            Beneficiary.objects.filter(pk=self.beneficiary.pk).update(status=status)

    @rule(index=st.integers(0, 2), action=st.sampled_from(
        ["submit", "approve", "reject", "return", "equip", "launch", "close", "abandon"]))
    def move_project(self, index, action):
        if index >= len(self.projects):
            return
        project = Project.objects.get(pk=self.projects[index].pk)
        staff, officer = self.staff, self.officer
        calls = {
            "submit": lambda: services.submit_project(project=project, user=staff,
                                                      justification="Deuxième activité."),
            "approve": lambda: approve(project, officer, self.convention, amount="1000.00"),
            "reject": lambda: services.reject_project(project=project, officer=officer, reason="Non"),
            "return": lambda: services.return_project(project=project, officer=officer, reason="À revoir"),
            "equip": lambda: hand_over(project, staff),
            "launch": lambda: services.launch_project(project=project, user=staff,
                                                      launched_on=datetime.date.today()),
            "close": lambda: services.close_project(project=project, user=staff, reason="Fin"),
            "abandon": lambda: services.abandon_project(project=project, user=staff, reason="Arrêt"),
        }
        self.attempt(calls[action])

    @invariant()
    def the_file_is_where_its_projects_put_it(self):
        self.beneficiary.refresh_from_db()
        implied = services.pathway_status(self.beneficiary)
        if implied is not None:
            assert self.beneficiary.status == implied
        else:
            assert self.beneficiary.status not in {B.IN_PROGRAMME, B.FOLLOWED_UP}
        # Nothing was submitted for a file never found eligible.
        if not self.beneficiary.history.filter(status=B.ELIGIBLE).exists():
            assert not Project.objects.filter(beneficiary=self.beneficiary).exclude(
                status=P.DRAFT).exists()


def test_the_pathway_follows_the_projects_whatever_the_order_of_the_moves(staff, officer):
    PathwayMachine.cast = {"staff": staff, "officer": officer}
    run_state_machine_as_test(PathwayMachine, settings=settings(
        max_examples=30, stateful_step_count=15, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))


def test_a_refused_approval_says_why_at_the_top_of_the_review_page(client_for, staff, officer):
    convention = ConventionFactory(envelope=Decimal("10000.00"))
    beneficiary = eligible_file(staff)
    project = project_for(beneficiary)
    services.submit_project(project=project, user=staff)
    response = client_for(officer).post(reverse("grants:project_review", args=[project.public_id]), {
        "decision": "approve", "approve-convention": convention.pk, "approve-amount": "20000.00",
        "approve-committee_minutes_number": "PV-1", "approve-committee_decision_on": "2024-10-03",
        "approve-reason": "Avis favorable.",
    })
    page = response.content.decode()
    top, form = page.index('data-testid="form-errors"'), page.index('name="approve-amount"')
    assert top < form
    assert "dépasse ce qui reste" in page[top:form]
    assert 'value="PV-1"' in page
