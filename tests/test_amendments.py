"""Amendments (issue 16): staff ask for a new approved amount with a reason; an officer of
the project's prefecture decides it under the rules of the first approval; the project,
its convention, its history, its certificate and the reports follow."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ceremonies import services as ceremonies
from ceremonies.models import Ceremony
from grants import services
from grants.models import Amendment, Convention, ConventionFigures, Project
from grants.reports import convention_report

from .factories import CeremonyFactory, ConventionFactory
from .test_grants_views import page
from .test_ledger import delivered, funded, order, pay

pytestmark = pytest.mark.django_db

Status = Amendment.Status


@pytest.fixture
def convention(temara):
    return ConventionFactory(prefecture=temara, envelope=Decimal("100000.00"),
                             max_per_project=Decimal("60000.00"), max_share=Decimal("70.00"))


@pytest.fixture
def project(staff, officer, convention):
    """Approved for 35,000 DH: 30,000 DH of equipment, a 5,000 DH cash grant, a 20,000 DH
    own contribution (total cost 55,000 DH: at most 38,500 DH at 70 %)."""
    return funded(staff, officer, convention, "35000.00", lines=[("Four", 1, "30000.00")],
                  cash_grant="5000.00", own="20000.00")


def request(project, staff, amount, cash_grant=None, reason="Le prix du four a augmenté (devis joint)."):
    return services.request_amendment(
        project=Project.objects.get(pk=project.pk), user=staff, amount=Decimal(amount),
        cash_grant=None if cash_grant is None else Decimal(cash_grant), reason=reason,
    )


def decide(amendment, officer, amount=None, reason="Surcoût justifié par le devis."):
    return services.approve_amendment(
        amendment=amendment, officer=officer,
        amount=amendment.requested_amount if amount is None else Decimal(amount), reason=reason,
    )


def committed(convention):
    return ConventionFigures.objects.get(convention=convention).committed


# --- the services ---------------------------------------------------------------------------

def test_an_approved_amendment_moves_the_project_s_ceiling_and_its_convention_s_commitment(
    project, staff, officer, convention
):
    amendment = request(project, staff, "38000.00", cash_grant="8000.00")
    assert amendment.previous_amount == Decimal("35000.00")
    assert amendment.previous_cash_grant == Decimal("5000.00")
    assert committed(convention) == Decimal("35000.00")  # a request commits nothing

    decide(amendment, officer)

    project.refresh_from_db()
    amendment.refresh_from_db()
    assert (project.approved_amount, project.cash_grant_amount) == (Decimal("38000.00"), Decimal("8000.00"))
    assert (amendment.status, amendment.decided_amount, amendment.decided_by) == (
        Status.APPROVED, Decimal("38000.00"), officer)
    assert committed(convention) == Decimal("38000.00")
    assert amendment.history.count() == 2


def test_an_amendment_follows_the_rules_of_the_first_approval(project, staff, officer, convention):
    Project.objects.create(
        reference="PRJ-OTHER", beneficiary=project.beneficiary, title="Autre", sector=project.sector,
        prefecture=project.prefecture, convention=convention, status=Project.Status.ACTIVE,
        approved_amount=Decimal("62000.00"),
    )
    # 3,000 DH left, and the project's own 35,000 DH given back: 38,000 DH for it. With a
    # 9,000 DH cash grant its cost is 59,000 DH, of which 70 % is 41,300 DH.
    amendment = request(project, staff, "39000.00", cash_grant="9000.00")
    with pytest.raises(ValidationError) as error:
        decide(amendment, officer)
    assert "38\u00a0000,00\u00a0DH" in " ".join(error.value.messages)
    Convention.objects.filter(pk=convention.pk).update(max_per_project=Decimal("37500.00"))
    with pytest.raises(ValidationError) as error:
        decide(amendment, officer, "38000.00")
    assert "37\u00a0500,00\u00a0DH" in " ".join(error.value.messages)
    decide(amendment, officer, "37500.00")
    assert committed(convention) == Decimal("99500.00")
    assert Project.objects.get(pk=project.pk).cash_grant_amount == Decimal("9000.00")


def test_the_maximum_share_of_the_total_cost_binds_an_amendment(project, staff, officer):
    amendment = request(project, staff, "39000.00")
    with pytest.raises(ValidationError) as error:
        decide(amendment, officer)
    text = " ".join(error.value.messages)
    assert "55\u00a0000,00\u00a0DH" in text and "38\u00a0500,00\u00a0DH" in text
    decide(amendment, officer, "38500.00")
    assert Project.objects.get(pk=project.pk).approved_amount == Decimal("38500.00")


def test_an_amendment_never_goes_below_what_is_engaged_and_paid(project, staff, officer, convention):
    pay(staff, project, "5000.00")
    order(staff, convention, list(project.equipment_items.all()))
    with pytest.raises(ValidationError) as error:
        request(project, staff, "34000.00")
    assert "35\u00a0000,00\u00a0DH" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        request(project, staff, "35000.00", cash_grant="4000.00")  # 5,000 already paid


def test_a_closed_or_abandoned_project_s_amount_can_only_be_lowered(project, staff, officer, convention):
    services.abandon_project(project=project, user=staff, reason="Activité arrêtée.")
    with pytest.raises(ValidationError):
        request(project, staff, "36000.00")
    lower = request(project, staff, "12000.00", reason="Rien ne sera acheté : l'enveloppe est rendue.")
    decide(lower, officer)
    assert committed(convention) == Decimal("12000.00")


def test_one_request_at_a_time_and_a_decision_only_once(project, staff, officer):
    amendment = request(project, staff, "36000.00")
    with pytest.raises(ValidationError):
        request(project, staff, "37000.00")
    services.refuse_amendment(amendment=amendment, officer=officer, reason="Devis insuffisant.")
    with pytest.raises(ValidationError):
        decide(Amendment.objects.get(pk=amendment.pk), officer)
    assert Project.objects.get(pk=project.pk).approved_amount == Decimal("35000.00")
    withdrawn = services.withdraw_amendment(amendment=request(project, staff, "36000.00"), user=staff)
    assert withdrawn.status == Status.WITHDRAWN
    assert request(project, staff, "36000.00").is_pending


def test_only_staff_ask_and_only_an_officer_of_the_prefecture_decides(
    project, staff, officer, outsider_staff, outsider_officer, admin_user
):
    for who in (officer, outsider_staff):
        with pytest.raises(PermissionDenied):
            request(project, who, "36000.00")
    amendment = request(project, staff, "36000.00")
    for who in (staff, outsider_officer, admin_user):
        with pytest.raises(PermissionDenied):
            decide(amendment, who)
    with pytest.raises(ValidationError):
        decide(amendment, officer, "36500.00")  # more than asked


def test_the_officers_and_then_the_staff_are_told(project, staff, officer):
    amendment = request(project, staff, "36000.00")
    # On commit only; the test's transaction never commits, so the messages are sent here.
    from grants import notifications

    notifications.notify_amendment_requested(amendment)
    assert [message.to for message in mail.outbox] == [[officer.email]]
    assert str(amendment.pk) in mail.outbox[0].body
    decide(amendment, officer)
    notifications.notify_amendment_decided(Amendment.objects.get(pk=amendment.pk))
    assert staff.email in mail.outbox[-1].to


def test_certificates_and_reports_use_the_amended_figures(project, staff, officer, convention):
    decide(request(project, staff, "38000.00", cash_grant="8000.00"), officer)
    delivered(staff, order(staff, convention, list(project.equipment_items.all())))
    ceremony = CeremonyFactory(prefecture=convention.prefecture, convention=convention,
                               held_on=datetime.date(2024, 12, 6))
    ceremonies.add_projects(ceremony=ceremony, projects=[Project.objects.get(pk=project.pk)], user=staff)
    handover, = ceremonies.hold_ceremony(ceremony=Ceremony.objects.get(pk=ceremony.pk), user=staff)
    assert handover.cash_grant == Decimal("8000.00")
    report = convention_report(convention)
    funded_project, = report.projects
    assert funded_project.approved_amount == Decimal("38000.00")
    assert funded_project.amended == Decimal("3000.00")
    assert report.convention.committed == Decimal("38000.00")


# --- the pages --------------------------------------------------------------------------------

def test_staff_ask_from_the_project_page_and_see_the_request_in_its_history(
    project, staff, client_for
):
    client = client_for(staff)
    text = page(client.get(project.get_absolute_url()))
    url = reverse("grants:amendment_create", args=[project.public_id])
    assert url in text
    response = client.post(url, {"amount": "37000.00", "cash_grant": "", "reason": "Une étagère de plus."},
                           follow=True)
    amendment = Amendment.objects.get()
    assert response.redirect_chain[-1][0] == amendment.get_absolute_url()
    text = page(client.get(project.get_absolute_url()))
    assert "37\u00a0000,00\u00a0DH" in text and "Une étagère de plus." in text
    assert url not in text  # one request at a time


def test_a_request_below_what_is_spent_comes_back_with_the_figures(project, staff, client_for, convention):
    order(staff, convention, list(project.equipment_items.all()))
    response = client_for(staff).post(
        reverse("grants:amendment_create", args=[project.public_id]),
        {"amount": "20000.00", "reason": "Moins cher."},
    )
    assert response.status_code == 200
    assert "30\u00a0000,00\u00a0DH" in page(response)
    assert not Amendment.objects.exists()


def test_the_officer_decides_from_the_list_of_amendments_to_decide(
    project, staff, officer, client_for, convention
):
    amendment = request(project, staff, "36000.00")
    client = client_for(officer)
    listing = page(client.get(reverse("grants:amendment_list")))
    assert project.reference in listing and amendment.get_absolute_url() in listing
    response = client.post(amendment.get_absolute_url(), {
        "decision": "approve", "approve-amount": "36000.00", "approve-reason": "Justifié.",
    })
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).approved_amount == Decimal("36000.00")
    assert amendment.get_absolute_url() not in page(client.get(reverse("grants:amendment_list")))
    assert amendment.get_absolute_url() in page(client.get(reverse("grants:amendment_list") + "?show=all"))


def test_a_refused_decision_shows_the_rule_and_changes_nothing(project, staff, officer, client_for):
    amendment = request(project, staff, "39000.00")
    response = client_for(officer).post(amendment.get_absolute_url(), {
        "decision": "approve", "approve-amount": "39000.00", "approve-reason": "Oui.",
    })
    assert response.status_code == 200
    assert "38\u00a0500,00\u00a0DH" in page(response)
    assert Amendment.objects.get(pk=amendment.pk).is_pending


@pytest.mark.parametrize("who", ["outsider_staff", "outsider_officer"])
def test_an_amendment_of_another_prefecture_is_404(project, staff, client_for, request, who):
    amendment = services.request_amendment(project=project, user=staff, amount=Decimal("36000.00"),
                                           reason="Prix.")
    client = client_for(request.getfixturevalue(who))
    assert client.get(amendment.get_absolute_url()).status_code == 404
    refusal = {"decision": "refuse", "refuse-reason": "Non."}
    assert client.post(amendment.get_absolute_url(), refusal).status_code == 404
    assert client.post(reverse("grants:amendment_withdraw", args=[amendment.pk])).status_code == 404
    assert client.get(reverse("grants:amendment_create", args=[project.public_id])).status_code == 404
    assert project.reference not in page(client.get(reverse("grants:amendment_list") + "?show=all"))


def test_staff_and_auditors_read_an_amendment_but_cannot_decide_it(
    project, staff, auditor, client_for
):
    amendment = request(project, staff, "36000.00")
    for user in (staff, auditor):
        client = client_for(user)
        text = page(client.get(amendment.get_absolute_url()))
        assert "Le prix du four a augmenté" in text and 'name="decision"' not in text
        response = client.post(amendment.get_absolute_url(), {
            "decision": "approve", "approve-amount": "36000.00", "approve-reason": "Oui."})
        assert response.status_code == 403
    assert Amendment.objects.get(pk=amendment.pk).is_pending


def test_the_admin_shows_amendments_read_only(project, staff, admin_user, client_for):
    amendment = request(project, staff, "36000.00")
    amendment_admin = admin.site._registry[Amendment]
    assert not amendment_admin.has_change_permission(None) and not amendment_admin.has_add_permission(None)
    client = client_for(admin_user)
    changelist = reverse("admin:grants_amendment_changelist")
    assert client.get(changelist, {"q": project.reference}).status_code == 200
    assert client.get(reverse("admin:grants_amendment_history", args=[amendment.pk])).status_code == 200
    assert project.reference in page(client.get(reverse("admin:grants_project_change", args=[project.pk])))


def test_the_menu_offers_the_amendments_to_officers_only(project, staff, officer, client_for):
    url = reverse("grants:amendment_list")
    assert f'href="{url}"' in page(client_for(officer).get(reverse("home")))
    assert f'href="{url}"' not in page(client_for(staff).get(reverse("home")))


def test_an_amendment_of_a_project_taken_back_before_its_approval_cannot_be_approved(
    project, staff, officer
):
    """Found by the state machine: an admin's history revert took the project back to
    "submitted" while an amendment waited."""
    amendment = request(project, staff, "36000.00")
    Project.objects.filter(pk=project.pk).update(status=Project.Status.SUBMITTED, convention=None,
                                                 approved_amount=None)
    with pytest.raises(ValidationError) as error:
        decide(Amendment.objects.get(pk=amendment.pk), officer)
    assert error.value.code == "invalid_transition"
    services.refuse_amendment(amendment=Amendment.objects.get(pk=amendment.pk), officer=officer,
                              reason="Le projet n'est plus approuvé.")


# --- an extra machine ---------------------------------------------------------------------------

def equipment_data(project, extra=None):
    """The equipment formset of `project` as posted back, with `extra` (designation,
    quantity, unit price) added as a new line."""
    lines = list(project.equipment_items.order_by("pk"))
    data = {"lines-TOTAL_FORMS": str(len(lines) + bool(extra)), "lines-INITIAL_FORMS": str(len(lines)),
            "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "50"}
    for index, line in enumerate(lines):
        data.update({
            f"lines-{index}-id": str(line.pk), f"lines-{index}-designation": line.designation,
            f"lines-{index}-quantity": str(line.quantity), f"lines-{index}-unit_price": str(line.unit_price),
        })
    if extra:
        index = len(lines)
        data.update({f"lines-{index}-designation": extra[0], f"lines-{index}-quantity": str(extra[1]),
                     f"lines-{index}-unit_price": extra[2]})
    return data


def test_an_extra_machine_is_added_then_ordered_after_an_amendment(
    project, staff, officer, client_for, convention
):
    client = client_for(staff)
    url = reverse("grants:project_equipment", args=[project.public_id])
    assert url in page(client.get(project.get_absolute_url()))
    response = client.post(url, equipment_data(project, ("Vitrine réfrigérée", 1, "3000.00")), follow=True)
    assert "38\u00a0000,00\u00a0DH" in page(response)  # requested now, beyond the 35,000 approved
    machine = project.equipment_items.get(designation="Vitrine réfrigérée")
    oven = project.equipment_items.exclude(pk=machine.pk).get()
    order(staff, convention, [oven])
    pay(staff, project, "5000.00")
    with pytest.raises(ValidationError):
        order(staff, convention, [machine])  # 38,000 DH: beyond the 35,000 approved
    decide(request(project, staff, "38000.00", reason="Une vitrine réfrigérée de plus."), officer)
    order(staff, convention, [machine])
    assert services.project_money(project).spent == Decimal("38000.00")


def test_a_line_on_an_order_is_kept_and_the_page_closes_after_approval(
    project, staff, officer, client_for, convention, auditor
):
    oven = project.equipment_items.get()
    order(staff, convention, [oven])
    client = client_for(staff)
    url = reverse("grants:project_equipment", args=[project.public_id])
    data = equipment_data(project)
    data["lines-0-unit_price"] = "25000.00"
    response = client.post(url, data)
    assert response.status_code == 200 and "bon de commande" in page(response)
    assert project.equipment_items.get().unit_price == Decimal("30000.00")
    services.abandon_project(project=project, user=staff, reason="Arrêt.")
    response = client.post(url, equipment_data(project, ("Étagère", 1, "500.00")), follow=True)
    assert project.equipment_items.count() == 1
    assert "Abandonné" in page(response)
    assert client_for(auditor).post(url, equipment_data(project)).status_code == 403
