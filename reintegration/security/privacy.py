"""Law 09-08 rights and duties on one person's file.

- `export_beneficiary`: everything the application holds on one person (right of
  access): the file, its history, its documents (with the files themselves), projects
  and everything attached to them.
- `anonymise_beneficiary`: at the end of the retention period, what identifies the
  person goes; what reports count (sex, prefecture, statuses, amounts) stays.
"""

import datetime
import io
import json
import zipfile
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import HttpResponse
from django.utils import timezone

from beneficiaries.models import Beneficiary, BeneficiaryDocument
from ceremonies.documents import forget_stored_documents

ANONYMISED = "ANONYMISÉ"


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


def _children(obj: models.Model) -> dict[str, list[models.Model]]:
    """The rows that point at `obj` (its documents, projects, events, visits, ...)."""
    found = {}
    for relation in obj._meta.related_objects:
        if not (relation.one_to_many or relation.many_to_many):
            continue
        if relation.related_model._meta.app_label not in {"beneficiaries", "grants", "ceremonies"}:
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


def files_due_for_anonymisation(*, years: int, today: datetime.date | None = None):
    today = today or timezone.localdate()
    try:
        cutoff_day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff_day = today.replace(year=today.year - years, day=28)
    cutoff = timezone.make_aware(datetime.datetime.combine(cutoff_day, datetime.time.min))
    return Beneficiary.objects.filter(
        status=Beneficiary.Status.CLOSED, anonymised_at__isnull=True, updated_at__lt=cutoff,
    ).order_by("file_number")


def _year_only(day: datetime.date | None) -> datetime.date | None:
    return day.replace(month=1, day=1) if day else None


@transaction.atomic
def anonymise_beneficiary(*, beneficiary: Beneficiary) -> Beneficiary:
    """Remove what identifies the person; keep sex, prefecture, statuses and amounts."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    birth = _year_only(beneficiary.birth_date)
    release = _year_only(beneficiary.release_date)
    if release is not None and release <= birth:
        release = beneficiary.release_date
    beneficiary.first_name = ANONYMISED
    beneficiary.last_name = ANONYMISED
    for name in ("first_name_ar", "last_name_ar", "cin", "phone", "address", "guardian_name",
                 "prison_training", "skills"):
        setattr(beneficiary, name, "")
    beneficiary.birth_date = birth
    beneficiary.release_date = release
    beneficiary.anonymised_at = timezone.now()

    documents = list(BeneficiaryDocument.objects.filter(beneficiary=beneficiary))
    for document in documents:
        _delete_file(document.file)
    BeneficiaryDocument.objects.filter(beneficiary=beneficiary).delete()
    # The history kept every earlier version of the names and numbers: it goes too,
    # and the anonymised version becomes the only one.
    BeneficiaryDocument.history.filter(beneficiary_id=beneficiary.pk).delete()
    beneficiary.history.all().delete()
    _forget_project_details(beneficiary)
    beneficiary.save()
    return beneficiary


def _forget_project_details(beneficiary: Beneficiary) -> None:
    """Free text and photos about the person in their projects; amounts stay."""
    for project in beneficiary.projects.all() if hasattr(beneficiary, "projects") else []:
        for visit in project.visits.all() if hasattr(project, "visits") else []:
            if getattr(visit, "photo", None):
                _delete_file(visit.photo)
                visit.photo = ""
            if hasattr(visit, "notes"):
                visit.notes = ""
            visit.save()
        for handover in project.handovers.all() if hasattr(project, "handovers") else []:
            # The stored certificate and bundle print the name: rendered again, anonymised,
            # should anyone download them.
            forget_stored_documents(handover.ceremony)
            if handover.signed_copy:
                _delete_file(handover.signed_copy)
                handover.signed_copy = ""
                handover.save(update_fields=["signed_copy"])


def _delete_file(file) -> None:
    if file and file.name and file.storage.exists(file.name):
        file.storage.delete(file.name)
