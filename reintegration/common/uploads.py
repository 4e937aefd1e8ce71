"""The one upload check for personal documents: type by content, size, stored name."""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# The first bytes of each accepted type; the file's name and the browser's claim are
# never trusted.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def sniff_content_type(uploaded) -> str | None:
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def validate_document(uploaded, allowed=("application/pdf", "image/jpeg", "image/png")) -> str:
    """Check an uploaded file and return its real content type."""
    if uploaded.size > MAX_UPLOAD_SIZE:
        raise ValidationError(
            _("This file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(MAX_UPLOAD_SIZE)},
            code="too_large",
        )
    content_type = sniff_content_type(uploaded)
    if content_type not in allowed:
        raise ValidationError(
            _("Only PDF, JPEG and PNG files are accepted; this file is none of them."),
            code="bad_type",
        )
    if content_type != "application/pdf":
        _check_image(uploaded)
    return content_type


def _check_image(uploaded) -> None:
    from PIL import Image

    try:
        with Image.open(uploaded) as image:
            image.verify()
    except Exception:
        raise ValidationError(_("This image is damaged or not an image."), code="bad_image") from None
    finally:
        uploaded.seek(0)
