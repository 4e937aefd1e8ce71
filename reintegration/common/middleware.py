"""A PDF asked for on a server where WeasyPrint cannot load its libraries."""

import logging

from django.shortcuts import render

from .pdf import DEBIAN_INSTALL_COMMAND, PdfUnavailableError

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
