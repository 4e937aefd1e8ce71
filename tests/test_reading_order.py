"""Every document type, read as a reader sees it (issue 20): the glyphs' positions read
back with `pdftotext -bbox` (tests/glyphs.py) show the law number, amounts, certificate
numbers, project references and Latin names in their own order inside the Arabic
paragraphs of the certificate, the minutes (PV), the attendance sheet, the purchase order
and the INDH report. Left to the bidirectional algorithm, the law number reads "08-09"
there, a period "2024-2026" reads "2026-2024", a Latin title's final full stop or
bracket moves to its other end (the last test shows each).

Each document's pages are written to $SCREENSHOT_DIR as PNGs when it is set (CI)."""

import datetime
import io
import unicodedata

import pypdf
import pytest
from django.conf import settings
from django.urls import reverse

from ceremonies import documents
from grants.models import EquipmentItem, Project
from procurement.models import PurchaseOrder
from reintegration.common.pdf import html_to_pdf

from .factories import PurchaseOrderFactory, SupplierFactory
from .glyphs import ARABIC, arabic_lines, find_line, half, save_pages, words
from .test_ceremonies import held_ceremony, ready_project

pytestmark = pytest.mark.django_db

LAW = settings.DATA_PROTECTION_LAW  # "09-08"
# Latin values with punctuation at their ends, where the bidirectional algorithm moves it
# inside Arabic text: a title, a ceremony's title, a designation, a supplier.
TITLE = "Snack Nahda (Témara)"
CEREMONY = "Remise (anciens détenus)"
LINES = [("Friteuse (2 × 8 L)", 1, "6800.00", "FR-2024-118"), ("Plancha gaz", 1, "5400.00", "PL-2024-7")]
SUPPLIER = "Atlas Équipement S.A.R.L."
TOTAL, GRANT = "12 200,00", "5 000,00"


def law_reads_right(found) -> None:
    """The notice's law number reads 09-08 inside Arabic text, and never 08-09."""
    assert not [word.text for word in found if "08-09" in word.text]
    assert any(
        word.text.strip("،.") == LAW for line in arabic_lines(found) for word in line
    ), "no Arabic line shows the law number as 09-08"


def reads(found, phrase: str, side: str | None = "right", arabic_only: bool = True):
    line = find_line(found, phrase, side=side, arabic_only=arabic_only)
    where = "in the Arabic half" if side == "right" else "in an Arabic line"
    assert line is not None, f"{phrase!r} does not read left to right {where}"
    return line


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return unicodedata.normalize("NFKC", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def latin_project():
    """A project whose file has nothing in Arabic: name, title and designations in Latin
    letters only, which the Arabic half prints isolated."""
    project = ready_project(first_name="Youssef", last_name="Benali", first_name_ar="",
                            last_name_ar="", lines=LINES)
    Project.objects.filter(pk=project.pk).update(title=TITLE)
    project.refresh_from_db()
    return project


@pytest.fixture
def ceremony(staff, latin_project):
    ceremony = held_ceremony(staff, latin_project)
    ceremony.title = CEREMONY
    ceremony.convention = latin_project.convention
    ceremony.save()
    documents.forget_stored_documents(ceremony)  # as the admin does after a correction
    return ceremony


# --- the certificate ------------------------------------------------------------------------


def test_the_certificate_reads_right_in_its_arabic_half(ceremony, latin_project):
    handover = ceremony.handovers.get()
    content = documents.certificate_pdf(handover).content
    save_pages(content, "pdf-certificate-latin-data")
    found = words(content)

    law_reads_right(found)
    # The certificate's number beside "رقم", on the Arabic side of the line.
    number_line = reads(found, handover.certificate_number, side=None)
    number = next(w for w in number_line if w.text == handover.certificate_number and w.x > 297)
    assert any(ARABIC.search(w.text) and w.x > number.right for w in number_line)
    # The reference in its brackets, the convention's reference, the file number.
    assert [w.text.strip("()") for w in found if latin_project.reference in w.text and w.x > 297] == [
        latin_project.reference
    ]
    reads(found, latin_project.convention.reference)
    reads(found, latin_project.beneficiary.file_number)
    # Latin values with their punctuation where it was typed.
    reads(found, TITLE)
    reads(found, "Youssef Benali")
    reads(found, "M. Karim Idrissi,")
    # The amounts in the Arabic sentences: "12 200,00" as written, not "200,00 12".
    reads(found, TOTAL)
    reads(found, GRANT)
    # The date in Arabic, read from right to left: 6, the month (Moroccan name), 2024.
    date_line = half(
        next(line for line in arabic_lines(found) if any(w.text == "2024" for w in line)), "right"
    )
    day, year = (next(w for w in date_line if w.text == text) for text in ("6", "2024"))
    assert year.x < day.x


def test_a_certificate_with_arabic_titles_prints_them_in_the_arabic_half(staff):
    project = ready_project(lines=LINES)
    Project.objects.filter(pk=project.pk).update(title=TITLE, title_ar="سناك النهضة")
    EquipmentItem.objects.filter(project=project, designation="Plancha gaz").update(
        designation_ar="صفيحة طهي بالغاز")
    handover = held_ceremony(staff, project).handovers.get()
    content = documents.certificate_pdf(handover).content
    save_pages(content, "pdf-certificate-arabic-data")
    found = words(content)

    # Arabic words are drawn right to left: their glyphs read backwards, left to right.
    drawn = {word.text for word in found}
    for arabic in ("سناك", "النهضة", "صفيحة", "بالغاز", "دجنبر"):
        assert arabic[::-1] in drawn, arabic
    # The Latin title is printed in the French half only; the reference keeps its order.
    assert find_line(found, TITLE, side="right") is None
    assert find_line(found, TITLE, side="left") is not None
    assert [w.text.strip("()") for w in found if project.reference in w.text and w.x > 297] == [
        project.reference
    ]
    law_reads_right(found)


# --- the minutes (PV), the bundle and the attendance sheet -------------------------------------


def test_the_minutes_read_right_in_their_arabic_half(ceremony, latin_project):
    content = documents.bundle_pdf(ceremony).content
    save_pages(content, "pdf-bundle")
    found = words(content)
    # The bundle: the minutes (page 1), the attendance sheet, then the one certificate (last).
    minutes = [word for word in found if word.page == 1]
    last_page = max(word.page for word in found)
    certificate = [word for word in found if word.page == last_page]

    law_reads_right(minutes)
    reads(minutes, CEREMONY)
    reads(minutes, latin_project.convention.reference)
    reads(minutes, "M. Karim Idrissi,")
    reads(minutes, TOTAL)  # the value handed over, in the Arabic sentence
    reads(minutes, GRANT)  # the cash grants
    # The certificate that follows keeps its number and its title in order too.
    reads(certificate, ceremony.handovers.get().certificate_number, side=None)
    reads(certificate, TITLE)
    law_reads_right(certificate)


def test_the_attendance_sheet_reads_right_in_its_arabic_half(ceremony, latin_project, staff, client_for):
    response = client_for(staff).get(reverse("ceremonies:attendance", args=[ceremony.pk]))
    assert response.status_code == 200
    content = response.content
    save_pages(content, "pdf-attendance")
    found = words(content)

    law_reads_right(found)
    reads(found, CEREMONY)
    reads(found, latin_project.convention.reference)
    reads(found, "M. Karim Idrissi,")
    reads(found, "Témara")


# --- documents printed in Arabic: the purchase order and the INDH report ------------------------


@pytest.fixture
def in_arabic(client_for, staff):
    client = client_for(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    return client


def test_the_purchase_order_in_arabic_reads_right(in_arabic, latin_project):
    order = PurchaseOrderFactory(
        convention=latin_project.convention, supplier=SupplierFactory(name=SUPPLIER),
        ordered_on=datetime.date(2024, 10, 15), status=PurchaseOrder.Status.SENT,
    )
    EquipmentItem.objects.filter(project=latin_project).update(purchase_order=order)
    response = in_arabic.get(reverse("grants:purchase_order_pdf", args=[order.pk]))
    assert response.status_code == 200
    content = response.content
    save_pages(content, "pdf-purchase-order-ar")
    found = words(content)

    law_reads_right(found)
    for phrase in (order.number, "15/10/2024", SUPPLIER, latin_project.convention.reference,
                   "Friteuse (2 × 8 L)", "6 800,00", TOTAL):
        reads(found, phrase, side=None, arabic_only=False)
    assert [w.text for w in found if latin_project.reference in w.text] == [latin_project.reference] * 2


def test_the_indh_report_in_arabic_reads_right(in_arabic, latin_project):
    convention = latin_project.convention
    response = in_arabic.get(reverse("dashboard:convention_report", args=[convention.pk]) + "?format=pdf")
    assert response.status_code == 200
    content = response.content
    save_pages(content, "pdf-indh-report-ar")
    found = words(content)

    law_reads_right(found)
    for phrase in (convention.reference, "15/12/2023", "01/01/2024", "500 000,00", "40 000,00",
                   TITLE, "Youssef Benali", latin_project.beneficiary.file_number):
        reads(found, phrase, side=None, arabic_only=False)
    assert [w.text for w in found if w.text.startswith("PRJ-")] == [latin_project.reference]


def test_these_checks_see_what_the_bidirectional_algorithm_does_to_text_left_to_itself():
    """Without isolation, WeasyPrint lays text out as every bidi implementation does: the
    law number reads 08-09, a period 2026-2024, a final full stop moves to the start of a
    Latin title. The checks above would catch each of them."""
    content = html_to_pdf(
        '<link rel="stylesheet" href="/static/css/pdf.css">'
        '<p class="ar" lang="ar" dir="rtl">معطيات شخصية تتم معالجتها طبقاً للقانون 09-08، بموجب الإذن.</p>'
        '<p class="ar" lang="ar" dir="rtl">الفترة 2024-2026</p>'
        '<p class="ar" lang="ar" dir="rtl">Snack Nahda.</p>'
    )
    found = words(content)
    with pytest.raises(AssertionError):
        law_reads_right(found)
    assert "2026-2024" in {word.text for word in found}
    assert find_line(found, "Snack Nahda.", side=None, arabic_only=False) is None
