"""What the browser tests share: small files to upload, axe-core, the visible-text check."""

import io
import re
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from PIL import Image
from pypdf import PdfReader, PdfWriter

# WCAG 2.1 A and AA rules only; a violation of these at these impacts fails the test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}
# axe-core is a test tool: it ships with the tests, not among the app's static files. The
# page asks for it at an address of the app's own origin (so the Content-Security-Policy,
# script-src 'self', lets it run) and the test answers that request itself.
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe" / "axe.min.js"
AXE_URL = "/__tests__/axe.min.js"

# A Latin word of three letters or more (accented French letters included).
LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]{3,}")
# Shown in Latin letters in Arabic on purpose: codes, units, and the language menu.
LATIN_ALLOWED = {
    "CIN", "ICE", "INDH", "CPDH", "PDF", "CSV", "XLSX", "JPEG", "PNG", "BEN", "PRJ", "AGR", "CONV", "REC",
    "INDH3", "CNDP", "RIB", "DAS", "Excel",
    "français", "English",  # the language menu names each language in itself
}


def exactly(label: str) -> re.Pattern:
    """A field's label as the page names it: crispy adds an asterisk to required fields."""
    return re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$")


def pdf_bytes() -> bytes:
    """A one-page blank PDF, as a scanner would produce."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 50), (200, 180, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": content}


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def money_value(text: str) -> Decimal:
    """“455 000,00 DH” (any spaces, either language) -> Decimal("455000.00")."""
    digits = re.sub(r"[^\d,.-]", "", text.replace("\u066b", ",")).replace(",", ".")
    return Decimal(digits)


def axe_violations(page, base_url: str) -> list[str]:
    """Run axe-core (vendored with the tests, see AXE_URL) on the page and return the
    serious and critical WCAG 2.1 AA violations, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.route(base_url + AXE_URL, lambda route: route.fulfill(
            body=AXE_SCRIPT.read_bytes(), content_type="text/javascript; charset=utf-8",
        ))
        page.add_script_tag(url=base_url + AXE_URL)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in AXE_FAILING_IMPACTS:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:4]]
        summary = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")[:200]
        found.append(f"{violation['id']} ({violation['impact']}): {targets} {summary}")
    return found


def latin_words(page, allowed: set[str] = frozenset()) -> list[str]:
    """Latin words left in the page's visible text (Arabic pages must have none but the
    allowed codes and the proper names of the data)."""
    text = page.evaluate("document.body.innerText")
    allowed = set(allowed) | set(LATIN_WORD.findall(settings.CNDP_AUTHORISATION))
    return sorted({word for word in LATIN_WORD.findall(text) if word not in LATIN_ALLOWED | allowed})
