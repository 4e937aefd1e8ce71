"""The case as the institutions run it (issue 21), in French and in Arabic: a file found
eligible, its project submitted, the DAS's favourable opinion, then one CPDH committee
session deciding three files (one refused); a refused session says why at the top."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from beneficiaries.models import Beneficiary
from grants import services
from grants.models import CommitteeSession, DasOpinion, Project
from tests.factories import (
    BeneficiaryFactory,
    ConventionFactory,
    EquipmentItemFactory,
    ProjectFactory,
    required_documents,
)

from .tools import exactly, pdf_bytes

TEXTS = {
    "fr": {"eligible": "Reconnaître éligible", "favourable": "Favorable",
           "record_opinion": "Enregistrer l'avis", "session": "Enregistrer une session du comité",
           "date": "Date de la session", "minutes": "Numéro du procès-verbal",
           "record_session": "Enregistrer la session"},
    "ar": {"eligible": "الاعتراف بالأهلية", "favourable": "إيجابي", "record_opinion": "تسجيل الرأي",
           "session": "تسجيل دورة للجنة", "date": "تاريخ الدورة", "minutes": "رقم المحضر",
           "record_session": "تسجيل الدورة"},
}


def draft_for(beneficiary) -> Project:
    project = ProjectFactory(
        beneficiary=beneficiary, own_contribution=Decimal("10000"),
        expected_monthly_revenue=Decimal("3000"),
        feasibility_study=ContentFile(pdf_bytes(), name="etude.pdf"),
    )
    EquipmentItemFactory(project=project, unit_price=Decimal("10000.00"))
    Beneficiary.objects.filter(pk=beneficiary.pk).update(status=Beneficiary.Status.REGISTERED)
    return project


def waiting(staff, officer) -> Project:
    project = draft_for(required_documents(BeneficiaryFactory()))
    Beneficiary.objects.filter(pk=project.beneficiary_id).update(status=Beneficiary.Status.ELIGIBLE)
    services.submit_project(project=project, user=staff)
    services.record_das_opinion(project=project, officer=officer, opinion=DasOpinion.Opinion.FAVOURABLE,
                                reason="Dossier complet.")
    return project


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_file_eligible_submitted_das_opinion_and_a_session_of_three_files(
    page, live_server, login, staff, officer, temara, browser, language, screenshot
):
    text = TEXTS[language]
    convention = ConventionFactory(prefecture=temara, envelope=Decimal("100000.00"))
    beneficiary = required_documents(BeneficiaryFactory(last_name="Amrani"))
    project = draft_for(beneficiary)
    others = [waiting(staff, officer), waiting(staff, officer)]
    page.set_default_timeout(15_000)

    # Staff: the file found eligible from its page, then the project submitted.
    login(page, staff, language=language)
    page.goto(live_server.url + beneficiary.get_absolute_url())
    page.get_by_role("link", name=text["eligible"]).click()
    page.locator("textarea[name=reason]").fill("Enquête sociale favorable.")
    page.locator("main form [type=submit]").click()
    expect(page.locator("#page-alerts")).to_be_focused()
    beneficiary.refresh_from_db()
    assert beneficiary.status == Beneficiary.Status.ELIGIBLE
    page.goto(live_server.url + reverse("grants:project_submit", args=[project.public_id]))
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("main form [type=submit]").click()
    project.refresh_from_db()
    assert project.status == Project.Status.SUBMITTED

    # Officer: the DAS opinion, then the session deciding the three files, one refused.
    officer_page = browser.new_page()
    officer_page.set_default_timeout(15_000)
    login(officer_page, officer, language=language)
    officer_page.goto(live_server.url + reverse("grants:review_das_opinion", args=[project.public_id]))
    officer_page.get_by_label(exactly(text["favourable"])).check()
    officer_page.locator("textarea[name=reason]").fill("Projet viable.")
    officer_page.get_by_role("button", name=text["record_opinion"]).click()
    officer_page.goto(live_server.url + reverse("grants:committee_session_list"))
    officer_page.get_by_role("link", name=text["session"]).click()
    files = officer_page.locator("[data-testid=session-file]")
    expect(files).to_have_count(3)
    officer_page.get_by_label(exactly(text["date"])).fill("2024-11-20")
    officer_page.get_by_label(exactly(text["minutes"])).fill("PV-12/2024")
    ordered = sorted([project, *others], key=lambda p: (p.submitted_at, p.pk))
    for index, item in enumerate(ordered):
        refused = item == others[1]
        row = f"files-{index}"
        officer_page.locator(f"select[name={row}-decision]").select_option("refuse" if refused else "approve")
        if not refused:
            officer_page.locator(f"select[name={row}-convention]").select_option(str(convention.pk))
        officer_page.locator(f"textarea[name={row}-reason]").fill("Marché saturé." if refused else "Viable.")
    # More than the file asks first: the whole session is refused, and the page says why at the top.
    first = ordered.index(project)
    officer_page.locator(f"input[name=files-{first}-amount]").fill("95000")
    officer_page.get_by_role("button", name=text["record_session"]).click()
    alerts = officer_page.locator("#page-alerts")
    expect(alerts).to_be_focused()
    expect(alerts).to_contain_text(project.reference)
    assert not CommitteeSession.objects.exists()
    expect(officer_page.get_by_label(exactly(text["minutes"]))).to_have_value("PV-12/2024")
    screenshot(officer_page, f"committee-session-refused-{language}")
    officer_page.locator(f"input[name=files-{first}-amount]").fill("15000")
    officer_page.get_by_role("button", name=text["record_session"]).click()
    expect(officer_page.locator("h1")).to_contain_text("PV-12/2024")
    screenshot(officer_page, f"committee-session-{language}")

    session = CommitteeSession.objects.get()
    assert session.decisions.count() == 3
    statuses = {p.pk: p.status for p in Project.objects.filter(pk__in=[p.pk for p in ordered])}
    assert sorted(statuses.values()) == ["approved", "approved", "rejected"]
    beneficiary.refresh_from_db()
    assert beneficiary.status == Beneficiary.Status.IN_PROGRAMME
    minutes = officer_page.request.get(live_server.url + reverse(
        "grants:committee_session_minutes", args=[session.pk]))
    assert minutes.headers["content-type"] == "application/pdf"
