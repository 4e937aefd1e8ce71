"""The programme's main flow as its users click it, in a real Chromium (issue 9).

Staff register a beneficiary and a project; the prefecture's officer returns it, then
approves it against a convention; staff order and receive the equipment, hold the
ceremony and download the certificates, whose verification page says they are valid.
An officer of another prefecture finds none of it.
"""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from beneficiaries.models import Beneficiary
from ceremonies.models import Ceremony, Handover
from grants.models import EquipmentItem, Project
from tests.factories import ConventionFactory, SectorFactory, SupplierFactory

from .tools import exactly, money_value, pdf_bytes, pdf_text, png_bytes, upload

LINES = [("Four à sole", 1, "30000"), ("Pétrin électrique", 1, "8000"), ("Table de travail inox", 2, "2000")]
APPROVED = Decimal("45000.00")


@pytest.fixture
def as_user(new_context, live_server, login):
    """`as_user(user)`: a page of a fresh browser (own cookies) logged in as `user`;
    every confirmation dialog is accepted and remembered in `page.dialogs`."""

    def open_as(user, language="fr"):
        context = new_context(base_url=live_server.url, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.dialogs = []

        def accept(dialog):
            page.dialogs.append(dialog.message)
            dialog.accept()

        page.on("dialog", accept)
        login(page, user, language=language)
        expect(page.locator("[data-testid=role]")).to_be_visible()
        return page

    return open_as


def open_review(page, project) -> None:
    page.get_by_role("row", name=re.compile(project.reference)).get_by_role("link", name="Examiner").click()


def remaining_on(page, convention) -> Decimal:
    page.goto(reverse("grants:convention_detail", args=[convention.pk]))
    return money_value(page.locator("dt:text-is('Reste') + dd").inner_text())


def test_a_file_goes_from_intake_to_the_verified_certificate(
    as_user, new_context, live_server, staff, officer, outsider_officer, temara, screenshot
):
    convention = ConventionFactory(prefecture=temara, reference="CONV-INDH3-TEMARA")
    SectorFactory(name_fr="Boulangerie", name_ar="مخبزة")
    SupplierFactory(name="Équipements Atlas")

    # --- staff register the beneficiary with three documents and the consent ---------
    agent = as_user(staff)
    agent.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Bénéficiaires").click()
    agent.get_by_role("link", name="Nouveau dossier").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Nouveau dossier")
    agent.get_by_label(exactly("Nom")).fill("Bennani")
    agent.get_by_label(exactly("Prénom")).fill("Karim")
    agent.get_by_label(exactly("Nom (en arabe)")).fill("بناني")
    agent.get_by_label(exactly("Prénom (en arabe)")).fill("كريم")
    agent.get_by_label(exactly("Numéro de CIN")).fill("AE 123 456")
    agent.get_by_label(exactly("Date de naissance")).fill("1991-04-02")
    agent.get_by_label(exactly("Sexe")).select_option(label="Homme")
    agent.get_by_label(exactly("Téléphone")).fill("0612345678")
    agent.get_by_label(exactly("Préfecture ou province de résidence")).select_option(label="Skhirate-Témara")
    agent.get_by_label(exactly("Consentement au traitement des données signé le")).fill("2024-10-01")
    agent.get_by_label(exactly("Date de libération")).fill("2023-06-30")
    agent.get_by_label(exactly("Copie de la CIN")).set_input_files(
        upload("cin.pdf", pdf_bytes(), "application/pdf"))
    agent.get_by_label(exactly("Attestation de libération")).set_input_files(
        upload("liberation.pdf", pdf_bytes(), "application/pdf"))
    agent.get_by_label(exactly("Formulaire de consentement signé")).set_input_files(
        upload("consentement.pdf", pdf_bytes(), "application/pdf"))
    agent.get_by_label(exactly("Photo")).set_input_files(upload("photo.png", png_bytes(), "image/png"))
    screenshot(agent, "flow-01-beneficiary-form-fr")
    agent.get_by_role("button", name="Enregistrer").click()
    expect(agent.locator(".alert-success")).to_contain_text("enregistré")
    beneficiary = Beneficiary.objects.get(last_name="Bennani")
    assert beneficiary.cin == "AE123456" and beneficiary.consent_signed_on == datetime.date(2024, 10, 1)
    assert beneficiary.documents.count() == 4
    expect(agent.locator("#documents-heading + ul li")).to_have_count(4)
    screenshot(agent, "flow-02-beneficiary-detail-fr")

    # --- the social inquiry finds the file eligible (issue 21: before any submission) --
    agent.get_by_role("link", name="Reconnaître éligible").click()
    agent.get_by_label(exactly("Motif")).fill("Enquête sociale favorable.")
    agent.locator("main form [type=submit]").click()
    expect(agent.locator("#page-alerts")).to_contain_text("Éligible")

    # --- a project with three equipment lines, submitted -----------------------------
    agent.goto(reverse("grants:project_create"))
    agent.get_by_label(exactly("Bénéficiaire")).select_option(
        label=f"Bennani Karim ({beneficiary.file_number})")
    agent.get_by_label(exactly("Secteur")).select_option(label="Boulangerie")
    agent.get_by_label(exactly("Intitulé")).fill("Boulangerie du quartier Maghrib Al Arabi")
    agent.get_by_label(exactly("Aide en numéraire (DH)")).fill("5000")
    agent.get_by_label(exactly("Apport personnel du bénéficiaire (DH)")).fill("3000")
    agent.get_by_label(exactly("Revenu mensuel attendu (DH)")).fill("4500")
    agent.get_by_label(exactly("Étude de faisabilité")).set_input_files(
        upload("etude.pdf", pdf_bytes(), "application/pdf"))
    for index, (designation, quantity, price) in enumerate(LINES):
        if index:
            agent.get_by_role("button", name="Ajouter une ligne").click()
        agent.locator(f"[name=lines-{index}-designation]").fill(designation)
        agent.locator(f"[name=lines-{index}-quantity]").fill(str(quantity))
        agent.locator(f"[name=lines-{index}-unit_price]").fill(price)
    expect(agent.locator("[data-lines-total]")).to_have_text("42\u00a0000,00")
    # What the project asks of the convention is computed: 42,000 + 5,000 DH.
    expect(agent.locator("[data-breakdown-requested]")).to_have_text("47\u00a0000,00")
    expect(agent.locator("[data-breakdown-total]")).to_have_text("50\u00a0000,00")
    screenshot(agent, "flow-03-project-form-fr")
    agent.locator("main form").get_by_role("button", name="Enregistrer").click()
    expect(agent.locator(".alert-success")).to_contain_text("créé")
    project = Project.objects.get(beneficiary=beneficiary)
    assert project.equipment_items.count() == 3
    agent.get_by_role("link", name="Soumettre pour examen").click()
    agent.get_by_role("button", name="Soumettre pour examen").click()
    expect(agent.locator(".alert-success")).to_contain_text("soumis")
    assert agent.dialogs == ["Soumettre ce projet pour examen ?"]

    # --- the officer returns it with a reason ----------------------------------------
    reviewer = as_user(officer)
    reviewer.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="File d'examen").click()
    open_review(reviewer, project)
    reviewer.locator("#return-heading + form").get_by_label(exactly("Motif")).fill(
        "Le devis du four manque : joignez-le à l'étude.")
    reviewer.get_by_role("button", name="Retourner à la fondation").click()
    expect(reviewer.locator(".alert-success")).to_contain_text("retourné")
    project.refresh_from_db()
    assert project.status == Project.Status.RETURNED

    # --- staff correct it and submit it again ---------------------------------------
    agent.goto(project.get_absolute_url())
    expect(agent.get_by_role("status")).to_contain_text("Le devis du four manque")
    agent.get_by_role("link", name="Modifier").first.click()
    agent.get_by_label(exactly("Description")).fill("Devis du four joint à l'étude.")
    agent.get_by_label(exactly("Étude de faisabilité")).set_input_files(
        upload("etude-v2.pdf", pdf_bytes(), "application/pdf"))
    agent.locator("main form").get_by_role("button", name="Enregistrer").click()
    expect(agent.locator(".alert-success")).to_contain_text("enregistré")
    agent.get_by_role("link", name="Soumettre pour examen").click()
    agent.get_by_role("button", name="Soumettre pour examen").click()
    expect(agent.locator(".alert-success")).to_contain_text("soumis")

    # --- the officer approves it; the convention's remaining budget drops by as much ---
    before = remaining_on(reviewer, convention)
    reviewer.goto(reverse("grants:review_queue"))
    open_review(reviewer, project)
    approve = reviewer.locator("#approve-heading + form")
    approve.get_by_label(exactly("Convention")).select_option(label=convention.reference)
    approve.get_by_label(exactly("Montant approuvé (DH)")).fill(str(APPROVED))
    approve.get_by_label(exactly("Numéro du procès-verbal du comité CPDH")).fill("PV-CPDH-2024-17")
    approve.get_by_label(exactly("Date de la décision du comité CPDH")).fill("2024-11-20")
    approve.get_by_label(exactly("Motif")).fill("Dossier complet, devis conformes.")
    screenshot(reviewer, "flow-04-review-fr")
    approve.get_by_role("button", name="Approuver").click()
    expect(reviewer.locator(".alert-success")).to_contain_text("approuvé")
    assert any("Approuver ce projet" in message for message in reviewer.dialogs)
    after = remaining_on(reviewer, convention)
    assert before - after == APPROVED
    screenshot(reviewer, "flow-05-convention-fr")

    # --- staff order the equipment, send the order and receive the delivery ---------
    agent.goto(reverse("grants:purchase_order_create"))
    agent.get_by_label(exactly("Convention")).select_option(label=str(convention))
    agent.get_by_role("button", name="Suivant : choisir les lignes").click()
    agent.get_by_label(exactly("Fournisseur")).select_option(label="Équipements Atlas")
    for line in project.equipment_items.all():
        agent.get_by_label(re.compile(re.escape(line.designation))).check()
    agent.get_by_role("button", name="Créer le brouillon de commande").click()
    expect(agent.locator(".alert-success")).to_contain_text("brouillon")
    agent.get_by_role("button", name="Marquer comme envoyée").click()
    expect(agent.get_by_role("link", name="Réceptionner une livraison")).to_be_visible()
    agent.get_by_role("link", name="Réceptionner une livraison").click()
    agent.get_by_label(exactly("Date de livraison")).fill(datetime.date.today().isoformat())
    for row, (_designation, quantity, _price) in zip(
        agent.locator("main tbody tr").all(), LINES, strict=True
    ):
        row.get_by_label(exactly("Quantité reçue")).fill(str(quantity))
    agent.get_by_role("button", name="Enregistrer la livraison").click()
    expect(agent.get_by_role("link", name="Enregistrer la facture")).to_be_visible()  # all delivered
    assert set(project.equipment_items.values_list("status", flat=True)) == {EquipmentItem.Status.DELIVERED}

    # --- the ceremony: create, add the project, mark held ---------------------------
    agent.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Cérémonies").click()
    agent.get_by_role("link", name="Nouvelle cérémonie").click()
    agent.get_by_label(exactly("Intitulé")).fill("Remise des équipements de Témara")
    agent.get_by_label(exactly("Date")).fill(datetime.date.today().isoformat())
    agent.get_by_label(exactly("Préfecture ou province")).select_option(label="Skhirate-Témara")
    agent.get_by_label(exactly("Convention")).select_option(label=str(convention))
    agent.get_by_label(exactly("Lieu")).fill("Témara")
    agent.get_by_label(exactly("Présidée par")).fill("M. le Gouverneur")
    agent.get_by_label(exactly("Qualité de la personne qui préside")).fill(
        "Gouverneur de la préfecture de Skhirate-Témara")
    agent.get_by_role("button", name="Enregistrer").click()
    expect(agent.locator(".alert-success")).to_be_visible()
    agent.get_by_role("link", name=re.compile("Ajouter des projets")).click()
    agent.get_by_label(re.compile(project.reference)).check()
    agent.get_by_role("button", name="Ajouter à la cérémonie").click()
    expect(agent.get_by_role("cell", name=project.reference)).to_be_visible()
    agent.get_by_role("button", name=re.compile("Marquer comme tenue")).click()
    # A background job holds it (issue 23); without Redis it ran inline: done already.
    expect(agent.locator(".alert-success")).to_contain_text("1 attestation délivrée")
    expect(agent.locator("[data-testid=job-status]")).to_have_text("Terminé")
    expect(agent.get_by_role("link", name="Ouvrir le résultat")).to_be_visible()
    handover = Handover.objects.get(project=project)
    # Back to the ceremony from the menu: its certificate is listed.
    agent.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Cérémonies").click()
    agent.get_by_role("link", name="Remise des équipements de Témara").click()
    expect(agent.get_by_role("link", name=handover.certificate_number)).to_be_visible()
    assert any("Marquer la cérémonie comme tenue" in message for message in agent.dialogs)
    ceremony = Ceremony.objects.get()
    assert ceremony.status == Ceremony.Status.HELD
    project.refresh_from_db()
    assert project.status == Project.Status.EQUIPPED
    screenshot(agent, "flow-06-ceremony-fr")

    # --- the certificate and the bundle, downloaded and read back -------------------
    with agent.expect_download() as download:
        agent.get_by_role("link", name=handover.certificate_number).click()
    assert download.value.suggested_filename.endswith(".pdf")
    certificate = pdf_text(Path(download.value.path()).read_bytes())
    assert handover.certificate_number in certificate
    assert "Bennani" in certificate and beneficiary.file_number in certificate
    assert "Four à sole" in certificate
    with agent.expect_download() as download:
        agent.get_by_role("link", name=re.compile("Procès-verbal et attestations")).click()
    bundle = pdf_text(Path(download.value.path()).read_bytes())
    assert handover.certificate_number in bundle and "Karim Bennani" in bundle

    # --- the verification page, opened from the certificate's URL, says it is valid ---
    # The URL printed under the QR code (a long token may wrap onto the next line).
    printed = re.search(r"https?://\S+?(/verify/[\w-]+/)", certificate.replace("\n", "")).group(1)
    assert printed == reverse("verify", args=[handover.verification_token])
    # A visitor without an account, whose browser is in French.
    public = new_context(base_url=live_server.url, locale="fr-MA").new_page()
    public.goto(printed)  # the certificate's URL, on the test server
    expect(public.get_by_role("alert")).to_contain_text("authentique et valide")
    expect(public.locator("main")).to_contain_text(handover.certificate_number)
    expect(public.locator("main")).not_to_contain_text("Bennani")
    screenshot(public, "flow-07-verification-fr")

    # --- an officer of Rabat finds none of it ---------------------------------------
    outsider = as_user(outsider_officer)
    outsider.goto(reverse("beneficiaries:list") + "?q=Bennani")
    expect(outsider.locator("[data-testid=count]")).to_have_text("0 dossier")
    outsider.goto(reverse("grants:project_list"))
    expect(outsider.locator("main")).not_to_contain_text(project.reference)
    outsider.goto(reverse("grants:review_queue"))
    expect(outsider.locator("main")).not_to_contain_text(project.reference)
    for url in (
        beneficiary.get_absolute_url(), project.get_absolute_url(),
        reverse("grants:project_review", args=[project.public_id]),
        reverse("grants:convention_detail", args=[convention.pk]),
        ceremony.get_absolute_url(),
        reverse("ceremonies:certificate", args=[handover.pk]),
        reverse("ceremonies:bundle", args=[ceremony.pk]),
        reverse("beneficiaries:document_download", args=[beneficiary.documents.first().public_id]),
    ):
        assert outsider.request.get(url).status == 404, url
