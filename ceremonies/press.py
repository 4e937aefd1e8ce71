"""The ceremony's press kit: a bilingual press release drafted from the ceremony's facts,
edited by staff, and downloaded as PDF (the one PDF pipeline) or Word (python-docx).

The draft names no one except the beneficiaries who gave their image-rights consent
(`ImageConsent.granted`): former detainees at a public event. Its wording is content in
French and in Arabic (templates `ceremonies/press/release_{fr,ar}.txt`), whatever the
reader's language.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from reintegration.common.bidi import isolate
from reintegration.common.dates import format_date
from reintegration.common.money import format_money
from reintegration.common.pdf import PdfDocument, render_pdf

from .documents import _common_context, ceremony_summary
from .models import Ceremony, Guest

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The categories named in the release: the presiding authority has its own sentence.
NAMED_CATEGORIES = [c for c in Guest.Category if c not in (Guest.Category.PRESIDING_AUTHORITY,
                                                          Guest.Category.OTHER)]


def _categories(ceremony: Ceremony, language: str) -> str:
    present = set(
        ceremony.guests.exclude(attendance=Guest.Attendance.ABSENT).values_list("category", flat=True)
    )
    with translation.override(language):
        labels = [str(c.label) for c in NAMED_CATEGORIES if c in present]
    if language == "fr":
        labels = [label[:1].lower() + label[1:] for label in labels]
    return ("، " if language == "ar" else ", ").join(labels)


def draft(ceremony: Ceremony) -> tuple[str, str]:
    """The release in French and in Arabic, from the ceremony's facts: who presided, the
    guests' categories, the convention and its partner, the number of beneficiaries, the
    sectors, the value of the equipment and the cash grants, and the names of those
    beneficiaries only who consented to be named in the press."""
    summary = ceremony_summary(ceremony)
    rows = summary["rows"]
    sectors = {row["project"].sector for row in rows if row["project"].sector_id}
    consenting = [row["project"].beneficiary for row in rows if row["image_consent"]]
    conventions = {row["project"].convention for row in rows if row["project"].convention_id}
    # The ceremony's convention, or the one every project it hands over is funded by.
    convention = ceremony.convention or (conventions.pop() if len(conventions) == 1 else None)
    texts = []
    for language in ("fr", "ar"):
        with translation.override(language):
            context = {
                "ceremony": ceremony,
                "held_on": format_date(ceremony.held_on, "long", language),
                "foundation": settings.FOUNDATION_NAME,
                "foundation_ar": settings.FOUNDATION_NAME_AR,
                "place_ar": ceremony.place_ar or isolate(ceremony.place),
                "presided_by_ar": ceremony.presided_by_ar or isolate(ceremony.presided_by),
                "presided_by_title_ar": ceremony.presided_by_title_ar or isolate(ceremony.presided_by_title),
                "count": summary["beneficiary_count"],
                "categories": _categories(ceremony, language),
                "convention": convention,
                "convention_reference": isolate(convention.reference) if convention else "",
                "partner_ar": isolate(convention.partner.name) if convention else "",
                "sectors_fr": ", ".join(sorted(s.name_fr for s in sectors)),
                "sectors_ar": "، ".join(sorted(s.name_ar or s.name_fr for s in sectors)),
                "total": format_money(summary["total_value"], language),
                "cash": format_money(summary["cash_total"], language) if summary["cash_total"] else "",
                "names": ("، " if language == "ar" else ", ").join(
                    (b.full_name_ar or isolate(b.full_name)) if language == "ar" else b.full_name
                    for b in consenting
                ),
            }
            texts.append(render_to_string(f"ceremonies/press/release_{language}.txt", context).strip())
    return texts[0], texts[1]


def paragraphs(text: str) -> list[str]:
    return [" ".join(part.split()) for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def press_release_pdf(release) -> PdfDocument:
    ceremony = release.ceremony
    context = {
        **_common_context(), "ceremony": ceremony,
        "paragraphs_fr": paragraphs(release.text_fr), "paragraphs_ar": paragraphs(release.text_ar),
    }
    return render_pdf(
        "ceremonies/pdf/press_release.html", context,
        filename=f"communique-{ceremony.held_on:%Y-%m-%d}-{ceremony.pk}.pdf", language="fr",
    )


def press_release_docx(release) -> PdfDocument:
    """The release as a Word document, French then Arabic (right to left), to edit further."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ceremony = release.ceremony
    document = docx.Document()
    document.core_properties.title = f"Communiqué de presse — {ceremony.title}"
    document.add_heading("Communiqué de presse", level=1)
    for text in paragraphs(release.text_fr):
        document.add_paragraph(text)
    heading = document.add_heading("بلاغ صحفي", level=1)
    paragraphs_ar = [heading, *(document.add_paragraph(text) for text in paragraphs(release.text_ar))]
    for paragraph in paragraphs_ar:
        properties = paragraph._p.get_or_add_pPr()
        properties.append(OxmlElement("w:bidi"))
        paragraph.alignment = 2  # right
        for run in paragraph.runs:
            run_properties = run._r.get_or_add_rPr()
            run_properties.append(OxmlElement("w:rtl"))
            fonts = OxmlElement("w:rFonts")
            fonts.set(qn("w:cs"), "Amiri")
            run_properties.append(fonts)
    output = io.BytesIO()
    document.save(output)
    return PdfDocument(
        filename=f"communique-{ceremony.held_on:%Y-%m-%d}-{ceremony.pk}.docx",
        content_type=DOCX_CONTENT_TYPE, content=output.getvalue(),
    )
