"""The one PDF pipeline: a template rendered to HTML, then to PDF by WeasyPrint.

Static files (fonts, logos, the stylesheet) are read from disk through Django's
staticfiles finders; nothing is fetched over the network, so a PDF looks the same on
every machine and rendering never waits on HTTP.

Documents that are issued once and then only read again (a ceremony's certificates) are
rendered together in one pass, cut into one PDF per part (`html_to_pdf_parts`), stored,
and put back together without WeasyPrint (`concatenate`).

WeasyPrint is imported by the first PDF, not at start-up: importing it loads Pango and
GLib (system libraries, README.md), and a machine without them should still run
everything else. A PDF asked for there raises `PdfUnavailableError`, which
`PdfUnavailableMiddleware` turns into a page that says what to install.
"""

import functools
import io
import mimetypes
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdf
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

PDF_BASE_URL = "file:///reinsertion-pdf/"

# The Debian packages that bring WeasyPrint's libraries; scripts/system-packages installs
# the same list (a test holds them equal).
DEBIAN_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0")
DEBIAN_INSTALL_COMMAND = "apt-get install " + " ".join(DEBIAN_PACKAGES)


class PdfUnavailableError(Exception):
    """WeasyPrint cannot load a system library it needs: no PDF can be made here."""

    def __init__(self, error: OSError):
        # cffi says "cannot load library 'libgobject-2.0-0': …"; keep the library's name.
        found = re.search(r"cannot load library '([^']+)'", str(error))
        self.library = found.group(1) if found else DEBIAN_PACKAGES[0]
        super().__init__(f"WeasyPrint cannot load {self.library} ({error})")


def _weasyprint():
    """The weasyprint module, or PdfUnavailableError where its libraries cannot load."""
    try:
        import weasyprint
    except OSError as error:
        raise PdfUnavailableError(error) from error
    return weasyprint


@functools.cache
def _static_files_fetcher():
    """The one fetcher of every PDF, made on first use: its class derives from
    WeasyPrint's, which is imported only then."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

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

    return StaticFilesFetcher()


@dataclass(frozen=True)
class PdfDocument:
    filename: str
    content_type: str
    content: bytes


def render_html(template_name: str, context: dict, language: str | None = None) -> str:
    with translation.override(language or translation.get_language()):
        return render_to_string(template_name, context)


def _html(html: str):
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=_static_files_fetcher())


def html_to_pdf(html: str) -> bytes:
    return _html(html).write_pdf()


def html_to_pdf_parts(html: str, part_ids: Sequence[str],
                      titles: Sequence[str] | None = None) -> list[bytes]:
    """Lay `html` out once and cut it into one PDF per part: part i is every page from
    the one where the element `id=part_ids[i]` starts to the page before the next part's.
    Laying out N parts together costs less than N documents (one stylesheet, one set of
    fonts), and each part keeps only the glyphs it prints. `titles[i]`, when given, is
    part i's document title (its metadata), instead of the whole HTML's."""
    document = _html(html).render()
    first_page = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
    starts = [first_page[part_id] for part_id in part_ids]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise ValueError("Each part must start on a page of its own, in order.")
    ends = [*starts[1:], len(document.pages)]
    parts = []
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        if titles is not None:
            # The copies share the document's metadata: set before each one is written.
            document.metadata.title = titles[index]
        parts.append(document.copy(document.pages[start:end]).write_pdf())
    return parts


def concatenate(pdfs: Iterable[bytes], outline: Sequence[tuple[str, int, int]] | None = None,
                title: str | None = None) -> bytes:
    """The pages of `pdfs` one after the other, in one PDF (no re-rendering).

    With `outline`, the parts' own bookmarks are dropped and the outline is these
    entries, in order: (label, index of the part it opens on, level), level 0 at the top
    and level 1 under the last level-0 entry."""
    writer = pypdf.PdfWriter()
    first_pages = []
    for content in pdfs:
        first_pages.append(len(writer.pages))
        writer.append(pypdf.PdfReader(io.BytesIO(content)), import_outline=outline is None)
    parent = None
    for label, part, level in outline or ():
        item = writer.add_outline_item(label, first_pages[part], parent=parent if level else None)
        if level == 0:
            parent = item
    if title:
        writer.add_metadata({"/Title": title})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


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
