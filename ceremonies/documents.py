"""The ceremony's documents: handover certificates, the bundle, the attendance sheet.

Each function returns a `PdfDocument` from the one PDF pipeline
(`reintegration.common.pdf`); the templates live in
`ceremonies/templates/ceremonies/pdf/` and share `static/css/pdf.css`. Certificates are
bilingual whatever the reader's language: the templates switch with `{% language %}`.

A certificate is rendered once, when the ceremony is held (its content is frozen then),
and kept in `Handover.certificate_pdf`: the certificate's page serves that file. The
bundle is built once from the minutes and those files (pypdf, no layout) and kept in
`Ceremony.bundle_pdf`. WeasyPrint takes about 0.3-0.4 s per certificate page on a
2-core server, so a bundle of 50 laid out on each download took 20-35 s. A revocation
discards the revoked certificate and the bundle; a revoked certificate is rendered when
asked, with the banner that says so, and never stored. Documents of ceremonies held
before storing existed are rendered and stored on their first download.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from num2words import num2words

from grants.models import ZERO
from procurement.models import Disbursement
from reintegration.common.pdf import (
    PdfDocument,
    concatenate,
    html_to_pdf,
    html_to_pdf_parts,
    render_html,
    render_pdf,
)
from reintegration.common.storage import delete_files_on_commit

from .models import Ceremony, Guest, Handover, ImageConsent

logger = logging.getLogger(__name__)

# --- amounts in words -------------------------------------------------------------------

_AR_UNITS_3_TO_10 = "ثلاثة|أربعة|خمسة|ستة|سبعة|ثمانية|تسعة|عشرة"


def _split(value) -> tuple[int, int]:
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    dirhams = int(amount)
    return dirhams, int((amount - dirhams) * 100)


def _words_fr(number: int, singular: str, plural: str) -> str:
    words = num2words(number, lang="fr")
    if number in (0, 1):
        return f"{words} {singular}"
    # "un million de dirhams", "deux milliards de dirhams"
    if re.search(r"(million|milliard)s?$", words):
        return f"{words} de {plural}"
    return f"{words} {plural}"


def _words_ar(number: int) -> str:
    words = num2words(number, lang="ar")
    # num2words writes "و" as a word of its own; in Arabic it is joined to the next one.
    words = words.replace(" و ", " و")
    # 3 to 10 thousand: the counted word is plural, also after a hundred ("مائة وعشرة آلاف").
    return re.sub(rf"(^|\s|و)({_AR_UNITS_3_TO_10}) ألف(?=\s|$)", r"\1\2 آلاف", words)


# Arabic counted nouns agree with the number: 1, 2, 3-10, 11-99, then hundreds.
_AR_DIRHAM = ("درهم واحد", "درهمان", "دراهم", "درهماً", "درهم")
_AR_CENTIME = ("سنتيم واحد", "سنتيمان", "سنتيمات", "سنتيماً", "سنتيم")


def _counted_ar(number: int, forms: tuple[str, str, str, str, str]) -> str:
    one, two, plural, accusative, genitive = forms
    if number == 1:
        return one
    if number == 2:
        return two
    rest = number % 100
    if 3 <= rest <= 10:
        noun = plural
    elif 11 <= rest <= 99:
        noun = accusative
    else:
        noun = genitive
    return f"{_words_ar(number)} {noun}"


def amount_in_words(value, language: str = "fr") -> str:
    """512430 -> "cinq cent douze mille quatre cent trente dirhams" (fr) or
    "خمسمائة واثنا عشر ألفاً وأربعمائة وثلاثون درهماً" (ar); centimes after "et" / "و"."""
    if value is None or value == "":
        return ""
    dirhams, centimes = _split(value)
    language = (language or "fr")[:2]
    if language == "ar":
        text = _counted_ar(dirhams, _AR_DIRHAM)
        if centimes:
            text += f" و{_counted_ar(centimes, _AR_CENTIME)}"
        return text
    if language == "en":
        text = f"{num2words(dirhams, lang='en')} dirham{'' if dirhams == 1 else 's'}"
        if centimes:
            text += f" and {num2words(centimes, lang='en')} centime{'' if centimes == 1 else 's'}"
        return text
    text = _words_fr(dirhams, "dirham", "dirhams")
    if centimes:
        text += f" et {_words_fr(centimes, 'centime', 'centimes')}"
    return text


# --- verification -----------------------------------------------------------------------

def verification_url(handover: Handover) -> str:
    """The public address printed (and encoded in the QR code) on the certificate."""
    return settings.PUBLIC_BASE_URL + reverse("verify", args=[handover.verification_token])


def qr_code(data: str) -> str:
    """A QR code of `data` as an SVG data URI (the PDF fetcher accepts data: URLs)."""
    return segno.make(data, error="m", micro=False).svg_data_uri(scale=4, border=2)


# --- what the documents show ------------------------------------------------------------

@dataclass
class Line:
    designation: str
    designation_ar: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    serial_number: str


def certificate_lines(handover: Handover) -> list[Line]:
    return [
        Line(
            designation=item["designation"],
            designation_ar=item.get("designation_ar", ""),
            quantity=item["quantity"],
            unit_price=Decimal(item["unit_price"]),
            total=Decimal(item["total"]),
            serial_number=item.get("serial_number", ""),
        )
        for item in handover.items
    ]


def handovers_for_documents(ceremony: Ceremony, *, include_revoked: bool = False):
    """The ceremony's handovers with everything the certificates print, in one go."""
    handovers = ceremony.handovers.select_related(
        "project__beneficiary", "project__sector", "project__convention", "attendance",
        "disbursement",
    ).order_by("certificate_number")
    if not include_revoked:
        handovers = handovers.valid()
    return handovers


def certificate_context(handover: Handover) -> dict:
    ceremony = handover.ceremony
    project = handover.project
    url = verification_url(handover)
    value = handover.value
    return {
        "handover": handover,
        "ceremony": ceremony,
        "project": project,
        "beneficiary": project.beneficiary,
        "convention": project.convention,
        "lines": certificate_lines(handover),
        "value": value,
        "value_fr": amount_in_words(value, "fr"),
        "value_ar": amount_in_words(value, "ar"),
        "cash_grant": handover.cash_grant,
        "cash_grant_fr": amount_in_words(handover.cash_grant, "fr"),
        "cash_grant_ar": amount_in_words(handover.cash_grant, "ar"),
        "verification_url": url,
        "qr_code": qr_code(url),
    }


def _common_context() -> dict:
    return {
        "foundation_name": settings.FOUNDATION_NAME,
        "foundation_name_ar": settings.FOUNDATION_NAME_AR,
        "cndp_authorisation": settings.CNDP_AUTHORISATION,
        "data_protection_law": settings.DATA_PROTECTION_LAW,
        "printed_on": timezone.localdate(),
    }


def certificates_html(handovers: list[Handover]) -> str:
    """One page per handover; each page's section has the id `certificate-<pk>`."""
    context = {**_common_context(), "certificates": [certificate_context(h) for h in handovers]}
    return render_html("ceremonies/pdf/certificate.html", context, language="fr")


def certificate_title(handover: Handover) -> str:
    """The certificate PDF's title: its own number only."""
    with translation.override("fr"):
        return _("Certificate %(number)s") % {"number": handover.certificate_number}


def store_certificates(handovers: list[Handover]) -> None:
    """Render the valid certificates not stored yet, in one pass, and store each one
    (a file per handover and one UPDATE for all, whatever their number)."""
    missing = [h for h in handovers if not h.certificate_pdf and not h.is_revoked]
    if not missing:
        return
    parts = html_to_pdf_parts(
        certificates_html(missing), [f"certificate-{h.pk}" for h in missing],
        titles=[certificate_title(h) for h in missing],
    )
    for handover, content in zip(missing, parts, strict=True):
        handover.certificate_pdf.save("certificate.pdf", ContentFile(content), save=False)
    Handover.objects.bulk_update(missing, ["certificate_pdf"])


def issue_documents(ceremony: Ceremony) -> None:
    """Render and store the certificates and the bundle of a ceremony just held (after
    its transaction: about 0.5 s of WeasyPrint per certificate on a 2-core server).

    The ceremony is held whatever happens here: should storing fail, the documents are
    rendered on their first download instead, so the error is logged, not raised."""
    try:
        handovers = list(handovers_for_documents(ceremony))
        for handover in handovers:
            handover.ceremony = ceremony
        store_certificates(handovers)
        store_bundle(ceremony)
    except Exception:
        logger.exception("Storing the documents of ceremony %s failed", ceremony.pk)


def stored_certificates(handovers: list[Handover]) -> list[bytes]:
    """The stored PDF of each valid handover, rendering (and storing) the missing ones:
    those of ceremonies held before certificates were stored, or whose storing failed."""
    store_certificates(handovers)
    contents = []
    for handover in handovers:
        with handover.certificate_pdf.open("rb") as file:
            contents.append(file.read())
    return contents


def certificate_pdf(handover: Handover) -> PdfDocument:
    if handover.is_revoked:
        content = html_to_pdf(certificates_html([handover]))
    else:
        content = stored_certificates([handover])[0]
    return PdfDocument(
        filename=f"{handover.certificate_number}.pdf", content_type="application/pdf",
        content=content,
    )


def ceremony_summary(ceremony: Ceremony, handovers=None) -> dict:
    """The figures of the procès-verbal and of the ceremony's page: number of
    beneficiaries, value handed over (from the certificates once held) and cash grants.

    `handovers`: the held ceremony's valid handovers when the caller already read them
    (the page reads fewer columns than the documents print)."""
    rows = []
    if ceremony.status == Ceremony.Status.HELD:
        if handovers is None:
            handovers = handovers_for_documents(ceremony)
        for handover in handovers:
            rows.append({"project": handover.project, "handover": handover,
                         "value": handover.value, "cash_grant": handover.cash_grant})
    else:
        projects = (
            ceremony.projects.with_equipment_total()
            .select_related("beneficiary", "sector", "convention")
            .order_by("reference")
        )
        for project in projects:
            rows.append({"project": project, "handover": None,
                         "value": project.equipment_total, "cash_grant": project.cash_grant_amount})
    total = sum((row["value"] for row in rows), ZERO)
    cash_total = sum((row["cash_grant"] for row in rows), ZERO)
    attendances = {
        attendance.project_id: attendance
        for attendance in ceremony.attendances.select_related("project__beneficiary")
    }
    for row in rows:
        row["attendance"] = attendances.pop(row["project"].pk, None)
    consents = dict(
        ImageConsent.objects.filter(beneficiary__in=[row["project"].beneficiary_id for row in rows])
        .values_list("beneficiary_id", "granted")
    )
    for row in rows:
        row["image_consent"] = consents.get(row["project"].beneficiary_id)  # None: not recorded
    return {
        "consent_count": sum(1 for row in rows if row["image_consent"]),
        "rows": rows,
        # Absent on the day of a held ceremony: no certificate, their project postponed.
        "absent": sorted(attendances.values(), key=lambda a: a.project.reference),
        "beneficiary_count": len(rows),
        "total_value": total,
        "total_value_fr": amount_in_words(total, "fr"),
        "total_value_ar": amount_in_words(total, "ar"),
        "cash_total": cash_total,
        "grand_total": total + cash_total,
    }


def protocol_guests(ceremony: Ceremony) -> list:
    """The guests the minutes name, in order of precedence: all but those recorded absent."""
    return list(ceremony.guests.in_protocol_order().exclude(attendance=Guest.Attendance.ABSENT))


def bundle_pdf(ceremony: Ceremony) -> PdfDocument:
    """The procès-verbal of the ceremony followed by every valid certificate."""
    if not ceremony.bundle_pdf:
        store_bundle(ceremony)
    with ceremony.bundle_pdf.open("rb") as file:
        content = file.read()
    return PdfDocument(
        filename=f"ceremonie-{ceremony.held_on:%Y-%m-%d}-{ceremony.pk}.pdf",
        content_type="application/pdf", content=content,
    )


def store_bundle(ceremony: Ceremony) -> None:
    """Build the bundle: the minutes and the attendance sheet (laid out now, a few pages)
    then the stored certificates, put together without laying them out again, with an
    outline entry (bookmark) per document."""
    handovers = list(handovers_for_documents(ceremony))
    for handover in handovers:
        handover.ceremony = ceremony
    context = {
        **_common_context(),
        "ceremony": ceremony,
        "guests": protocol_guests(ceremony),
        "summary": ceremony_summary(ceremony),
    }
    minutes = html_to_pdf(render_html("ceremonies/pdf/bundle.html", context, language="fr"))
    attendance = attendance_pdf(ceremony).content
    certificates = stored_certificates(handovers)
    with translation.override("fr"):
        outline = [(_("Minutes"), 0, 0), (_("Attendance sheet"), 1, 0)]
        if certificates:
            outline.append((_("Certificates"), 2, 0))
            outline += [
                (handover.certificate_number, 2 + index, 1) for index, handover in enumerate(handovers)
            ]
        title = _("Minutes of the ceremony: %(title)s") % {"title": ceremony.title}
    content = concatenate([minutes, attendance, *certificates], outline=outline, title=title)
    ceremony.bundle_pdf.save("bundle.pdf", ContentFile(content), save=False)
    Ceremony.objects.filter(pk=ceremony.pk).update(bundle_pdf=ceremony.bundle_pdf.name)


def forget_stored_documents(ceremony: Ceremony) -> None:
    """Drop the ceremony's stored bundle and certificates (a held ceremony corrected in
    the admin): they are rendered again, as they now read, on their next download."""
    handovers = list(ceremony.handovers.exclude(certificate_pdf="").only("pk", "certificate_pdf"))
    delete_files_on_commit([ceremony.bundle_pdf, *(handover.certificate_pdf for handover in handovers)])
    Handover.objects.filter(pk__in=[handover.pk for handover in handovers]).update(certificate_pdf="")
    Ceremony.objects.filter(pk=ceremony.pk).update(bundle_pdf="")
    ceremony.bundle_pdf = ""


def attendance_pdf(ceremony: Ceremony) -> PdfDocument:
    """The list of beneficiaries to sign on the day, with a signature column."""
    summary = ceremony_summary(ceremony)
    context = {
        **_common_context(), "ceremony": ceremony, "summary": summary,
        "guests": list(ceremony.guests.in_protocol_order()),
    }
    return render_pdf(
        "ceremonies/pdf/attendance.html", context,
        filename=f"emargement-{ceremony.held_on:%Y-%m-%d}-{ceremony.pk}.pdf", language="fr",
    )


def paid_cash_grants(projects) -> dict[int, Decimal]:
    """project pk -> cash grant paid so far."""
    paid: dict[int, Decimal] = {}
    for disbursement in Disbursement.objects.filter(project__in=projects).only("project", "amount"):
        paid[disbursement.project_id] = paid.get(disbursement.project_id, ZERO) + disbursement.amount
    return paid

