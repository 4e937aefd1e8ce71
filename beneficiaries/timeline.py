"""The file's own history as one dated list: registration, edits, status moves, documents.

Everything comes from the history records (django-simple-history): a record whose
status differs from the one before it is a status move, its change reason the move's
reason. Projects and follow-up visits are another app's data: the detail template reads
them through the reverse relations (`beneficiary.projects`), so nothing here imports grants.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .models import Beneficiary, BeneficiaryDocument

# Fields whose change says nothing to a reader (status has entries of its own).
QUIET_FIELDS = {"status", "closed_at", "anonymised_at"}


@dataclass
class Entry:
    at: datetime
    kind: str  # "created", "edited", "status", "document"
    title: str
    user: object = None
    detail: str = ""
    fields: list[str] = field(default_factory=list)


# Other apps' entries (referrals, grievances, transfers: cases/timeline.py), each a
# function of the beneficiary returning entries, registered by its app's `ready()`: this
# app imports none of them.
SOURCES: list[Callable[[Beneficiary], Iterable["Entry"]]] = []


def register_source(source: Callable[[Beneficiary], Iterable["Entry"]]) -> None:
    if source not in SOURCES:
        SOURCES.append(source)


def _label(name: str) -> str:
    return capfirst(Beneficiary._meta.get_field(name).verbose_name)


def _status_label(value: str) -> str:
    return Beneficiary.Status(value).label


def file_timeline(beneficiary: Beneficiary, documents: Iterable[BeneficiaryDocument]) -> list[Entry]:
    """Newest first. An edit lists the names of the fields changed, never their values."""
    entries = []
    previous = None
    for record in beneficiary.history.select_related("history_user").order_by("history_date", "pk"):
        if previous is None:
            entries.append(Entry(record.history_date, "created", _("File registered"),
                                 record.history_user))
            previous = record
            continue
        if record.status != previous.status:
            entries.append(Entry(
                record.history_date, "status",
                _("Status: %(old)s → %(new)s") % {
                    "old": _status_label(previous.status), "new": _status_label(record.status),
                },
                record.history_user, detail=record.history_change_reason or "",
            ))
        changed = [
            name for name in record.diff_against(previous).changed_fields
            if name not in QUIET_FIELDS
        ]
        if changed:
            entries.append(Entry(record.history_date, "edited", _("File edited"),
                                 record.history_user, fields=[_label(n) for n in changed]))
        previous = record

    for document in documents:
        entries.append(Entry(document.uploaded_at, "document",
                             _("Document added: %(kind)s") % {"kind": document.get_kind_display()},
                             document.uploaded_by))

    for source in SOURCES:
        entries.extend(source(beneficiary))

    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries
