"""Law 09-08, the right of access: `export_beneficiary` gathers everything the
application holds on one person: the file, its history, its documents (with the files
themselves), projects and everything attached to them. (The end of the retention period
is `anonymisation.py`.)
"""

import io
import json
import zipfile
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpResponse
from django.utils import timezone

from beneficiaries.models import Beneficiary


@dataclass
class Export:
    data: dict
    files: dict[str, bytes] = field(default_factory=dict)


def as_dict(obj: models.Model) -> dict:
    """Every stored field of `obj`, related objects by their name, files by their path."""
    values = {}
    for model_field in obj._meta.concrete_fields:
        value = getattr(obj, model_field.name)
        if isinstance(model_field, models.ForeignKey):
            value = str(value) if value is not None else None
        elif isinstance(model_field, models.FileField):
            value = value.name or None
        values[model_field.name] = value
    return values


# The apps whose rows belong to a person's file.
PROGRAMME_APPS = {"beneficiaries", "grants", "procurement", "ceremonies", "followup", "cases"}


def _children(obj: models.Model) -> dict[str, list[models.Model]]:
    """The rows that point at `obj` (its documents, projects, events, visits, ...)."""
    found = {}
    for relation in obj._meta.related_objects:
        if not (relation.one_to_many or relation.many_to_many):
            continue
        if relation.related_model._meta.app_label not in PROGRAMME_APPS:
            continue
        rows = list(getattr(obj, relation.get_accessor_name()).all())
        if rows:
            found[relation.get_accessor_name()] = rows
    return found


def _describe(obj: models.Model, depth: int) -> dict:
    data = as_dict(obj)
    if depth > 0:
        for name, rows in _children(obj).items():
            data[name] = [_describe(row, depth - 1) for row in rows]
    return data


def export_beneficiary(beneficiary: Beneficiary) -> Export:
    data = {
        "exported_at": timezone.now(),
        "beneficiary": _describe(beneficiary, depth=3),
        "history": [
            {**as_dict(record), "history_user": str(record.history_user or "")}
            for record in beneficiary.history.all()
        ],
    }
    files = {}
    for document in beneficiary.documents.all():
        if document.file and document.file.storage.exists(document.file.name):
            with document.file.open("rb") as handle:
                files[f"documents/{document.public_id}{document.extension}"] = handle.read()
    return Export(data=data, files=files)


def zip_bytes(export: Export) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps(export.data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        for name, content in export.files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def zip_response(export: Export, filename: str) -> HttpResponse:
    response = HttpResponse(zip_bytes(export), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
