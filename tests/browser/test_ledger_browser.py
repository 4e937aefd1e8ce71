"""The issue's scenario (issue 16), clicked as a new user did on the demo: convention
CONV-INDH3-ST-2024-01 has 79,400 DH left; a project of 100,000 DH of equipment and a
10,000 DH cash grant is approved for 79,400 DH (85,000 refused), its cash grant paid,
then its equipment ordered — the step that would overspend, refused with the figures at
the top of the page. The convention never shows disbursed above committed."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from beneficiaries.models import Beneficiary
from grants.models import Convention, Project
from procurement.models import PurchaseOrder
from reintegration.accounts.models import User
from reintegration.common.validators import rib_key
from reintegration.demo.management.commands.seed_demo import DEMO_PASSWORD
from tests.factories import BeneficiaryFactory, prefecture

from .tools import exactly, money_value, pdf_bytes, upload

pytestmark = pytest.mark.browser

REFERENCE = "CONV-INDH3-ST-2024-01"
BENEFICIARY_RIB = "2257800000111122223333" + rib_key("2257800000111122223333")


@pytest.fixture
def as_demo_user(new_context, live_server, login):
    """`as_demo_user(username, language)`: a fresh browser logged in as a demo user, every
    confirmation dialog accepted."""

    def open_as(username, language="fr"):
        context = new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())
        login(page, User.objects.get(username=username), password=DEMO_PASSWORD, language=language)
        expect(page.locator("[data-testid=role]")).to_be_visible()
        return page

    return open_as


def figure(page, label: str) -> Decimal:
    return money_value(page.locator(f"dt:text-is('{label}') + dd").first.inner_text())


def test_the_issue_s_scenario_stops_at_the_order_that_would_overspend(as_demo_user, screenshot):
    call_command("seed_demo", stdout=io.StringIO())
    convention = Convention.objects.get(reference=REFERENCE)
    beneficiary = BeneficiaryFactory(
        prefecture=prefecture("04.501"), last_name="Senhaji", first_name="Anas",
        status=Beneficiary.Status.ELIGIBLE,  # found eligible: its project may be submitted
    )

    # --- staff write the project: 100,000 DH of equipment and a 10,000 DH cash grant ---
    staff = as_demo_user("staff")
    staff.goto(reverse("grants:project_create"))
    staff.get_by_label(exactly("Bénéficiaire")).select_option(
        label=f"Senhaji Anas ({beneficiary.file_number})")
    staff.get_by_label(exactly("Secteur")).select_option(label="Boulangerie")
    staff.get_by_label(exactly("Intitulé")).fill("Boulangerie industrielle Senhaji")
    staff.get_by_label(exactly("Aide en numéraire (DH)")).fill("10000")
    staff.get_by_label(exactly("Apport personnel du bénéficiaire (DH)")).fill("40000")
    staff.get_by_label(exactly("Revenu mensuel attendu (DH)")).fill("12000")
    staff.get_by_label(exactly("Étude de faisabilité")).set_input_files(
        upload("etude.pdf", pdf_bytes(), "application/pdf"))
    staff.locator("[name=lines-0-designation]").fill("Ligne de panification complète")
    staff.locator("[name=lines-0-quantity]").fill("1")
    staff.locator("[name=lines-0-unit_price]").fill("100000")
    # No amount to type: the form shows what the project asks of the convention.
    expect(staff.locator("[data-breakdown-requested]")).to_have_text("110\u00a0000,00")
    expect(staff.locator("[data-breakdown-total]")).to_have_text("150\u00a0000,00")
    screenshot(staff, "ledger-01-project-form-fr")
    staff.locator("main form").get_by_role("button", name="Enregistrer").click()
    expect(staff.locator(".alert-success")).to_contain_text("créé")
    project = Project.objects.get(beneficiary=beneficiary)
    staff.get_by_role("link", name="Soumettre pour examen").click()
    staff.get_by_role("button", name="Soumettre pour examen").click()
    expect(staff.locator(".alert-success")).to_contain_text("soumis")

    # --- the officer sees what they approve; 85,000 DH is refused, 79,400 DH passes ----
    officer = as_demo_user("officer")
    officer.goto(reverse("grants:project_review", args=[project.public_id]))
    breakdown = officer.locator("[data-testid=breakdown]")
    expect(breakdown).to_contain_text("100\u00a0000,00")
    expect(breakdown).to_contain_text("110\u00a0000,00")
    expect(breakdown).to_contain_text("150\u00a0000,00")
    expect(officer.get_by_role("row", name=re.compile(REFERENCE))).to_contain_text("79\u00a0400,00")
    approve = officer.locator("#approve-heading + form")
    approve.get_by_label(exactly("Convention")).select_option(label=REFERENCE)
    approve.get_by_label(exactly("Numéro du procès-verbal du comité CPDH")).fill("PV-11/2024")
    approve.get_by_label(exactly("Date de la décision du comité CPDH")).fill("2024-11-20")
    approve.get_by_label(exactly("Motif")).fill("Dossier complet ; dans la limite de l'enveloppe restante.")
    approve.get_by_label(exactly("Montant approuvé (DH)")).fill("85000")
    approve.get_by_role("button", name="Approuver").click()
    expect(officer.locator("#approve-heading + form")).to_contain_text("79\u00a0400,00\u00a0DH")
    assert Project.objects.get(pk=project.pk).status == Project.Status.SUBMITTED
    approve = officer.locator("#approve-heading + form")
    approve.get_by_label(exactly("Montant approuvé (DH)")).fill("79400")
    approve.get_by_role("button", name="Approuver").click()
    expect(officer.locator(".alert-success")).to_contain_text("approuvé")

    # --- staff pay the cash grant: within the approved amount ----------------------------
    staff.goto(reverse("grants:disbursement_create", args=[project.public_id]))
    staff.get_by_label(exactly("Montant (DH)")).fill("10000")
    staff.get_by_label(exactly("Payé le")).fill(datetime.date.today().isoformat())
    staff.get_by_label(exactly("Mode de paiement")).select_option(label="Virement bancaire")
    staff.get_by_label(exactly("Compte crédité (RIB)")).fill(BENEFICIARY_RIB)
    staff.get_by_role("button", name="Enregistrer le paiement").click()
    expect(staff.locator(".alert-success")).to_contain_text("10\u00a0000,00")

    # --- staff order the 100,000 DH of equipment: refused, the figures on top ----------
    staff.goto(reverse("grants:purchase_order_create_lines", args=[convention.pk]))
    staff.get_by_label(exactly("Fournisseur")).select_option(label="Atlas Équipement Professionnel SARL")
    staff.get_by_label(re.compile("Ligne de panification complète")).check()
    staff.get_by_role("button", name="Créer le brouillon de commande").click()
    refusal = staff.locator("main .alert-danger").first
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(project.reference)
    expect(refusal).to_contain_text("110\u00a0000,00\u00a0DH")
    expect(refusal).to_contain_text("79\u00a0400,00\u00a0DH")
    expect(refusal).to_contain_text("avenant")
    # At the top of the page, read without scrolling.
    assert staff.evaluate("window.scrollY") == 0
    box = refusal.bounding_box()
    assert box is not None and box["y"] + box["height"] < 900, box
    screenshot(staff, "ledger-02-order-refused-fr")
    assert not PurchaseOrder.objects.filter(lines__project=project).exists()

    # --- the convention: committed up to its envelope, disbursed below what it committed --
    staff.goto(convention.get_absolute_url())
    committed, disbursed = figure(staff, "Engagé"), figure(staff, "Décaissé")
    assert (figure(staff, "Enveloppe"), committed, figure(staff, "Reste")) == (
        Decimal("500000.00"), Decimal("500000.00"), Decimal("0.00"))
    assert disbursed <= committed
    staff.get_by_role("link", name="Contrôler les comptes").click()
    expect(staff.locator("[data-testid=no-breach]")).to_be_visible()
    screenshot(staff, "ledger-03-convention-ledger-fr")

    # --- the same refusal in Arabic, right to left ----------------------------------------
    arabic = as_demo_user("staff", language="ar")
    arabic.goto(reverse("grants:purchase_order_create_lines", args=[convention.pk]))
    arabic.get_by_label(re.compile("المورد")).select_option(label="Atlas Équipement Professionnel SARL")
    arabic.get_by_label(re.compile("Ligne de panification complète")).check()
    arabic.locator("main form button[type=submit]").click()
    refusal = arabic.locator("main .alert-danger").first
    expect(refusal).to_contain_text("79\u00a0400,00")
    expect(refusal).to_contain_text("ملحق")
    assert arabic.evaluate("document.documentElement.dir") == "rtl"
    screenshot(arabic, "ledger-04-order-refused-ar")


def test_an_officer_decides_the_demo_s_pending_amendment_from_the_menu(as_demo_user, screenshot):
    call_command("seed_demo", stdout=io.StringIO())
    project = Project.objects.get(title="Pâtisserie et service traiteur El Fassi")
    before = project.approved_amount

    officer = as_demo_user("officer")
    menu = officer.get_by_role("navigation", name="Navigation principale")
    menu.get_by_role("link", name="Avenants").click()
    row = officer.get_by_role("row", name=re.compile(project.reference))
    expect(row).to_contain_text("75\u00a0700,00")
    row.get_by_role("link", name="Décider").click()
    expect(officer.locator("main")).to_contain_text("vitrine réfrigérée")
    screenshot(officer, "ledger-05-amendment-decision-fr")
    decision = officer.locator("#approve-heading + form")
    decision.get_by_label(exactly("Motif")).fill("Devis révisé du fournisseur vérifié.")
    decision.get_by_role("button", name="Approuver").click()
    expect(officer.locator(".alert-success")).to_contain_text(project.reference)
    project.refresh_from_db()
    assert project.approved_amount == before + 3000

    staff = as_demo_user("staff", language="ar")
    staff.goto(project.get_absolute_url())
    expect(staff.locator("[data-testid=available]")).to_contain_text("3\u00a0000,00")
    expect(staff.locator("#history-heading + ol")).to_contain_text("75\u00a0700,00")
    assert staff.evaluate("document.documentElement.dir") == "rtl"
    screenshot(staff, "ledger-06-project-after-amendment-ar")
