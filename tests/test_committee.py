"""The decision in two steps, as the institutions take it: the DAS gives its opinion on a
submitted file, then the CPDH committee decides many files in one session, committing
the envelope through the one approval service."""

import datetime
import importlib
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries.models import Beneficiary
from grants import services
from grants.models import CommitteeDecision, CommitteeSession, DasOpinion, Project, Review
from reintegration.audit.models import AccessLog

from .factories import ConventionFactory, ProjectFactory
from .test_grants_services import ready_project, submitted_project

pytestmark = pytest.mark.django_db

P = Project.Status
B = Beneficiary.Status
TODAY = datetime.date.today()


def favourable(project, officer, reason="Dossier complet, projet viable."):
    return services.record_das_opinion(project=project, officer=officer,
                                       opinion=DasOpinion.Opinion.FAVOURABLE, reason=reason)


def waiting_file(staff, officer, **kwargs) -> Project:
    project = submitted_project(staff, **kwargs)
    favourable(project, officer)
    return project


def session(officer, decisions, number="PV-12/2024", **kwargs):
    return services.record_committee_session(
        officer=officer, prefecture=officer.prefectures.get(), held_on=kwargs.pop("held_on", TODAY),
        minutes_number=number, members="M. le Gouverneur\nChef de la DAS", decisions=decisions,
    )


def approve(project, convention, amount="20000.00", reason="Avis favorable du comité."):
    return services.SessionDecision(project=project, decision=CommitteeDecision.Decision.APPROVE,
                                    convention=convention, amount=Decimal(amount), reason=reason)


def refuse(project, reason="Marché saturé."):
    return services.SessionDecision(project=project, decision=CommitteeDecision.Decision.REFUSE,
                                    reason=reason)


# --- the DAS opinion ------------------------------------------------------------------

def test_a_favourable_opinion_leaves_the_file_waiting_for_the_committee(staff, officer):
    project = waiting_file(staff, officer)
    project.refresh_from_db()
    assert project.status == P.SUBMITTED
    assert list(Project.objects.awaiting_committee()) == [project]
    assert not Project.objects.awaiting_das_opinion().exists()


def test_an_unfavourable_opinion_rejects_the_file_and_a_return_sends_it_back(staff, officer):
    rejected, returned = submitted_project(staff), submitted_project(staff)
    services.record_das_opinion(project=rejected, officer=officer,
                                opinion=DasOpinion.Opinion.UNFAVOURABLE, reason="Étude insuffisante.")
    services.record_das_opinion(project=returned, officer=officer,
                                opinion=DasOpinion.Opinion.RETURN, reason="Devis manquant.")
    rejected.refresh_from_db()
    returned.refresh_from_db()
    assert (rejected.status, returned.status) == (P.REJECTED, P.RETURNED)
    assert rejected.reviews.get().decision == Review.Decision.REJECT
    assert returned.events.last().reason == "Devis manquant."


def test_one_opinion_per_submission_and_a_reason_each_time(staff, officer):
    project = submitted_project(staff)
    with pytest.raises(ValidationError, match="motif"):
        services.record_das_opinion(project=project, officer=officer,
                                    opinion=DasOpinion.Opinion.FAVOURABLE, reason=" ")
    favourable(project, officer)
    with pytest.raises(ValidationError, match="déjà donné son avis"):
        favourable(project, officer)
    assert project.das_opinions.count() == 1


@pytest.mark.parametrize("who", ["staff", "outsider_officer", "auditor"])
def test_only_an_officer_of_the_prefecture_gives_the_das_opinion(request, staff, who):
    project = submitted_project(staff)
    with pytest.raises(PermissionDenied):
        favourable(project, request.getfixturevalue(who))
    assert not DasOpinion.objects.exists()


def test_the_opinion_page_records_it_and_keeps_the_reason_on_error(client_for, staff, officer):
    project = submitted_project(staff)
    url = reverse("grants:review_das_opinion", args=[project.public_id])
    client = client_for(officer)
    response = client.post(url, {"reason": "Bon dossier"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index('data-testid="form-errors"') < page.index('name="reason"')
    assert "Bon dossier</textarea>" in page
    response = client.post(url, {"opinion": "favourable", "reason": "Bon dossier"})
    assert response.status_code == 302
    queue = client.get(reverse("grants:review_queue")).content.decode()
    assert 'data-testid="waits-for-committee"' in queue


def test_an_officer_of_another_prefecture_gets_404_on_the_opinion_page(client_for, staff,
                                                                       outsider_officer):
    project = submitted_project(staff)
    url = reverse("grants:review_das_opinion", args=[project.public_id])
    assert client_for(outsider_officer).get(url).status_code == 404
    assert client_for(outsider_officer).post(url, {"opinion": "favourable", "reason": "x"}).status_code == 404


# --- the committee's session ----------------------------------------------------------

def test_a_session_decides_three_files_and_commits_the_envelope_of_those_approved(staff, officer):
    convention = ConventionFactory(envelope=Decimal("100000.00"))
    first, second, third = (waiting_file(staff, officer) for _ in range(3))
    recorded = session(officer, [approve(first, convention), approve(second, convention, "15000.00"),
                                 refuse(third)])
    assert recorded.decisions.count() == 3
    for project in (first, second, third):
        project.refresh_from_db()
        project.beneficiary.refresh_from_db()
    assert (first.status, second.status, third.status) == (P.APPROVED, P.APPROVED, P.REJECTED)
    assert (first.committee_minutes_number, first.committee_decision_on) == ("PV-12/2024", TODAY)
    assert services.committed_amount(convention) == Decimal("35000.00")
    assert (first.beneficiary.status, third.beneficiary.status) == (B.IN_PROGRAMME, B.ELIGIBLE)
    assert first.events.last().user == officer


def test_one_file_beyond_the_envelope_refuses_the_whole_session_and_names_it(staff, officer):
    convention = ConventionFactory(envelope=Decimal("30000.00"))
    first, second = waiting_file(staff, officer), waiting_file(staff, officer)
    with pytest.raises(ValidationError) as excinfo:
        session(officer, [approve(first, convention), approve(second, convention)])
    message = " ".join(excinfo.value.messages)
    assert f"Dossier {second.reference}" in message
    assert "dépasse ce qui reste" in message
    assert "Rien de cette session n'a été enregistré" in message
    assert not CommitteeSession.objects.exists()
    first.refresh_from_db()
    assert first.status == P.SUBMITTED
    assert services.committed_amount(convention) == 0


def test_a_file_without_a_favourable_opinion_cannot_be_decided_in_session(staff, officer):
    project = submitted_project(staff)
    with pytest.raises(ValidationError, match="pas en attente"):
        session(officer, [refuse(project)])
    assert not CommitteeSession.objects.exists()


def test_minutes_numbers_are_unique_per_prefecture_and_dates_not_in_the_future(staff, officer):
    session(officer, [refuse(waiting_file(staff, officer))])
    with pytest.raises(ValidationError, match="déjà ce procès-verbal"):
        session(officer, [refuse(waiting_file(staff, officer))])
    with pytest.raises(ValidationError, match="futur"):
        session(officer, [refuse(waiting_file(staff, officer))], number="PV-13/2024",
                held_on=TODAY + datetime.timedelta(days=1))


@pytest.mark.parametrize("who", ["staff", "outsider_officer"])
def test_only_an_officer_of_the_prefecture_records_its_sessions(request, staff, officer, who):
    project = waiting_file(staff, officer)
    with pytest.raises(PermissionDenied):
        services.record_committee_session(
            officer=request.getfixturevalue(who), prefecture=project.prefecture, held_on=TODAY,
            minutes_number="PV-1", members="", decisions=[refuse(project)],
        )


def session_post(projects, conventions, **rows):
    data = {"prefecture": "", "held_on": TODAY.isoformat(), "minutes_number": "PV-12/2024",
            "members": "M. le Gouverneur\nChef de la DAS",
            "files-TOTAL_FORMS": str(len(projects)), "files-INITIAL_FORMS": str(len(projects))}
    for index, project in enumerate(projects):
        decision, amount, reason = rows.get(project.reference, ("", "", ""))
        data.update({
            f"files-{index}-project": project.pk, f"files-{index}-decision": decision,
            f"files-{index}-convention": conventions[0].pk if decision == "approve" else "",
            f"files-{index}-amount": amount, f"files-{index}-reason": reason,
        })
    return data


def test_the_session_form_lists_the_waiting_files_and_records_them_in_one_post(
        client_for, staff, officer, temara):
    convention = ConventionFactory(envelope=Decimal("100000.00"))
    files = [waiting_file(staff, officer) for _ in range(4)]
    client = client_for(officer)
    url = reverse("grants:review_committee_session")
    page = client.get(url).content.decode()
    assert page.count('data-testid="session-file"') == 4
    data = session_post(files, [convention], **{
        files[0].reference: ("approve", "20000.00", "Viable"),
        files[1].reference: ("approve", "20000.00", "Viable"),
        files[2].reference: ("refuse", "", "Marché saturé"),
    })
    data["prefecture"] = temara.pk
    response = client.post(url, data)
    assert response.status_code == 302
    recorded = CommitteeSession.objects.get()
    assert recorded.decisions.count() == 3
    files[3].refresh_from_db()
    assert files[3].status == P.SUBMITTED  # left for a later session
    detail = client.get(recorded.get_absolute_url()).content.decode()
    assert files[0].reference in detail and "Marché saturé" in detail


def test_a_refused_session_keeps_every_value_typed_and_says_which_file_failed_at_the_top(
        client_for, staff, officer, temara):
    convention = ConventionFactory(envelope=Decimal("25000.00"))
    files = [waiting_file(staff, officer) for _ in range(2)]
    data = session_post(files, [convention], **{
        files[0].reference: ("approve", "20000.00", "Viable, premier"),
        files[1].reference: ("approve", "20000.00", "Viable, second"),
    })
    data["prefecture"] = temara.pk
    response = client_for(officer).post(reverse("grants:review_committee_session"), data)
    page = response.content.decode()
    assert response.status_code == 200
    alerts = page.index('id="page-alerts"')
    assert alerts < page.index('name="minutes_number"')
    failed = max(files, key=lambda p: p.pk).reference
    assert f"Dossier {failed}" in page[alerts: page.index('name="minutes_number"')]
    assert 'value="PV-12/2024"' in page and "Viable, second</textarea>" in page
    assert not CommitteeSession.objects.exists()


def test_a_row_without_reason_or_convention_is_refused_by_the_form(client_for, staff, officer, temara):
    files = [waiting_file(staff, officer)]
    data = session_post(files, [ConventionFactory()], **{files[0].reference: ("approve", "", "")})
    data["prefecture"] = temara.pk
    page = client_for(officer).post(reverse("grants:review_committee_session"), data).content.decode()
    assert "Indiquez le montant approuvé." in page
    assert not CommitteeSession.objects.exists()


def test_the_session_pages_are_scoped_by_prefecture(client_for, staff, officer, outsider_officer, auditor):
    recorded = session(officer, [refuse(waiting_file(staff, officer))])
    for name in ("committee_session_detail", "committee_session_minutes"):
        url = reverse(f"grants:{name}", args=[recorded.pk])
        assert client_for(outsider_officer).get(url).status_code == 404
        assert client_for(officer).get(url).status_code == 200
    assert recorded.minutes_number not in client_for(outsider_officer).get(
        reverse("grants:committee_session_list")).content.decode()
    assert recorded.minutes_number in client_for(auditor).get(
        reverse("grants:committee_session_list")).content.decode()
    assert client_for(staff).get(reverse("grants:review_committee_session")).status_code == 403
    assert client_for(auditor).post(reverse("grants:review_committee_session"), {}).status_code == 403


def test_the_minutes_print_in_french_and_arabic_with_every_decision(client_for, staff, officer):
    convention = ConventionFactory()
    first, second = waiting_file(staff, officer), waiting_file(staff, officer)
    recorded = session(officer, [approve(first, convention), refuse(second)], number="PV-07/2024")
    response = client_for(officer).get(reverse("grants:committee_session_minutes", args=[recorded.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    for needle in ("PV-07/2024", first.reference, second.reference, "Approuvé", "Refusé",
                   "Procès-verbal", "محضر"):
        assert needle in text, needle
    assert AccessLog.objects.filter(action=AccessLog.Action.PDF, detail="committee minutes").exists()


# --- today's approvals stay valid -------------------------------------------------------

def test_the_migration_turns_typed_minutes_into_sessions_and_back(staff):
    migration = importlib.import_module("grants.migrations.0024_committee_sessions_from_approvals")
    convention = ConventionFactory()
    funded = [
        ProjectFactory(status=P.APPROVED, convention=convention, approved_amount=Decimal("20000.00"),
                       committee_minutes_number=number, committee_decision_on=datetime.date(2024, 10, day))
        for number, day in (("PV-07/2024", 3), ("PV-07/2024", 2), ("PV-08/2024", 9))
    ]
    ProjectFactory(status=P.APPROVED, convention=convention, approved_amount=Decimal("1000.00"))
    ready_project()
    state = MigrationExecutor(connection).loader.project_state(
        ("grants", "0024_committee_sessions_from_approvals")).apps

    migration.forward(state, None)
    sessions = {s.minutes_number: s for s in CommitteeSession.objects.all()}
    assert set(sessions) == {"PV-07/2024", "PV-08/2024"}
    assert sessions["PV-07/2024"].held_on == datetime.date(2024, 10, 2)
    assert sessions["PV-07/2024"].decisions.count() == 2
    decision = funded[2].committee_decision
    assert (decision.decision, decision.amount, decision.convention) == (
        CommitteeDecision.Decision.APPROVE, Decimal("20000.00"), convention)

    migration.backward(state, None)
    assert not CommitteeSession.objects.exists()


def test_an_opinion_on_a_file_no_longer_submitted_is_refused_with_its_status(staff, officer):
    project = submitted_project(staff)
    services.reject_project(project=project, officer=officer, reason="Hors délai.")
    with pytest.raises(ValidationError, match="« Rejeté » : la DAS ne donne son avis que sur les dossiers"):
        favourable(project, officer)
