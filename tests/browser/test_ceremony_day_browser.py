"""The ceremony as it happens (issue 22), clicked in a real Chromium: staff list the
guests by protocol category, record a proxy and an absent beneficiary, record one
image-rights consent, try a photo of someone without it, hold the ceremony, then read
the bundle's outline and minutes and the press release."""

import io
import re
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from ceremonies.models import Attendance, CeremonyPhoto
from grants.models import Project
from tests.test_ceremonies import planned_ceremony, ready_project

from .test_main_flow import as_user  # noqa: F401 - the fixture
from .tools import exactly, pdf_bytes, png_bytes, upload


def squeezed(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_staff_prepare_and_hold_the_temara_ceremony_with_a_proxy_and_an_absent_beneficiary(
    as_user, staff, temara, screenshot  # noqa: F811
):
    present = ready_project(first_name="Youssef", last_name="Benali", cin="AB123456")
    proxied = ready_project(first_name="Hamza", last_name="Bennani", cin="CD223344",
                            first_name_ar="حمزة", last_name_ar="بناني")
    absent = ready_project(first_name="Karima", last_name="Ouhammou", cin="EE334455",
                           first_name_ar="كريمة", last_name_ar="أوحمو")
    ceremony = planned_ceremony(staff, present, proxied, absent, convention=present.convention)
    agent = as_user(staff)
    agent.goto(ceremony.get_absolute_url())

    # --- the guests, by category: the press first, the governor after ---------------
    agent.get_by_role("link", name="Modifier").click()
    agent.locator("[name=guests-1-category]").select_option(label="Presse")
    agent.locator("[name=guests-1-name]").fill("Maghreb Arabe Presse")
    agent.locator("[name=guests-1-attendance]").select_option(label="Présent")
    agent.locator("[name=guests-2-category]").select_option(label="Autorité présidente")
    agent.locator("[name=guests-2-name]").fill("M. le Gouverneur de Skhirate-Témara")
    agent.locator("[name=guests-2-attendance]").select_option(label="Présent")
    agent.get_by_role("button", name="Enregistrer").click()
    guests = agent.locator("ul.guests li").all_inner_texts()
    text = " ".join(guests)
    assert text.index("Gouverneur") < text.index("Naima Tazi") < text.index("Maghreb Arabe Presse")

    # --- a proxy receives for Hamza Bennani -------------------------------------------
    agent.get_by_role("row", name=re.compile(proxied.reference)).get_by_role(
        "link", name="Noter la présence").click()
    agent.get_by_label("Représenté par un mandataire").check()
    agent.get_by_label(exactly("Nom complet du mandataire")).fill("Rachid Bennani")
    agent.get_by_label(exactly("N° de CIN du mandataire")).fill("AB 765432")
    agent.get_by_label(exactly("Procuration (scan)")).set_input_files(
        upload("procuration.pdf", pdf_bytes(), "application/pdf"))
    agent.get_by_label(exactly("Subvention remise le jour même")).select_option(value="cheque")
    agent.get_by_label(exactly("N° du chèque ou référence du virement")).fill("CHQ-778812")
    agent.get_by_role("button", name="Enregistrer la présence").click()
    expect(agent.get_by_role("row", name=re.compile(proxied.reference))).to_contain_text("Rachid Bennani")

    # --- Karima Ouhammou is absent ----------------------------------------------------
    agent.get_by_role("row", name=re.compile(absent.reference)).get_by_role(
        "link", name="Noter la présence").click()
    agent.get_by_label("Absent", exact=True).check()
    agent.get_by_role("button", name="Enregistrer la présence").click()
    expect(agent.get_by_role("row", name=re.compile(absent.reference))).to_contain_text("Absent")

    # --- Youssef Benali consents to image rights; Hamza Bennani did not ---------------
    agent.get_by_role("row", name=re.compile(present.reference)).get_by_role(
        "link", name="renseigner").click()
    agent.get_by_label("accepte d'être photographié et nommé dans la presse").check()
    agent.get_by_label(exactly("Date de signature")).fill("2024-11-29")
    agent.get_by_label(exactly("Formulaire signé (scan)")).set_input_files(
        upload("accord.pdf", pdf_bytes(), "application/pdf"))
    agent.get_by_role("button", name="Enregistrer le consentement").click()
    expect(agent.locator(".alert-success")).to_be_visible()

    # --- a photo showing Hamza Bennani is refused, and kept nowhere --------------------
    agent.get_by_role("link", name="Ajouter une photo").click()
    agent.get_by_label(exactly("Photo")).set_input_files(upload("remise.png", png_bytes(), "image/png"))
    agent.get_by_label("Hamza Bennani").check()
    agent.get_by_role("button", name="Ajouter la photo").click()
    expect(agent.locator(".invalid-feedback, .alert-danger").first).to_contain_text("Hamza Bennani")
    assert not CeremonyPhoto.objects.exists()
    agent.goto(ceremony.get_absolute_url())
    expect(agent.locator("#photos-heading ~ div img")).to_have_count(0)

    # --- held: two certificates, the absent beneficiary's project waits ----------------
    agent.get_by_role("button", name=re.compile("Marquer comme tenue")).click()
    # A background job holds it (issue 23); without Redis it ran inline: done already.
    expect(agent.locator("[data-testid=job-status]")).to_have_text("Terminé")
    expect(agent.locator("[data-testid=job-text]")).to_contain_text("2 sur 2 attestations")
    # Back to the ceremony from the menu.
    agent.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Cérémonies").click()
    agent.get_by_role("link", name=ceremony.title).click()
    expect(agent.locator("#absent")).to_contain_text(absent.reference)
    absent.refresh_from_db()
    assert absent.status == Project.Status.APPROVED
    assert Attendance.objects.get(project=absent).status == Attendance.Status.ABSENT
    screenshot(agent, "ceremony-day-held")

    # --- the bundle: an outline entry per document; the minutes in protocol order -----
    with agent.expect_download() as download:
        agent.get_by_role("link", name=re.compile("Procès-verbal et attestations")).click()
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top == ["Procès-verbal", "Feuille d'émargement", "Attestations"]
    assert len(reader.outline[-1]) == 2
    end = reader.get_destination_page_number(reader.outline[1])
    minutes = squeezed(" ".join(page.extract_text() for page in reader.pages[:end]))
    order = [minutes.index(squeezed(name)) for name in
             ("M. le Gouverneur de Skhirate-Témara", "Naima Tazi", "Maghreb Arabe Presse")]
    assert order == sorted(order)
    assert squeezed("Représenté par Rachid Bennani") in minutes and "CHQ-778812" in minutes
    assert squeezed("Bénéficiaires absents") in minutes and absent.reference in minutes
    assert squeezed("Droit à l'image : 1 bénéficiaire sur 2") in minutes.replace("’", "'")

    # --- the press kit names Youssef Benali only --------------------------------------
    agent.get_by_role("link", name=re.compile("Dossier de presse")).click()
    release = agent.get_by_label(exactly("Texte français")).input_value()
    assert "Youssef Benali" in release and "Bennani" not in release and "Ouhammou" not in release
