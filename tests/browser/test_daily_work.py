"""The small things that make daily work quick (issue 10): lists that remember their
filters, a confirmation before an irreversible step, a printable file."""

import datetime
import re
from decimal import Decimal

from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from beneficiaries.models import Beneficiary
from grants import services
from grants.models import Project
from tests.factories import BeneficiaryFactory, ConventionFactory, EquipmentItemFactory, ProjectFactory

from .tools import exactly, pdf_bytes


def test_a_list_remembers_its_filters_until_they_are_cleared(page, live_server, login, staff):
    amrani = BeneficiaryFactory(last_name="Amrani", status=Beneficiary.Status.ELIGIBLE)
    zaki = BeneficiaryFactory(last_name="Zaki", status=Beneficiary.Status.INELIGIBLE)
    ProjectFactory(beneficiary=amrani, title="Atelier de couture", status=Project.Status.SUBMITTED)
    ProjectFactory(beneficiary=zaki, title="Boulangerie", status=Project.Status.DRAFT)
    page.set_default_timeout(10_000)
    login(page, staff)
    menu = page.get_by_role("navigation", name="Navigation principale")
    count = page.locator("[data-testid=count]")

    menu.get_by_role("link", name="Bénéficiaires").click()
    expect(count).to_have_text("2 dossiers")
    page.get_by_label(exactly("Statut")).select_option(label="Éligible")
    page.get_by_role("button", name="Filtrer").click()
    expect(count).to_have_text("1 dossier")
    page.get_by_role("link", name=re.compile("Amrani")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amrani")

    # Back to the list from the menu: the same filter, shown in the form.
    menu.get_by_role("link", name="Bénéficiaires").click()
    expect(count).to_have_text("1 dossier")
    expect(page.get_by_label(exactly("Statut"))).to_have_value("eligible")
    # Each list keeps its own.
    menu.get_by_role("link", name="Projets").click()
    expect(page.locator("main tbody tr")).to_have_count(2)
    page.goto(live_server.url + reverse("grants:project_list") + "?status=submitted")
    menu.get_by_role("link", name="Bénéficiaires").click()
    expect(count).to_have_text("1 dossier")
    menu.get_by_role("link", name="Projets").click()
    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page.locator("main tbody")).to_contain_text("Atelier de couture")

    # "Clear" forgets them.
    menu.get_by_role("link", name="Bénéficiaires").click()
    page.get_by_role("link", name="Effacer").click()
    expect(count).to_have_text("2 dossiers")
    menu.get_by_role("link", name="Projets").click()
    menu.get_by_role("link", name="Bénéficiaires").click()
    expect(count).to_have_text("2 dossiers")

    # The follow-up visits' list too.
    menu.get_by_role("link", name="Visites de suivi").click()
    page.get_by_label(exactly("Visites")).select_option(label="Effectuées")
    page.get_by_role("button", name="Filtrer").click()
    menu.get_by_role("link", name="Bénéficiaires").click()
    menu.get_by_role("link", name="Visites de suivi").click()
    expect(page).to_have_url(re.compile(r"state=done"))


def test_the_search_box_finds_a_person_by_either_script_file_number_or_national_id(
    page, live_server, login, staff
):
    amrani = BeneficiaryFactory(first_name="Youssef", last_name="El Amrani", first_name_ar="يوسف",
                                last_name_ar="العمراني", cin="BK123456")
    BeneficiaryFactory(first_name="Salma", last_name="Tazi", first_name_ar="سلمى", last_name_ar="التازي")
    page.set_default_timeout(10_000)
    login(page, staff)
    search = page.get_by_role("search")
    for typed in ("amra", "العمر", amrani.file_number, "bk 123 456"):
        page.goto(live_server.url + reverse("beneficiaries:list") + "?reset=1")
        search.get_by_label(exactly("Rechercher")).fill(typed)
        search.get_by_role("button", name="Filtrer").click()
        expect(page.locator("[data-testid=count]")).to_have_text("1 dossier")
        expect(page.locator("main tbody")).to_contain_text("El Amrani")


def test_an_approval_dismissed_at_the_confirmation_changes_nothing(
    page, live_server, login, staff, officer, temara
):
    convention = ConventionFactory(prefecture=temara)
    project = ProjectFactory(
        beneficiary=BeneficiaryFactory(), own_contribution=Decimal("1000"),
        expected_monthly_revenue=Decimal("3000"),
        feasibility_study=ContentFile(pdf_bytes(), name="etude.pdf"),
    )
    EquipmentItemFactory(project=project)
    services.submit_project(project=project, user=staff)
    page.set_default_timeout(10_000)
    login(page, officer)
    page.goto(live_server.url + reverse("grants:project_review", args=[project.public_id]))
    approve = page.locator("#approve-heading + form")
    approve.get_by_label(exactly("Convention")).select_option(label=convention.reference)
    approve.get_by_label(exactly("Numéro du procès-verbal du comité CPDH")).fill("PV-12")
    approve.get_by_label(exactly("Date de la décision du comité CPDH")).fill("2024-11-20")
    approve.get_by_label(exactly("Motif")).fill("Dossier complet.")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    approve.get_by_role("button", name="Approuver").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(project.reference)
    assert asked == ["Approuver ce projet et engager le montant sur la convention ?"]
    project.refresh_from_db()
    assert project.status == Project.Status.SUBMITTED and project.approved_amount is None


def test_a_file_prints_without_the_menu_and_buttons(page, live_server, login, staff, screenshot):
    beneficiary = BeneficiaryFactory(last_name="Amrani", release_date=datetime.date(2023, 3, 1))
    page.set_default_timeout(10_000)
    login(page, staff)
    page.goto(live_server.url + beneficiary.get_absolute_url())
    page.evaluate("window.print = () => document.body.dataset.printed = 'yes'")
    page.get_by_role("button", name="Imprimer").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_hidden()
    expect(page.get_by_role("button", name="Imprimer")).to_be_hidden()
    expect(page.get_by_role("link", name="Modifier")).to_be_hidden()
    expect(page.locator("#identity-heading")).to_be_visible()
    expect(page.locator("[data-testid=cin]")).to_have_text(beneficiary.cin)
    screenshot(page, "beneficiary-print-fr")
