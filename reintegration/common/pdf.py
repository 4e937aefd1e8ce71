"""The one PDF pipeline: a template rendered to HTML, then to PDF by WeasyPrint.

Static files (fonts, logos, the stylesheet) are read from disk through Django's
staticfiles finders; nothing is fetched over the network, so a PDF looks the same on
every machine and rendering never waits on HTTP.
"""

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

PDF_BASE_URL = "file:///reinsertion-pdf/"


class StaticFilesFetcher(URLFetcher):
    """Serve `/static/...` from the finders and `data:` URLs; refuse everything else."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        # "/static/..." (from {% static %} or a stylesheet's url()) resolves to file:///static/...
        path = url.removeprefix(PDF_BASE_URL.rstrip("/")).removeprefix("file://").split("?")[0]
        if path.startswith(settings.STATIC_URL):
            relative = path.removeprefix(settings.STATIC_URL)
            found = finders.find(relative)
            if found is None and settings.STATIC_ROOT:
                candidate = Path(settings.STATIC_ROOT) / relative
                found = str(candidate) if candidate.is_file() else None
            if found:
                content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, Path(found).read_bytes(), headers={"Content-Type": content_type}
                )
        raise ValueError(f"PDF resources must be static files, not {url!r}")


_FETCHER = StaticFilesFetcher()


@dataclass(frozen=True)
class PdfDocument:
    filename: str
    content_type: str
    content: bytes


def render_html(template_name: str, context: dict, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        return render_to_string(template_name, context)


def html_to_pdf(html: str) -> bytes:
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=_FETCHER).write_pdf()


def render_pdf(template_name: str, context: dict, filename: str,
               language: str | None = None) -> PdfDocument:
    """Render `template_name` with `context` in `language` to a PDF document."""
    html = render_html(template_name, context, language)
    return PdfDocument(filename=filename, content_type="application/pdf", content=html_to_pdf(html))


def pdf_response(document: PdfDocument, inline: bool = True):
    from django.http import HttpResponse

    response = HttpResponse(document.content, content_type=document.content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{document.filename}"'
    return response
