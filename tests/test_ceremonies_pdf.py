"""The certificates, the ceremony bundle and the attendance sheet, read back with pypdf."""

import io
import re
import unicodedata

import pypdf
import pytest
from django.conf import settings
from django.urls import reverse

from ceremonies import documents, services
from ceremonies.models import Ceremony
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


def certificate_pages(reader: pypdf.PdfReader) -> list:
    """The bundle's certificates: its pages from the outline's "Attestations" entry on,
    after the minutes and the attendance sheet."""
    top = {item.title: reader.get_destination_page_number(item)
           for item in reader.outline if not isinstance(item, list)}
    return list(reader.pages)[top["Attestations"]:]


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
        "6 décembre 2024", "Témara", "M. Karim Idrissi", handover.project.convention.reference,
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

    certificates = certificate_pages(reader)
    assert len(certificates) == len(numbers)
    minutes = text_of(reader.pages[0])
    assert "Procès-verbal" in minutes
    assert "MmeNaimaTazi" in squeezed(minutes)
    assert "150 000,00" in minutes and "cent cinquante mille dirhams" in minutes
    for page, number in zip(certificates, numbers, strict=True):
        assert number in text_of(page)


def test_a_revoked_certificate_leaves_the_bundle_and_says_so_on_its_own(staff, admin_user):
    ceremony = held_ceremony(staff, ready_project(), ready_project(last_name="Amrani"))
    revoked = ceremony.handovers.order_by("certificate_number").first()
    services.revoke_handover(handover=revoked, user=admin_user, reason="Erreur d'article")

    assert len(certificate_pages(read(documents.bundle_pdf(ceremony).content))) == 1
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


# --- documents stored when the ceremony is held -------------------------------------------

def no_weasyprint(monkeypatch):
    """Fail the test if anything is laid out by WeasyPrint from now on."""
    def refuse(*args, **kwargs):
        raise AssertionError("laid out again instead of served as stored")

    monkeypatch.setattr(documents, "html_to_pdf", refuse)
    monkeypatch.setattr(documents, "html_to_pdf_parts", refuse)


def test_holding_through_the_page_stores_each_certificate_and_the_bundle(staff, client_for, monkeypatch):
    projects = [ready_project(last_name=name) for name in ("Benali", "Amrani", "Tazi")]
    ceremony = planned_ceremony(staff, *projects)
    client = client_for(staff)

    client.post(reverse("ceremonies:hold", args=[ceremony.pk]))

    ceremony.refresh_from_db()
    handovers = list(ceremony.handovers.order_by("certificate_number"))
    assert ceremony.bundle_pdf and all(h.certificate_pdf for h in handovers)
    # Each stored certificate is its own one-page PDF, with its own number and name.
    for handover, project in zip(handovers, sorted(projects, key=lambda p: p.reference), strict=True):
        with handover.certificate_pdf.open("rb") as file:
            reader = read(file.read())
        assert len(reader.pages) == 1
        text = squeezed(text_of(reader.pages[0]))
        assert handover.certificate_number in text and project.beneficiary.last_name in text
        assert any("Amiri" in name for name in fonts_of(reader))

    no_weasyprint(monkeypatch)
    bundle = client.get(reverse("ceremonies:bundle", args=[ceremony.pk]))
    certificate = client.get(reverse("ceremonies:certificate", args=[handovers[1].pk]))

    reader = read(bundle.content)
    assert len(certificate_pages(reader)) == len(handovers)
    assert "Procès-verbal" in text_of(reader.pages[0])
    for page, handover in zip(certificate_pages(reader), handovers, strict=True):
        assert handover.certificate_number in text_of(page)
    with handovers[1].certificate_pdf.open("rb") as file:
        assert certificate.content == file.read()


def test_certificates_held_before_storing_are_stored_on_their_first_download(staff, monkeypatch):
    ceremony = held_ceremony(staff, ready_project(), ready_project(last_name="Amrani"))
    assert not ceremony.bundle_pdf and not ceremony.handovers.exclude(certificate_pdf="").exists()

    first = documents.bundle_pdf(ceremony).content

    ceremony.refresh_from_db()
    assert ceremony.bundle_pdf and not ceremony.handovers.filter(certificate_pdf="").exists()
    no_weasyprint(monkeypatch)
    assert documents.bundle_pdf(Ceremony.objects.get(pk=ceremony.pk)).content == first
    assert len(certificate_pages(read(first))) == 2


def test_a_revocation_discards_the_stored_certificate_and_rebuilds_the_bundle_without_it(
    staff, admin_user, client_for, django_capture_on_commit_callbacks,
):
    ceremony = planned_ceremony(staff, ready_project(), ready_project(last_name="Amrani"))
    client_for(staff).post(reverse("ceremonies:hold", args=[ceremony.pk]))
    revoked, kept = ceremony.handovers.order_by("certificate_number")
    old_certificate = revoked.certificate_pdf.name
    old_bundle = Ceremony.objects.get(pk=ceremony.pk).bundle_pdf.name
    storage = revoked.certificate_pdf.storage

    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_user).post(
            reverse("ceremonies:revoke", args=[revoked.pk]), {"reason": "Erreur d'article"}
        )

    assert not storage.exists(old_certificate) and not storage.exists(old_bundle)
    revoked.refresh_from_db()
    assert not revoked.certificate_pdf
    client = client_for(staff)
    bundle = read(client.get(reverse("ceremonies:bundle", args=[ceremony.pk])).content)
    [certificate] = certificate_pages(bundle)
    assert kept.certificate_number in text_of(certificate)
    own = text_of(read(client.get(reverse("ceremonies:certificate", args=[revoked.pk])).content).pages[0])
    assert "RÉVOQUÉE" in own
    revoked.refresh_from_db()
    assert not revoked.certificate_pdf  # a revoked certificate is never stored


def test_the_stored_certificate_is_not_a_change_in_the_history(staff):
    ceremony = held_ceremony(staff, ready_project())
    handover = ceremony.handovers.get()
    entries = handover.history.count()

    documents.certificate_pdf(handover)

    handover.refresh_from_db()
    assert handover.certificate_pdf and handover.history.count() == entries


def test_correcting_a_held_ceremony_in_the_admin_renders_its_documents_again(
    staff, admin_user, client_for, django_capture_on_commit_callbacks,
):
    ceremony = planned_ceremony(staff, ready_project())
    client_for(staff).post(reverse("ceremonies:hold", args=[ceremony.pk]))
    ceremony.refresh_from_db()
    old = ceremony.handovers.get().certificate_pdf.name
    client = client_for(admin_user)
    url = reverse("admin:ceremonies_ceremony_change", args=[ceremony.pk])
    data = form_data(client.get(url).content.decode())
    data["place"] = "Salle des fêtes de Témara"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    ceremony.refresh_from_db()
    assert not ceremony.bundle_pdf and not ceremony.handovers.get().certificate_pdf
    assert not ceremony.handovers.get().certificate_pdf.storage.exists(old)
    text = squeezed(text_of(certificate_pages(read(documents.bundle_pdf(ceremony).content))[0]))
    assert squeezed("Salle des fêtes de Témara") in text


def form_data(html: str) -> dict:
    """The values a browser would post back from the admin's change form, as it stands."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data, self.select, self.textarea = {}, None, None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            name = attrs.get("name")
            if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
                if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                    return
                default = "on" if attrs.get("type") in ("checkbox", "radio") else ""
                self.data[name] = attrs.get("value", default)
            elif tag == "select" and name:
                self.select = name
                self.data.setdefault(name, "")
            elif tag == "option" and self.select and "selected" in attrs:
                self.data[self.select] = attrs.get("value", "")
            elif tag == "textarea" and name:
                self.textarea = name
                self.data[name] = ""

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                self.data[self.textarea] += data

    parser = Form()
    parser.feed(html)
    return {name: value for name, value in parser.data.items() if "__prefix__" not in name}


def test_one_layout_is_cut_into_one_pdf_per_part():
    from reintegration.common.pdf import concatenate, html_to_pdf_parts

    html = ('<link rel="stylesheet" href="/static/css/pdf.css">'
            '<section class="page" id="a">Alpha</section>'
            '<section class="page" id="b">Bravo<div style="page-break-before: always">Charlie</div></section>'
            '<section class="page" id="c">Delta</section>')

    alpha, bravo, delta = html_to_pdf_parts(html, ["a", "b", "c"])

    assert [len(read(part).pages) for part in (alpha, bravo, delta)] == [1, 2, 1]
    assert "Charlie" in text_of(read(bravo).pages[1])
    whole = read(concatenate([delta, alpha]))
    assert [text_of(page).strip() for page in whole.pages] == ["Delta", "Alpha"]
    with pytest.raises(ValueError):
        # "a" no longer ends its page: "b" starts on the same one.
        html_to_pdf_parts(html.replace('class="page" id="a"', 'id="a"'), ["a", "b"])
