"""The project workflow of grants/services.py: every move allowed and refused, per role."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from followup.models import FollowUpVisit
from grants import services
from grants.models import Convention, EquipmentItem, Project, ProjectEvent, Review
from reintegration.common.mail import muted_emails

from .factories import (
    RABAT,
    BeneficiaryFactory,
    ConventionFactory,
    EquipmentItemFactory,
    ProjectFactory,
    prefecture,
)

pytestmark = pytest.mark.django_db

Status = Project.Status
COMMITTEE = {"committee_minutes_number": "PV-12/2024", "committee_decision_on": datetime.date(2024, 10, 3)}


def ready_project(**kwargs) -> Project:
    """A draft whose file holds everything the review needs: 3 lines of 10,000 DH,
    a 5,000 DH cash grant and a 10,000 DH own contribution (total cost 45,000 DH)."""
    kwargs.setdefault("expected_monthly_revenue", Decimal("8000.00"))
    kwargs.setdefault("own_contribution", Decimal("10000.00"))
    project = ProjectFactory(**kwargs)
    project.feasibility_study.save("etude.pdf", ContentFile(b"%PDF-1.4\n%etude\n"), save=True)
    EquipmentItemFactory.create_batch(3, project=project, unit_price=Decimal("10000.00"))
    return project


def submitted_project(staff, **kwargs) -> Project:
    return services.submit_project(project=ready_project(**kwargs), user=staff)


def approve(project, officer, convention, amount="20000.00", **kwargs):
    return services.approve_project(
        project=project, officer=officer, convention=convention, amount=Decimal(amount),
        reason=kwargs.pop("reason", "Dossier complet, avis favorable du comité."),
        **{**COMMITTEE, **kwargs},
    )


def messages_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --- submit -----------------------------------------------------------------------------

def test_staff_submits_a_complete_draft(staff):
    project = submitted_project(staff)

    project.refresh_from_db()
    assert project.status == Status.SUBMITTED
    assert project.submitted_at is not None
    event = project.events.get(to_status=Status.SUBMITTED)
    assert (event.from_status, event.user) == (Status.DRAFT, staff)


def test_admin_may_submit_a_project(admin_user):
    assert submitted_project(admin_user).status == Status.SUBMITTED


@pytest.mark.parametrize("who", ["officer", "auditor", "outsider_staff", "outsider_officer"])
def test_others_may_not_submit_a_project(request, who):
    project = ready_project()
    with pytest.raises(PermissionDenied):
        services.submit_project(project=project, user=request.getfixturevalue(who))
    project.refresh_from_db()
    assert project.status == Status.DRAFT
    assert not project.events.exists()


def test_a_project_without_consent_is_not_submitted(staff):
    project = ready_project(beneficiary__consent_signed_on=None)
    with pytest.raises(ValidationError) as excinfo:
        services.submit_project(project=project, user=staff)
    assert "consentement" in messages_of(excinfo)
    project.refresh_from_db()
    assert project.status == Status.DRAFT


def test_a_project_without_equipment_line_is_not_submitted(staff):
    project = ready_project()
    project.equipment_items.all().delete()
    with pytest.raises(ValidationError) as excinfo:
        services.submit_project(project=project, user=staff)
    assert "aucune ligne d’équipement" in messages_of(excinfo)


def test_a_project_without_feasibility_study_is_not_submitted(staff):
    project = ready_project()
    project.feasibility_study = ""
    project.expected_monthly_revenue = None
    project.save()
    with pytest.raises(ValidationError) as excinfo:
        services.submit_project(project=project, user=staff)
    text = messages_of(excinfo)
    assert "étude de faisabilité" in text
    assert "revenu mensuel attendu" in text


def test_a_beneficiary_already_funded_needs_a_justification(staff, officer):
    convention = ConventionFactory()
    first = submitted_project(staff)
    approve(first, officer, convention)
    second = ready_project(beneficiary=first.beneficiary)

    with pytest.raises(ValidationError) as excinfo:
        services.submit_project(project=second, user=staff)
    assert "déjà bénéficié" in messages_of(excinfo)

    services.submit_project(project=second, user=staff, justification="Extension de l'atelier.")
    second.refresh_from_db()
    assert second.status == Status.SUBMITTED
    assert second.previous_funding_justification == "Extension de l'atelier."


def test_a_rejected_earlier_project_needs_no_justification(staff, officer):
    first = submitted_project(staff)
    services.reject_project(project=first, officer=officer, reason="Projet non viable.")
    second = ready_project(beneficiary=first.beneficiary)
    assert services.submit_project(project=second, user=staff).status == Status.SUBMITTED


def test_a_form_posted_twice_submits_once(staff):
    project = submitted_project(staff)
    with pytest.raises(ValidationError) as excinfo:
        services.submit_project(project=Project.objects.get(pk=project.pk), user=staff)
    assert "ne peut pas être soumis" in messages_of(excinfo)
    assert project.events.filter(to_status=Status.SUBMITTED).count() == 1


# --- the review -------------------------------------------------------------------------

def test_officer_approves_within_the_rules(staff, officer):
    convention = ConventionFactory()
    project = approve(submitted_project(staff), officer, convention, "25000.00")

    project.refresh_from_db()
    assert project.status == Status.APPROVED
    assert project.convention == convention
    assert project.approved_amount == Decimal("25000.00")
    assert project.committee_minutes_number == "PV-12/2024"
    review = project.reviews.get()
    assert (review.decision, review.reviewer) == (Review.Decision.APPROVE, officer)
    assert project.events.get(to_status=Status.APPROVED).reason == review.reason


@pytest.mark.parametrize("who", ["staff", "auditor", "admin_user", "outsider_officer"])
def test_only_an_officer_of_the_prefecture_reviews(request, staff, who):
    project = submitted_project(staff)
    user = request.getfixturevalue(who)
    for call in (
        lambda: approve(project, user, ConventionFactory()),
        lambda: services.reject_project(project=project, officer=user, reason="Non."),
        lambda: services.return_project(project=project, officer=user, reason="À corriger."),
    ):
        with pytest.raises(PermissionDenied):
            call()
    project.refresh_from_db()
    assert project.status == Status.SUBMITTED
    assert not project.reviews.exists()


def test_officer_rejects_with_a_reason(staff, officer):
    project = submitted_project(staff)
    services.reject_project(project=project, officer=officer, reason="Marché saturé.")
    project.refresh_from_db()
    assert project.status == Status.REJECTED
    assert project.reviews.get().reason == "Marché saturé."


def test_a_review_without_reason_is_refused(staff, officer):
    project = submitted_project(staff)
    with pytest.raises(ValidationError) as excinfo:
        services.reject_project(project=project, officer=officer, reason="   ")
    assert "motif" in messages_of(excinfo)
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED


def test_a_returned_project_is_corrected_and_submitted_again(staff, officer):
    project = submitted_project(staff)
    services.return_project(project=project, officer=officer, reason="Ajouter un devis.")
    project.refresh_from_db()
    assert project.status == Status.RETURNED
    assert services.may_edit(staff, project)
    assert not services.may_edit(officer, project)

    services.submit_project(project=project, user=staff)
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED


def test_approval_beyond_remaining_envelope_is_refused(staff, officer):
    convention = ConventionFactory(envelope=Decimal("30000.00"))
    approve(submitted_project(staff), officer, convention, "20000.00")
    project = submitted_project(staff)

    with pytest.raises(ValidationError) as excinfo:
        approve(project, officer, convention, "15000.00")

    assert messages_of(excinfo) == (
        f"15\u00a0000,00\u00a0DH dépasse ce qui reste de la convention {convention.reference} : "
        "10\u00a0000,00\u00a0DH."
    )
    project.refresh_from_db()
    assert (project.status, project.approved_amount, project.convention) == (Status.SUBMITTED, None, None)
    assert not project.reviews.exists()


def test_approval_above_the_maximum_per_project_is_refused(staff, officer):
    convention = ConventionFactory(max_per_project=Decimal("20000.00"))
    with pytest.raises(ValidationError) as excinfo:
        approve(submitted_project(staff), officer, convention, "20000.01")
    assert "20\u00a0000,01\u00a0DH" in messages_of(excinfo)
    assert "maximum de 20\u00a0000,00\u00a0DH par projet" in messages_of(excinfo)


def test_approval_above_the_maximum_share_of_the_cost_is_refused(staff, officer):
    convention = ConventionFactory(max_share=Decimal("60"))
    project = submitted_project(staff)  # total cost 45,000 DH: at most 27,000 DH
    with pytest.raises(ValidationError) as excinfo:
        approve(project, officer, convention, "27000.01")
    text = messages_of(excinfo)
    assert "45\u00a0000,00\u00a0DH" in text
    assert "27\u00a0000,00\u00a0DH" in text
    assert approve(project, officer, convention, "27000.00").status == Status.APPROVED


def test_a_convention_of_another_prefecture_is_refused(staff, officer):
    convention = ConventionFactory(prefecture=prefecture(RABAT))
    project = submitted_project(staff)
    with pytest.raises(ValidationError):
        approve(project, officer, convention)
    assert Project.objects.get(pk=project.pk).status == Status.SUBMITTED


def test_an_inactive_convention_is_refused(staff, officer):
    convention = ConventionFactory(status=Convention.Status.DRAFT)
    with pytest.raises(ValidationError) as excinfo:
        approve(submitted_project(staff), officer, convention)
    assert "n’est pas active" in messages_of(excinfo)


@pytest.mark.parametrize("amount", ["0", "-100.00"])
def test_an_approved_amount_must_be_positive(staff, officer, amount):
    with pytest.raises(ValidationError):
        approve(submitted_project(staff), officer, ConventionFactory(), amount)


def test_an_approval_without_committee_decision_is_refused(staff, officer):
    with pytest.raises(ValidationError) as excinfo:
        approve(submitted_project(staff), officer, ConventionFactory(), committee_minutes_number="")
    assert "procès-verbal" in messages_of(excinfo)


def test_convention_figures_follow_approvals_rejections_and_returns(staff, officer):
    convention = ConventionFactory(envelope=Decimal("100000.00"))
    approve(submitted_project(staff), officer, convention, "20000.00")
    approve(submitted_project(staff), officer, convention, "15000.50")
    services.reject_project(project=submitted_project(staff), officer=officer, reason="Non viable.")
    services.return_project(project=submitted_project(staff), officer=officer, reason="Incomplet.")
    submitted_project(staff)

    figures = Convention.objects.with_budget_figures().get(pk=convention.pk)
    assert figures.committed == Decimal("35000.50")
    assert figures.remaining == Decimal("64999.50")
    assert figures.disbursed == Decimal("0.00")


# --- after approval ---------------------------------------------------------------------

def approved_project(staff, officer):
    return approve(submitted_project(staff), officer, ConventionFactory())


def deliver(project):
    project.equipment_items.update(status=EquipmentItem.Status.DELIVERED)


def test_staff_marks_a_delivered_project_as_equipped(staff, officer):
    project = approved_project(staff, officer)
    deliver(project)
    services.equip_project(project=project, user=staff)
    project.refresh_from_db()
    assert project.status == Status.EQUIPPED
    assert set(project.equipment_items.values_list("status", flat=True)) == {
        EquipmentItem.Status.HANDED_OVER
    }


def test_a_project_not_fully_delivered_is_not_equipped(staff, officer):
    project = approved_project(staff, officer)
    with pytest.raises(ValidationError) as excinfo:
        services.equip_project(project=project, user=staff)
    assert "livrée" in messages_of(excinfo)
    assert Project.objects.get(pk=project.pk).status == Status.APPROVED


def equipped_project(staff, officer):
    project = approved_project(staff, officer)
    deliver(project)
    return services.equip_project(project=project, user=staff, handed_over_on=datetime.date(2024, 12, 2))


def test_staff_launches_an_equipped_project_and_its_visits_are_planned(staff, officer):
    project = equipped_project(staff, officer)
    services.launch_project(project=project, user=staff, launched_on=datetime.date(2024, 12, 6))
    project.refresh_from_db()
    assert project.status == Status.ACTIVE
    assert project.launched_on == datetime.date(2024, 12, 6)
    assert FollowUpVisit.objects.filter(project=project).exists()


def test_a_launch_date_in_the_future_is_refused(staff, officer):
    project = equipped_project(staff, officer)
    with pytest.raises(ValidationError):
        services.launch_project(
            project=project, user=staff, launched_on=datetime.date.today() + datetime.timedelta(days=2)
        )
    assert Project.objects.get(pk=project.pk).status == Status.EQUIPPED


def test_staff_closes_an_active_project(staff, officer):
    project = equipped_project(staff, officer)
    services.launch_project(project=project, user=staff, launched_on=datetime.date(2024, 12, 6))
    services.close_project(project=project, user=staff, reason="Activité autonome après 24 mois.")
    assert Project.objects.get(pk=project.pk).status == Status.CLOSED


@pytest.mark.parametrize("stage", ["approved", "equipped"])
def test_staff_abandons_a_funded_project(staff, officer, stage):
    project = approved_project(staff, officer) if stage == "approved" else equipped_project(staff, officer)
    services.abandon_project(project=project, user=staff, reason="Le bénéficiaire a quitté la région.")
    project.refresh_from_db()
    assert project.status == Status.ABANDONED
    assert project.events.last().reason == "Le bénéficiaire a quitté la région."


@pytest.mark.parametrize("who", ["officer", "auditor", "outsider_staff"])
def test_others_may_not_move_a_funded_project(request, staff, officer, who):
    project = equipped_project(staff, officer)
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.launch_project(project=project, user=user, launched_on=datetime.date(2024, 12, 6))
    with pytest.raises(PermissionDenied):
        services.abandon_project(project=project, user=user, reason="Non.")
    assert Project.objects.get(pk=project.pk).status == Status.EQUIPPED


# --- every move the workflow refuses ------------------------------------------------------

def _call(action, project, staff, officer):
    convention = ConventionFactory()
    calls = {
        "submit": lambda: services.submit_project(project=project, user=staff),
        "approve": lambda: approve(project, officer, convention),
        "reject": lambda: services.reject_project(project=project, officer=officer, reason="Non."),
        "return": lambda: services.return_project(project=project, officer=officer, reason="Non."),
        "equip": lambda: services.equip_project(project=project, user=staff),
        "launch": lambda: services.launch_project(
            project=project, user=staff, launched_on=datetime.date(2024, 12, 6)
        ),
        "close": lambda: services.close_project(project=project, user=staff, reason="Fin."),
        "abandon": lambda: services.abandon_project(project=project, user=staff, reason="Fin."),
    }
    return calls[action]()


REFUSED_MOVES = [
    (action, status)
    for action, (sources, _target) in services.TRANSITIONS.items()
    for status in Status.values
    if status not in sources
]


@pytest.mark.parametrize(("action", "status"), REFUSED_MOVES)
def test_a_move_the_workflow_does_not_allow_is_refused(staff, officer, action, status):
    funded = status in Project.COMMITTED_STATUSES
    project = ready_project(
        status=status,
        convention=ConventionFactory() if funded else None,
        approved_amount=Decimal("10000.00") if funded else None,
    )
    with pytest.raises(ValidationError) as excinfo:
        _call(action, project, staff, officer)
    assert excinfo.value.code == "invalid_transition"
    project.refresh_from_db()
    assert project.status == status
    assert not ProjectEvent.objects.filter(project=project).exists()
    assert not project.reviews.exists()


def test_available_actions_follow_role_scope_and_status(staff, officer, auditor, outsider_officer):
    project = submitted_project(staff)
    assert services.available_actions(officer, project) == {"approve", "reject", "return"}
    assert services.available_actions(staff, project) == set()
    assert services.available_actions(auditor, project) == set()
    assert services.available_actions(outsider_officer, project) == set()


def test_a_second_beneficiary_project_in_another_prefecture_is_out_of_scope(staff):
    project = ready_project(beneficiary=BeneficiaryFactory(prefecture=prefecture(RABAT)))
    with pytest.raises(PermissionDenied):
        services.submit_project(project=project, user=staff)


# --- who is told ----------------------------------------------------------------------------

def test_a_submission_and_a_decision_are_mailed_after_the_commit(
    staff, officer, mailoutbox, django_capture_on_commit_callbacks
):
    project = ready_project()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_project(project=project, user=staff)
    assert [message.to for message in mailoutbox] == [[officer.email]]

    with django_capture_on_commit_callbacks(execute=True):
        services.return_project(project=project, officer=officer, reason="Devis manquant.")
    assert [staff.email] in [message.to for message in mailoutbox[1:]]


def test_moves_made_while_emails_are_muted_mail_nobody_even_when_committed_later(
    staff, officer, mailoutbox, django_capture_on_commit_callbacks
):
    project = ready_project()
    with django_capture_on_commit_callbacks(execute=True):
        with muted_emails():
            services.submit_project(project=project, user=staff)
        services.return_project(project=project, officer=officer, reason="Devis manquant.")
    # Only the move made after the block is told (to the staff, not the officer).
    assert [staff.email] in [message.to for message in mailoutbox]
    assert [officer.email] not in [message.to for message in mailoutbox]


def test_a_refused_move_mails_nobody(staff, mailoutbox, django_capture_on_commit_callbacks):
    project = ready_project(beneficiary__consent_signed_on=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
        services.submit_project(project=project, user=staff)
    assert callbacks == []
    assert mailoutbox == []
