"""The one upload check for personal documents: type by content, size, stored name."""

import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
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


ALL_TYPES = ("application/pdf", "image/jpeg", "image/png")
IMAGE_TYPES = ("image/jpeg", "image/png")
PDF_ONLY = ("application/pdf",)


@deconstructible
class UploadCheck:
    """`validate_document` as a model field's validator, so that every door that saves the
    field through a form or `full_clean` — the staff pages, the Django admin, an import —
    checks a new file the same way (type by content, size).

    Only a file being uploaded is read: a stored one was checked when it came in, and
    reading it back from storage on every save of its record would cost a download."""

    def __init__(self, allowed=ALL_TYPES):
        self.allowed = tuple(allowed)

    def __call__(self, value) -> None:
        if not value or getattr(value, "_committed", True):
            return
        validate_document(value.file, allowed=self.allowed)

    def __eq__(self, other) -> bool:
        return isinstance(other, UploadCheck) and self.allowed == other.allowed


@deconstructible
class StoredName:
    """`upload_to` that stores a file as `<folder>/<random><extension>`: the name and the
    extension come from the application (the extension from the content), never from the
    name the user's file had, which may name a person or climb directories."""

    def __init__(self, folder: str, field: str):
        self.folder = folder.rstrip("/")
        self.field = field

    def __call__(self, instance, filename: str) -> str:
        field_file = getattr(instance, self.field, None)
        if field_file is not None and not getattr(field_file, "_committed", True):
            content_type = sniff_content_type(field_file.file)  # assigned, being saved
        else:  # saved by `field_file.save(name, content)`: the code chose the name
            content_type = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                            ".png": "image/png"}.get(PurePath(filename).suffix.lower())
        return f"{self.folder}/{uuid.uuid4().hex}{EXTENSIONS.get(content_type, '')}"

    def __eq__(self, other) -> bool:
        return isinstance(other, StoredName) and (self.folder, self.field) == (other.folder, other.field)
