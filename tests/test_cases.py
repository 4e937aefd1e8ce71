"""Grievances, referrals and transfers between prefectures, through the pages staff use."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import services
from cases.models import FileTransfer, Grievance, Referral
from cases.selectors import case_figures, overdue_grievances
from grants.models import Project
from reintegration.audit.models import AccessLog
from reintegration.security.two_factor import requires_two_factor

from .conftest import verify_session
from .factories import (
    BeneficiaryFactory,
    ConventionFactory,
    FollowUpVisitFactory,
    GrievanceFactory,
    ProjectFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def file(temara):
    return BeneficiaryFactory(prefecture=temara, cin="AB765432", last_name="Tazi")


def own_client(user) -> Client:
    """A client of its own: two people at once (the test client fixture is one browser)."""
    client = Client()
    client.force_login(user)
    if requires_two_factor(user):
        verify_session(client, user)
    return client


def text(response) -> str:
    return response.content.decode()


# --- grievances -----------------------------------------------------------------------

def test_staff_record_a_grievance_whose_deadline_comes_from_its_category(client_for, staff, file):
    response = client_for(staff).post(
        reverse("cases:grievance_create", args=[file.public_id]),
        {"category": "equipment_missing", "description": "Le pétrin n'a pas été livré.",
         "raised_on": TODAY.isoformat()},
    )
    grievance = Grievance.objects.get()
    assert response.status_code == 302 and response["Location"] == grievance.get_absolute_url()
    assert grievance.due_on == TODAY + datetime.timedelta(days=7)
    assert grievance.status == Grievance.Status.OPEN and grievance.raised_by == staff
    assert grievance.reference.startswith(f"REC-{TODAY.year}-")
    page = client_for(staff).get(grievance.get_absolute_url())
    assert "Le pétrin n&#x27;a pas été livré." in text(page)


def test_a_grievance_without_description_is_refused_and_keeps_what_was_typed(client_for, staff, file):
    response = client_for(staff).post(
        reverse("cases:grievance_create", args=[file.public_id]),
        {"category": "supplier", "description": "  ", "raised_on": TODAY.isoformat()},
    )
    assert response.status_code == 200
    assert "Décrivez la réclamation." in text(response) or "Describe the grievance." in text(response)
    assert 'value="supplier" selected' in text(response)
    assert not Grievance.objects.exists()


def test_a_deadline_before_the_grievance_is_refused(client_for, staff, file):
    response = client_for(staff).post(
        reverse("cases:grievance_create", args=[file.public_id]),
        {"category": "other", "description": "Retard", "raised_on": TODAY.isoformat(),
         "due_on": (TODAY - datetime.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200 and not Grievance.objects.exists()


@pytest.mark.parametrize("who", ["outsider_staff", "outsider_officer"])
def test_staff_and_officers_of_another_prefecture_get_404_on_grievances(client_for, who, request, file):
    grievance = GrievanceFactory(beneficiary=file)
    client = client_for(request.getfixturevalue(who))
    for url in (grievance.get_absolute_url(),
                reverse("cases:grievance_assign", args=[grievance.public_id]),
                reverse("cases:grievance_resolve", args=[grievance.public_id]),
                reverse("cases:grievance_create", args=[file.public_id])):
        assert client.get(url).status_code == 404, url
    listing = client.get(reverse("cases:grievance_list"), {"state": "all"})
    assert grievance.reference not in text(listing)


def test_an_officer_reads_a_grievance_of_the_prefecture_but_may_not_change_it(client_for, officer, file):
    grievance = GrievanceFactory(beneficiary=file)
    client = client_for(officer)
    assert client.get(grievance.get_absolute_url()).status_code == 200
    assert client.get(reverse("cases:grievance_create", args=[file.public_id])).status_code == 403
    response = client.post(reverse("cases:grievance_resolve", args=[grievance.public_id]),
                           {"resolution": "Réglé"})
    assert response.status_code == 403
    grievance.refresh_from_db()
    assert grievance.status == Grievance.Status.OPEN


def test_a_grievance_is_assigned_then_resolved_once(client_for, staff, file):
    grievance = GrievanceFactory(beneficiary=file)
    client = client_for(staff)
    response = client.post(reverse("cases:grievance_assign", args=[grievance.public_id]),
                           {"owner": staff.pk, "due_on": grievance.due_on.isoformat()})
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert grievance.owner == staff and grievance.status == Grievance.Status.IN_PROGRESS

    url = reverse("cases:grievance_resolve", args=[grievance.public_id])
    assert client.post(url, {"resolution": ""}).status_code == 200
    assert client.post(url, {"resolution": "Four remplacé par le fournisseur."}).status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == Grievance.Status.RESOLVED and grievance.resolved_by == staff
    again = client.post(url, {"resolution": "Encore"})
    assert again.status_code == 200
    grievance.refresh_from_db()
    assert grievance.resolution == "Four remplacé par le fournisseur."


def test_a_grievance_cannot_be_given_to_staff_of_another_prefecture(client_for, staff, outsider_staff, file):
    grievance = GrievanceFactory(beneficiary=file)
    response = client_for(staff).post(
        reverse("cases:grievance_assign", args=[grievance.public_id]), {"owner": outsider_staff.pk}
    )
    assert response.status_code == 200
    grievance.refresh_from_db()
    assert grievance.owner is None


def test_overdue_grievances_are_listed_counted_and_offered_to_the_inbox(
        client_for, staff, outsider_staff, file):
    late = GrievanceFactory(beneficiary=file, raised_on=TODAY - datetime.timedelta(days=20),
                            due_on=TODAY - datetime.timedelta(days=5))
    on_time = GrievanceFactory(beneficiary=file)
    GrievanceFactory(beneficiary=file, raised_on=TODAY - datetime.timedelta(days=20),
                     due_on=TODAY - datetime.timedelta(days=5), status="resolved",
                     resolution="Fait", resolved_at=timezone.now())
    assert list(overdue_grievances(staff)) == [late]
    assert list(overdue_grievances(outsider_staff)) == []
    listing = client_for(staff).get(reverse("cases:grievance_list"), {"state": "overdue"})
    assert late.reference in text(listing) and on_time.reference not in text(listing)
    dashboard = client_for(staff).get(reverse("dashboard"))
    assert '<span data-testid="grievances-overdue">1</span>' in text(dashboard)
    assert '<span data-testid="grievances-unresolved">2</span>' in text(dashboard)


def test_an_sms_reply_raises_a_grievance_without_a_staff_member(file):
    grievance = services.raise_grievance(
        beneficiary=file, user=None, channel=Grievance.Channel.SMS,
        category=Grievance.Category.EQUIPMENT_MISSING, description="NON",
    )
    assert grievance.raised_by is None and grievance.channel == "sms"
    with pytest.raises(services.PermissionDenied):
        services.raise_grievance(beneficiary=file, user=None, category="other", description="x")


# --- referrals ------------------------------------------------------------------------

def test_a_referral_and_its_outcome_appear_on_the_file_and_the_dashboard(client_for, staff, file):
    client = client_for(staff)
    response = client.post(reverse("cases:referral_create", args=[file.public_id]), {
        "service": "ofppt", "partner_name": "ISTA Témara", "reason": "Formation en pâtisserie",
        "referred_on": TODAY.isoformat(),
    })
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.outcome == Referral.Outcome.PENDING and referral.referred_by == staff
    page = text(client.get(file.get_absolute_url()))
    assert "Formation en pâtisserie" in page  # the timeline's entry, its reason below
    assert str(Referral.Service.OFPPT.label) in page

    response = client.post(reverse("cases:referral_outcome", args=[referral.public_id]), {
        "outcome": "obtained", "outcome_on": TODAY.isoformat(), "notes": "Inscrit en CAP",
    })
    assert response.status_code == 302
    page = text(client.get(file.get_absolute_url()))
    assert "Inscrit en CAP" in page
    dashboard = text(client.get(reverse("dashboard")))
    assert '<div class="fs-4" data-testid="referrals-total">1</div>' in dashboard
    assert '<span data-testid="referrals-obtained">1</span>' in dashboard


def test_an_outcome_before_the_referral_is_refused(client_for, staff, file):
    referral = ReferralFactory(beneficiary=file, referred_on=TODAY)
    response = client_for(staff).post(reverse("cases:referral_outcome", args=[referral.public_id]), {
        "outcome": "refused", "outcome_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
    })
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.outcome == Referral.Outcome.PENDING


@pytest.mark.parametrize("who", ["outsider_staff", "outsider_officer"])
def test_referrals_of_another_prefecture_answer_404(client_for, who, request, file):
    referral = ReferralFactory(beneficiary=file)
    client = client_for(request.getfixturevalue(who))
    assert client.get(referral.get_absolute_url()).status_code == 404
    assert client.get(reverse("cases:referral_outcome", args=[referral.public_id])).status_code == 404
    assert client.get(reverse("cases:referral_create", args=[file.public_id])).status_code == 404
    assert case_figures(request.getfixturevalue(who))["referrals_total"] == 0


# --- transfers ------------------------------------------------------------------------

@pytest.fixture
def followed_file(file, temara):
    """A file of Témara with a launched business (and a visit), a closed one, a draft."""
    convention = ConventionFactory(prefecture=temara)
    active = ProjectFactory(beneficiary=file, prefecture=temara, status=Project.Status.ACTIVE,
                            convention=convention, approved_amount=50000)
    closed = ProjectFactory(beneficiary=file, prefecture=temara, status=Project.Status.CLOSED,
                            convention=convention, approved_amount=40000)
    draft = ProjectFactory(beneficiary=file, prefecture=temara, status=Project.Status.DRAFT)
    visit = FollowUpVisitFactory(project=active)
    return file, active, closed, draft, visit


def request_file(client, cin, to_prefecture, reason="Habite désormais à Rabat."):
    return client.post(reverse("cases:transfer_request"),
                       {"cin": cin, "to_prefecture": to_prefecture.pk, "reason": reason})


def test_a_file_is_requested_by_cin_accepted_and_moves_with_its_followed_projects(
        client_for, staff, outsider_staff, rabat, followed_file):
    file, active, closed, draft, visit = followed_file
    requester = own_client(outsider_staff)
    response = request_file(requester, "ab 765432", rabat)
    transfer = FileTransfer.objects.get()
    assert response.status_code == 302 and response["Location"] == transfer.get_absolute_url()
    assert transfer.status == FileTransfer.Status.PENDING and transfer.from_prefecture == file.prefecture
    # The look-up that found the file is logged, like the intake's duplicate check.
    assert AccessLog.objects.filter(action=AccessLog.Action.LOOKUP, user=outsider_staff,
                                    object_id=str(file.public_id)).count() == 1

    # Before acceptance the requester sees that a request is pending, nothing of the file.
    page = text(requester.get(transfer.get_absolute_url()))
    assert "Tazi" not in page and file.file_number not in page and "AB****32" not in page
    assert "Tazi" not in text(requester.get(reverse("cases:transfer_list")))
    assert requester.get(file.get_absolute_url()).status_code == 404
    assert requester.post(reverse("cases:transfer_answer", args=[transfer.public_id]),
                          {"accept": "1"}).status_code == 404

    sender = own_client(staff)
    assert "Tazi" in text(sender.get(transfer.get_absolute_url()))
    history_before = active.history.count()
    response = sender.post(reverse("cases:transfer_answer", args=[transfer.public_id]),
                           {"accept": "1", "answer": "Bonne continuation"})
    assert response.status_code == 302

    transfer.refresh_from_db()
    file.refresh_from_db()
    for project in (active, closed, draft):
        project.refresh_from_db()
    assert transfer.status == FileTransfer.Status.ACCEPTED and transfer.decided_by == staff
    assert file.prefecture == rabat and active.prefecture == rabat and draft.prefecture == rabat
    assert closed.prefecture != rabat  # stays in the figures of the prefecture that funded it
    assert active.history.count() == history_before + 1
    assert "Rabat" in file.history.first().history_change_reason

    # After: the sender no longer sees the file nor the visit; the requester does.
    assert sender.get(file.get_absolute_url()).status_code == 404
    assert sender.get(reverse("grants:visit_update", args=[visit.pk])).status_code == 404
    assert requester.get(file.get_absolute_url()).status_code == 200
    assert requester.get(reverse("grants:visit_update", args=[visit.pk])).status_code == 200
    assert "Tazi" in text(requester.get(transfer.get_absolute_url()))
    timeline = text(requester.get(file.get_absolute_url()))
    assert "Habite désormais à Rabat." in timeline


def test_a_request_for_an_unknown_cin_is_refused_and_logs_nothing(client_for, outsider_staff, rabat, file):
    response = request_file(client_for(outsider_staff), "ZZ999999", rabat)
    assert response.status_code == 200 and not FileTransfer.objects.exists()
    assert not AccessLog.objects.filter(action=AccessLog.Action.LOOKUP).exists()


def test_a_second_request_while_one_is_pending_is_refused(client_for, outsider_staff, rabat, file):
    client = client_for(outsider_staff)
    request_file(client, file.cin, rabat)
    response = request_file(client, file.cin, rabat)
    assert response.status_code == 200
    assert FileTransfer.objects.count() == 1


def test_staff_cannot_request_a_file_into_a_prefecture_not_theirs(client_for, outsider_staff, temara, file):
    BeneficiaryFactory(prefecture=file.prefecture, cin="CD111111")
    response = request_file(client_for(outsider_staff), "CD111111", temara)
    assert response.status_code == 200 and not FileTransfer.objects.exists()


def test_a_refusal_needs_a_reason_and_leaves_the_file_where_it_is(
        client_for, staff, outsider_staff, rabat, temara, file):
    request_file(own_client(outsider_staff), file.cin, rabat)
    transfer = FileTransfer.objects.get()
    sender = own_client(staff)
    url = reverse("cases:transfer_answer", args=[transfer.public_id])
    assert sender.post(url, {"refuse": "1", "answer": ""}).status_code == 200
    assert sender.post(url, {"refuse": "1", "answer": "Suivi en cours ici"}).status_code == 302
    transfer.refresh_from_db()
    file.refresh_from_db()
    assert transfer.status == FileTransfer.Status.REFUSED and file.prefecture == temara
    page = text(own_client(outsider_staff).get(transfer.get_absolute_url()))
    assert "Suivi en cours ici" in page and "Tazi" not in page


def test_a_project_awaiting_its_funding_holds_the_file_back(
        client_for, staff, outsider_staff, rabat, temara, file):
    ProjectFactory(beneficiary=file, prefecture=temara, status=Project.Status.SUBMITTED)
    request_file(own_client(outsider_staff), file.cin, rabat)
    transfer = FileTransfer.objects.get()
    response = own_client(staff).post(reverse("cases:transfer_answer", args=[transfer.public_id]),
                                      {"accept": "1"})
    assert response.status_code == 200
    file.refresh_from_db()
    transfer.refresh_from_db()
    assert file.prefecture == temara and transfer.status == FileTransfer.Status.PENDING


def test_an_officer_of_the_sending_prefecture_may_not_answer(
        client_for, officer, outsider_staff, rabat, temara, file):
    request_file(own_client(outsider_staff), file.cin, rabat)
    transfer = FileTransfer.objects.get()
    response = own_client(officer).post(
        reverse("cases:transfer_answer", args=[transfer.public_id]), {"accept": "1"}
    )
    assert response.status_code == 403
    file.refresh_from_db()
    assert file.prefecture == temara


def test_both_sides_count_a_pending_transfer_on_their_dashboard(
        client_for, staff, outsider_staff, rabat, file):
    request_file(own_client(outsider_staff), file.cin, rabat)
    for user in (staff, outsider_staff):
        page = text(own_client(user).get(reverse("dashboard")))
        assert '<div class="fs-4" data-testid="transfers-pending">1</div>' in page


# --- law 09-08: the person's export and the anonymisation cover these rows ----------------

def test_the_persons_export_holds_their_grievances_referrals_and_transfers(client_for, admin_user, file):
    import io
    import json
    import zipfile

    GrievanceFactory(beneficiary=file, description="Four en panne")
    ReferralFactory(beneficiary=file, reason="Recherche d'emploi")
    response = client_for(admin_user).get(reverse("security:beneficiary_export", args=[file.public_id]))
    held = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))["beneficiary"]
    assert held["grievances"][0]["description"] == "Four en panne"
    assert held["referrals"][0]["reason"] == "Recherche d'emploi"


def test_anonymisation_blanks_the_free_text_of_grievances_and_referrals(file):
    from reintegration.security.anonymisation import anonymise_beneficiary

    grievance = GrievanceFactory(beneficiary=file, description="M. Tazi dit que le four est en panne")
    referral = ReferralFactory(beneficiary=file, reason="Tazi cherche un emploi")
    anonymise_beneficiary(beneficiary=file)
    grievance.refresh_from_db()
    referral.refresh_from_db()
    assert "Tazi" not in grievance.description and "Tazi" not in referral.reason
    assert not grievance.history.filter(description__contains="Tazi").exists()


# --- every page in Arabic; invariants ---------------------------------------------------

def test_every_cases_page_opens_in_arabic_for_staff(client_for, staff, outsider_staff, rabat, file):
    grievance = GrievanceFactory(beneficiary=file)
    referral = ReferralFactory(beneficiary=file)
    request_file(own_client(outsider_staff), file.cin, rabat)
    transfer = FileTransfer.objects.get()
    client = client_for(staff)
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    urls = [
        reverse("cases:grievance_list"), grievance.get_absolute_url(),
        reverse("cases:grievance_assign", args=[grievance.public_id]),
        reverse("cases:grievance_resolve", args=[grievance.public_id]),
        reverse("cases:grievance_create", args=[file.public_id]),
        reverse("cases:referral_list"), referral.get_absolute_url(),
        reverse("cases:referral_outcome", args=[referral.public_id]),
        reverse("cases:referral_create", args=[file.public_id]),
        reverse("cases:transfer_list"), reverse("cases:transfer_request"), transfer.get_absolute_url(),
        reverse("cases:sms_list"), reverse("cases:sms_send", args=[file.public_id]),
        reverse("cases:contact_preference", args=[file.public_id]),
        file.get_absolute_url(), reverse("dashboard"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'dir="rtl"' in text(response), url


@settings(max_examples=25, deadline=None)
@given(category=st.sampled_from(Grievance.Category.values),
       raised_on=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 1, 1)))
def test_a_default_deadline_never_comes_before_the_grievance(category, raised_on):
    due_on = Grievance.default_due_on(category, raised_on)
    assert raised_on < due_on <= raised_on + datetime.timedelta(days=30)


@settings(max_examples=50, deadline=None)
@given(phone=st.text(alphabet="+0123456789", max_size=16))
def test_a_masked_phone_shows_at_most_seven_of_its_characters(phone):
    from cases.models import mask_phone

    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    assert sum(1 for a, b in zip(masked, phone, strict=True) if a == b and a != "*") <= 7


def test_the_grievance_list_filters_by_owner(client_for, staff, file):
    mine = GrievanceFactory(beneficiary=file, owner=staff, status="in_progress")
    nobodys = GrievanceFactory(beneficiary=file)
    client = client_for(staff)
    page = text(client.get(reverse("cases:grievance_list"), {"owner": "mine"}))
    assert mine.reference in page and nobodys.reference not in page
    page = text(client.get(reverse("cases:grievance_list"), {"owner": "nobody"}))
    assert nobodys.reference in page and mine.reference not in page
