"""The certificates, the ceremony bundle and the attendance sheet, read back with pypdf."""

import io
import re
import unicodedata

import pypdf
import pytest
from django.conf import settings
from django.urls import reverse

from ceremonies import documents, services
from reintegration.audit.models import AccessLog
from reintegration.common.pdf import render_html

from .test_ceremonies import NBSP, held_ceremony, planned_ceremony, ready_project

pytestmark = pytest.mark.django_db

ARABIC = re.compile(r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]")


def read(content: bytes) -> pypdf.PdfReader:
    assert content.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(content))


def text_of(page) -> str:
    # Presentation forms of Arabic letters back to the letters; any spaces as one.
    text = unicodedata.normalize("NFKC", page.extract_text())
    return re.sub(r"\s+", " ", text)


def fonts_of(reader: pypdf.PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def has_arabic(text: str, phrase: str) -> bool:
    """Whether `phrase` is in `text`, in logical or in visual (reversed) order."""
    return phrase in text or phrase[::-1] in text


def squeezed(text: str) -> str:
    """Without spaces: extraction sometimes splits a kerned word ("T azi")."""
    return re.sub(r"\s", "", text)


@pytest.fixture
def handover(staff):
    project = ready_project(first_name="Youssef", last_name="Benali", cin="AB123456")
    return held_ceremony(staff, project).handovers.get()


def test_the_certificate_is_one_page_with_everything_it_certifies(handover):
    reader = read(documents.certificate_pdf(handover).content)

    assert len(reader.pages) == 1
    text = text_of(reader.pages[0])
    flat = squeezed(text)
    assert has_arabic(text, "يوسف بنعلي")
    assert "AB123456" not in flat
    for expected in (
        handover.certificate_number, "Youssef Benali", handover.project.beneficiary.file_number,
        "AB****56",
        "Four à sole électrique", "Pétrin 20 litres", "Table de travail inox", "FS-2024-118",
        "30 000,00", "17 000,00", "3 000,00", "50 000,00 DH",
        "cinquante mille dirhams", "cinq mille dirhams",
        "06/12/2024", "Témara", "M. Karim Idrissi", handover.project.convention.reference,
        settings.CNDP_AUTHORISATION,
    ):
        assert squeezed(expected) in flat, expected


def test_the_certificate_embeds_the_arabic_and_latin_fonts_and_shows_arabic_text(handover):
    reader = read(documents.certificate_pdf(handover).content)

    fonts = fonts_of(reader)
    assert any("Amiri" in name for name in fonts), fonts
    assert any("DejaVu-Sans" in name for name in fonts), fonts
    text = text_of(reader.pages[0])
    assert len(ARABIC.findall(text)) > 200
    assert has_arabic(text, "درهم")


def test_amounts_keep_no_break_spaces_for_right_to_left_text(handover):
    html = render_html(
        "ceremonies/pdf/certificate.html",
        {"certificates": [documents.certificate_context(handover)], "cndp_authorisation": "A-1"},
    )
    assert f"50{NBSP}000,00{NBSP}درهم" in html
    assert "خمسون ألف درهم" in html


def test_the_qr_code_encodes_the_public_verification_url(handover, monkeypatch):
    encoded = []
    make = documents.segno.make

    def spy(data, **kwargs):
        encoded.append(data)
        return make(data, **kwargs)

    monkeypatch.setattr(documents.segno, "make", spy)
    content = documents.certificate_pdf(handover).content

    expected = settings.PUBLIC_BASE_URL + f"/verify/{handover.verification_token}/"
    assert encoded == [expected]
    assert expected in text_of(read(content).pages[0]).replace(" ", "")


def test_the_bundle_is_the_minutes_then_one_page_per_certificate(staff):
    projects = [ready_project(last_name=name) for name in ("Benali", "Amrani", "Tazi")]
    ceremony = held_ceremony(staff, *projects)
    numbers = sorted(ceremony.handovers.values_list("certificate_number", flat=True))

    reader = read(documents.bundle_pdf(ceremony).content)

    assert len(reader.pages) == 1 + len(numbers)
    minutes = text_of(reader.pages[0])
    assert "Procès-verbal" in minutes
    assert "MmeNaimaTazi" in squeezed(minutes)
    assert "150 000,00" in minutes and "cent cinquante mille dirhams" in minutes
    for page, number in zip(reader.pages[1:], numbers, strict=True):
        assert number in text_of(page)


def test_a_revoked_certificate_leaves_the_bundle_and_says_so_on_its_own(staff, admin_user):
    ceremony = held_ceremony(staff, ready_project(), ready_project(last_name="Amrani"))
    revoked = ceremony.handovers.order_by("certificate_number").first()
    services.revoke_handover(handover=revoked, user=admin_user, reason="Erreur d'article")

    assert len(read(documents.bundle_pdf(ceremony).content).pages) == 2
    text = text_of(read(documents.certificate_pdf(revoked).content).pages[0])
    assert "RÉVOQUÉE" in text


def test_the_attendance_sheet_lists_every_beneficiary_with_a_signature_column(staff):
    ceremony = planned_ceremony(staff, ready_project(), ready_project(last_name="Amrani"))

    text = text_of(read(documents.attendance_pdf(ceremony).content).pages[0])

    assert "Feuille d'émargement" in text and "Signature" in text
    assert "Youssef Benali" in text and "Youssef Amrani" in text


def test_downloading_the_pdfs_is_logged(handover, client_for, officer):
    client = client_for(officer)
    for url in (
        reverse("ceremonies:certificate", args=[handover.pk]),
        reverse("ceremonies:bundle", args=[handover.ceremony_id]),
        reverse("ceremonies:attendance", args=[handover.ceremony_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AccessLog.objects.filter(user=officer, action=AccessLog.Action.PDF).count() == 3


def test_a_planned_ceremony_has_no_bundle_yet(staff, client_for):
    ceremony = planned_ceremony(staff, ready_project())
    assert client_for(staff).get(reverse("ceremonies:bundle", args=[ceremony.pk])).status_code == 404


def test_a_certificate_with_many_lines_still_fits_one_page(staff):
    lines = [(f"Équipement professionnel de grande taille, modèle n° {n} avec accessoires", 1, "1000.00", "")
             for n in range(1, 11)]
    handover = held_ceremony(staff, ready_project(lines=lines)).handovers.get()

    reader = read(documents.certificate_pdf(handover).content)

    assert len(reader.pages) == 1
    assert "10000,00DH" in squeezed(text_of(reader.pages[0]))
