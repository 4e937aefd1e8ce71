"""Middleware of the whole application: input cleaned at the door, before any view, form
or the Django admin reads it; and a PDF asked for on a server where WeasyPrint cannot load
its libraries."""

import logging
import re

from django.shortcuts import render

from .bidi import ANY_CONTROL_OR_MARK, strip_bidi_controls
from .pdf import DEBIAN_INSTALL_COMMAND, PdfUnavailableError

# What a person typed as a secret is checked as typed: a password holding a bidi control
# (set before this cleaning existed) must still match.
KEPT_AS_TYPED = re.compile(r"password", re.IGNORECASE)


class StripBidiControlsMiddleware:
    """Every text sent by GET or POST, and the name of every uploaded file, loses its
    bidirectional controls (`bidi.strip_bidi_controls`): typed into a name, U+202E
    RIGHT-TO-LEFT OVERRIDE would reverse every field shown after it, on every page and
    certificate that prints the name.

    One door for every form of the application, the Django admin, the list filters and
    the spreadsheet import's upload (whose rows `beneficiaries.importing` cleans in the
    same way), rather than a cleaning in each form: a form added later is covered on
    its own. The application takes no JSON or other request body; a view that did would
    call `strip_bidi_controls` on what it reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = cleaned(request.GET)
        if request.method == "POST":
            request.POST = cleaned(request.POST)
            for uploaded in request.FILES.values():
                if uploaded.name:
                    uploaded.name = strip_bidi_controls(uploaded.name)
        return self.get_response(request)


def cleaned(query):
    """`query` (a QueryDict) without bidi controls in its values; itself when it has none."""
    if not any(
        ANY_CONTROL_OR_MARK.search(value)
        for key, values in query.lists() if not KEPT_AS_TYPED.search(key)
        for value in values
    ):
        return query
    copy = query.copy()
    for key, values in query.lists():
        if not KEPT_AS_TYPED.search(key):
            copy.setlist(key, [strip_bidi_controls(value) for value in values])
    copy._mutable = False
    return copy


logger = logging.getLogger(__name__)


class PdfUnavailableMiddleware:
    """Answer 503 with a page naming what to install, instead of a bare server error:
    every other page works, and whoever reads it can tell the administrator."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PdfUnavailableError):
            return None
        logger.error("No PDF can be made: %s. Install: %s", exception, DEBIAN_INSTALL_COMMAND)
        return render(
            request,
            "common/pdf_unavailable.html",
            {"library": exception.library, "install_command": DEBIAN_INSTALL_COMMAND},
            status=503,
        )
