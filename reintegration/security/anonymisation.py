"""Anonymisation of a closed file at the end of the retention period (law 09-08), and
the scrubbing of a deleted file's history.

What identifies the person goes from every row about them, history included; what the
reports count stays: sex, prefecture, year of birth, statuses, the dates of the
workflow, every amount and quantity.

The rows about the person are found by reading the models, not from a list, so that a
model added later is covered on its own:

- **the file**: its names, national ID, phone, guardian and every other text are
  blanked; the dates of birth and release keep their year.
- **owned rows**: every row that points at the file, or at an owned row, by a foreign
  key (documents; projects and their events, reviews, visits, equipment, payments,
  certificates; whatever another app adds). Free text (every TextField: descriptions,
  reasons, notes) is discarded; short texts (CharFields without choices: designations,
  references) lose the person's names and numbers; stored files are deleted, and a row
  that is nothing without its file (a document) with them. A project's title, which
  staff write after the person ("Salon de coiffure hommes Zerouali"), is rewritten
  whole to its sector.
- **shared rows**: what an owned row reaches through a many-to-many relation (the
  ceremonies of their projects, the projects they joined as co-beneficiary) and the
  rows pointing at those (photos, guests, the others' certificates). They hold other
  people's data too: only the person's names and numbers are replaced in their texts.
  The ceremony's stored bundle and certificates print the name: they are dropped and
  rendered again, anonymised, on their next download.
- **history**: the history table (django-simple-history) of every owned or shared
  model, for the rows found and for rows deleted since (found by the same foreign
  keys), gets the same treatment, change reasons included.
- **logs**: the access log's paths and details and the Django admin's change log keep
  who did what and when; the person's names and numbers in them (a search typed, an
  object's title) are replaced.

The person's names and numbers are every spelling that the file and its history held:
Latin (with and without accents) and Arabic names, whole and word by word (words of
three letters or more; first names alone only on owned rows, where they can mean no one
else), the national ID number and the phone number in its usual spellings.
"""

import datetime
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from beneficiaries.models import Beneficiary
from ceremonies.documents import forget_stored_documents
from ceremonies.models import Ceremony
from grants.models import Project, Sector
from reintegration.audit.models import AccessLog

ANONYMISED = "ANONYMISÉ"

# Particles of compound names, which alone name no one ("El Amrani", "Ait Lahcen").
PARTICLES = {
    "el", "al", "ben", "bent", "ibn", "ait", "ou", "oul", "ould", "abou", "bou", "de",
    "بن", "بنت", "ابن", "آيت", "ايت", "أيت", "أبو", "ابو", "ولد",
}
# Arabic words take "and", "with", "for"... as one-letter prefixes: والزروالي.
ARABIC_PREFIX = "(?:[وفبكل]{1,2})?"
# Not a letter on either side: "cin_zerouali.pdf" names him, "Alimentation" is not "Ali";
# numbers: no letter or digit on either side.
NOT_A_LETTER_BEFORE, NOT_A_LETTER_AFTER = r"(?<![^\W\d_])", r"(?![^\W\d_])"
NOT_ALNUM_BEFORE, NOT_ALNUM_AFTER = r"(?<![^\W_])", r"(?![^\W_])"


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s\-'’]+", name) if len(w) >= 3 and w.lower() not in PARTICLES]


def _arabic_variants(word: str) -> set[str]:
    # "الزروالي" is also written without its article.
    if word.startswith("ال") and len(word) > 4:
        return {word, word[2:]}
    return {word}


def _phone_spellings(phone: str) -> set[str]:
    """+212612345678 as people write it: 0612345678, 06 12 34 56 78, 212612345678..."""
    if not phone:
        return set()
    spellings = {phone, phone.lstrip("+")}
    if phone.startswith("+212"):
        national = "0" + phone[4:]
        pairs = [national[i:i + 2] for i in range(0, len(national), 2)]
        spellings |= {national, " ".join(pairs), "-".join(pairs), ".".join(pairs)}
    return spellings


def _alternation(needles: set[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))


@dataclass
class Identity:
    """The person's names and numbers, and the patterns that find them in a text."""

    first_names: set[str] = field(default_factory=set)
    last_names: set[str] = field(default_factory=set)
    full_names: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, records) -> "Identity":
        """From the file's versions (the row and its history records)."""
        identity = cls()
        for record in records:
            # "Fatima Tahiri (mère)": the guardian's name, not the word for mother.
            guardian = " ".join(
                w for w in re.split(r"\s+", record.guardian_name or "") if w[:1].isupper()
            )
            if guardian and ANONYMISED not in guardian:
                identity.full_names.add(guardian)
                identity.first_names |= set(_words(guardian))
            for first, last in ((record.first_name, record.last_name),
                                (record.first_name_ar, record.last_name_ar)):
                first, last = (first or "").strip(), (last or "").strip()
                if ANONYMISED in (first, last):
                    continue
                if first and last:
                    identity.full_names |= {f"{first} {last}", f"{last} {first}"}
                identity.full_names |= {last} - {""}
                identity.first_names |= {first} - {""}
                for word in _words(first):
                    identity.first_names |= _arabic_variants(word)
                for word in _words(last):
                    identity.last_names |= _arabic_variants(word)
            identity.numbers |= {record.cin} - {""}
            identity.numbers |= _phone_spellings(record.phone or "")
        for names in (identity.first_names, identity.last_names, identity.full_names):
            names |= {_unaccented(name) for name in names}
        return identity

    def _pattern(self, names: set[str], *, encoded: bool = False) -> re.Pattern | None:
        numbers = set(self.numbers)
        if encoded:  # as they appear in a URL's query string
            names = names | {quote(n) for n in names} | {quote_plus(n) for n in names}
            numbers |= {quote(n) for n in numbers}
        parts = []
        if names:
            parts.append(
                f"{NOT_A_LETTER_BEFORE}{ARABIC_PREFIX}(?:{_alternation(names)}){NOT_A_LETTER_AFTER}"
            )
        if numbers:
            parts.append(f"{NOT_ALNUM_BEFORE}(?:{_alternation(numbers)}){NOT_ALNUM_AFTER}")
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None

    @property
    def everything(self) -> re.Pattern | None:
        """For rows about this person alone: a first name alone means them."""
        return self._pattern(self.full_names | self.last_names | self.first_names)

    @property
    def distinctive(self) -> re.Pattern | None:
        """For rows shared with others: never a first name alone."""
        return self._pattern(self.full_names | self.last_names)

    @property
    def in_logs(self) -> re.Pattern | None:
        return self._pattern(self.full_names | self.last_names, encoded=True)

    @property
    def needles(self) -> set[str]:
        """What to look for in a log's column before reading its rows."""
        found = self.full_names | self.last_names | self.numbers
        return found | {quote(n) for n in found} | {quote_plus(n) for n in found}


def scrub(text, pattern: re.Pattern | None, max_length: int | None = None):
    if not text or pattern is None or not isinstance(text, str):
        return text
    scrubbed = pattern.sub(ANONYMISED, text)
    return scrubbed[:max_length] if max_length else scrubbed


def scrub_json(value, pattern):
    if isinstance(value, str):
        return scrub(value, pattern)
    if isinstance(value, list):
        return [scrub_json(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: scrub_json(item, pattern) for key, item in value.items()}
    return value


# --- what the models hold ------------------------------------------------------------------

TEXT, SHORT, JSON, FILE, THIRD_PARTY = "text", "short", "json", "file", "third party"


def _kind(model_field) -> str | None:
    if isinstance(model_field, models.FileField):
        return FILE
    if isinstance(model_field, models.JSONField):
        return JSON
    if isinstance(model_field, models.TextField):
        return TEXT
    if isinstance(model_field, models.CharField) and not model_field.choices:
        return SHORT
    return None


# Short texts about someone other than the person, kept only for their file (who received
# the equipment for them): replaced whole, never merely scrubbed of the person's names.
THIRD_PARTIES = {("ceremonies", "attendance"): {"proxy_name", "proxy_cin"}}


def _columns(model) -> list[tuple[models.Field, str]]:
    """The model's fields that can hold words, each with its kind."""
    third = THIRD_PARTIES.get((model._meta.app_label, model._meta.model_name), set())
    return [(f, THIRD_PARTY if f.name in third else kind)
            for f in model._meta.concrete_fields if (kind := _kind(f))]


def history_model(model):
    name = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, name).model if name else None


def _emptied(model_field) -> str:
    return "" if model_field.blank or model_field.null else ANONYMISED


# --- finding the rows ----------------------------------------------------------------------

@dataclass
class Rows:
    """The rows of one model found about the person: live keys, and the filter of their
    history records (which also finds the versions of rows deleted since)."""

    live: set = field(default_factory=set)
    history: Q = field(default_factory=lambda: Q(pk__in=[]))


@dataclass
class Found:
    owned: dict = field(default_factory=lambda: defaultdict(Rows))
    shared: dict = field(default_factory=lambda: defaultdict(Rows))


def _keys(model, rows: Rows) -> set:
    """Live keys and the keys of the history's versions (rows deleted since included)."""
    keys = set(rows.live)
    history = history_model(model)
    if history is not None:
        keys |= set(history.objects.filter(rows.history).values_list(model._meta.pk.attname, flat=True))
    return keys


def _with_others(model, keys: set, root_model, root_pk) -> set:
    """Those of `keys` that a many-to-many relation also gives to other files (a group
    project's co-beneficiaries): theirs too, so shared."""
    others = set()
    for relation in model._meta.many_to_many:
        if relation.related_model is root_model:
            others |= set(
                model._base_manager.filter(pk__in=keys)
                .filter(**{f"{relation.name}__isnull": False})
                .exclude(**{relation.name: root_pk})
                .values_list("pk", flat=True)
            )
    return others


def find_rows(root_model, root_pk) -> Found:
    """Every row about the file `root_pk`: owned (about the person alone) or shared."""
    found = Found()
    found.owned[root_model].live = set(
        root_model._base_manager.filter(pk=root_pk).values_list("pk", flat=True)
    )
    found.owned[root_model].history = Q(**{root_model._meta.pk.attname: root_pk})
    # Never other people's files, never the staff: a relation from them is not about the person.
    excluded = {root_model, get_user_model()}
    visited = defaultdict(set)
    queue = [(root_model, True)]
    while queue:
        model, owned = queue.pop(0)
        table = found.owned if owned else found.shared
        keys = _keys(model, table[model]) - visited[(model, owned)]
        if not keys:
            continue
        visited[(model, owned)] |= keys
        for relation in model._meta.related_objects:
            child = relation.related_model
            if child in excluded or (relation.many_to_many and not owned):
                continue
            pk = child._meta.pk.attname
            if relation.many_to_many:
                # Reached through a many-to-many (the ceremonies of their projects): shared.
                live = set(child._base_manager.filter(**{f"{relation.field.name}__in": keys})
                           .values_list("pk", flat=True))
                reached = {False: (live, Q(**{f"{pk}__in": live}))}
            else:
                attname = relation.field.attname
                live = set(child._base_manager.filter(**{f"{attname}__in": keys})
                           .values_list("pk", flat=True))
                history = Q(**{f"{attname}__in": keys}) | Q(**{f"{pk}__in": live})
                if owned:
                    others = _with_others(child, live, root_model, root_pk)
                    reached = {True: (live - others, history & ~Q(**{f"{pk}__in": others})),
                               False: (others, Q(**{f"{pk}__in": others}))}
                else:
                    reached = {False: (live, history)}
            for child_owned, (live, history) in reached.items():
                rows = (found.owned if child_owned else found.shared)[child]
                rows.live |= live
                rows.history |= history
                queue.append((child, child_owned))

    # A row about the person alone is treated as such, even if a shared row reaches it.
    for model, rows in found.shared.items():
        if model in found.owned:
            rows.live -= found.owned[model].live
    return found


# --- rewriting them ------------------------------------------------------------------------

def _rewrite(model, queryset, columns, pattern, *, discard_text: bool) -> None:
    """Rewrite the words of `queryset`'s rows (live or history) row by row."""
    if not columns:
        return
    pk = queryset.model._meta.pk.attname
    # In no order: read through a cursor, an ordered query makes PostgreSQL prefer a plan
    # that starts fast, walking the model's order index and testing every row (the
    # access log newest first: minutes over ten years) over its trigram indexes.
    rows = queryset.order_by().values(pk, *(f.attname for f, _kind in columns))
    for row in rows.iterator(chunk_size=500):
        changes = {}
        for model_field, kind in columns:
            value = row[model_field.attname]
            if value in (None, ""):
                continue
            if kind == TEXT and discard_text:
                new = _emptied(model_field)
            elif kind == THIRD_PARTY:
                new = ANONYMISED[: model_field.max_length]
            elif kind == FILE:
                new = "" if discard_text else value  # a history's path: the file is gone
            elif kind == JSON:
                new = scrub_json(value, pattern)
            else:
                new = scrub(value, pattern, getattr(model_field, "max_length", None))
            if new != value:
                changes[model_field.attname] = new
        if changes:
            queryset.model._base_manager.filter(**{pk: row[pk]}).update(**changes)


def _history_columns(model) -> list:
    history = history_model(model)
    kept = {f.name: f for f in history._meta.concrete_fields}  # less the excluded fields
    columns = [(kept[f.name], kind) for f, kind in _columns(model) if f.name in kept]
    reason = kept["history_change_reason"]
    return [*columns, (reason, TEXT)]


def _delete_files_on_commit(files) -> None:
    for storage, name in files:
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def _forget_owned_files(model, keys: set) -> None:
    """Stored files of rows about the person: deleted (once the transaction commits);
    a row that is nothing without its file (a document) goes with it."""
    for model_field in model._meta.concrete_fields:
        if not isinstance(model_field, models.FileField):
            continue
        rows = model._base_manager.filter(pk__in=keys).exclude(**{model_field.attname: ""})
        names = [name for name in rows.values_list(model_field.attname, flat=True) if name]
        _delete_files_on_commit((model_field.storage, name) for name in names)
        if model_field.blank:
            rows.update(**{model_field.attname: ""})
        else:
            model._base_manager.filter(pk__in=keys).delete()


def _rewrite_project_titles(rows: Rows) -> None:
    title = Concat(
        models.Subquery(Sector.objects.filter(pk=models.OuterRef("sector_id")).values("name_fr")[:1]),
        models.Value(f" — {ANONYMISED}"),
        output_field=models.CharField(),
    )
    Project.objects.filter(pk__in=rows.live).update(title=title)
    history_model(Project).objects.filter(rows.history).update(title=title)


def _year_only(day: datetime.date | None) -> datetime.date | None:
    return day.replace(month=1, day=1) if day else None


def _file_changes(values: dict, model) -> dict:
    """The file's own row (or one of its history records) without the person."""
    changes = {}
    for model_field, kind in _columns(model):
        if kind in (SHORT, TEXT) and model_field.editable and values.get(model_field.attname):
            changes[model_field.attname] = _emptied(model_field)
    birth = _year_only(values["birth_date"])
    release = _year_only(values["release_date"])
    if release is not None and release <= birth:
        release = values["release_date"]  # the year alone would put it before the birth
    return {**changes, "birth_date": birth, "release_date": release}


def _anonymise_file_history(root_pk) -> None:
    history = history_model(Beneficiary)
    names = [f.attname for f, _kind in _columns(Beneficiary)]
    for values in history.objects.filter(id=root_pk).values(
        "history_id", "birth_date", "release_date", *names
    ):
        history.objects.filter(history_id=values["history_id"]).update(
            **_file_changes(values, Beneficiary), history_change_reason=""
        )


def _scrub_logs(identity: Identity) -> None:
    """The access log and the admin's change log keep who did what; the person's names
    and numbers typed or shown in them go."""
    pattern = identity.in_logs
    if pattern is None:
        return
    for model, names in ((AccessLog, ("path", "detail")), (LogEntry, ("object_repr", "change_message"))):
        matches = Q(pk__in=[])
        for needle in identity.needles:
            for name in names:
                matches |= Q(**{f"{name}__icontains": needle})
        columns = [(model._meta.get_field(name), SHORT) for name in names]
        _rewrite(model, model._base_manager.filter(matches), columns, pattern, discard_text=False)


def _rewrite_found(found: Found, identity: Identity, *, root_model) -> None:
    for model, rows in found.owned.items():
        if model is root_model:
            continue
        _forget_owned_files(model, rows.live)
        queryset = model._base_manager.filter(pk__in=rows.live)
        _rewrite(model, queryset, _columns(model), identity.everything, discard_text=True)
    for model, rows in found.shared.items():
        queryset = model._base_manager.filter(pk__in=rows.live)
        _rewrite(model, queryset, _columns(model), identity.distinctive, discard_text=False)
    for ceremony in Ceremony.objects.filter(pk__in=found.shared[Ceremony].live):
        forget_stored_documents(ceremony)
    # The history last: deleting a document above wrote a version of it.
    for table, owned in ((found.owned, True), (found.shared, False)):
        for model, rows in table.items():
            history = history_model(model)
            if history is None or model is root_model:
                continue
            pattern = identity.everything if owned else identity.distinctive
            _rewrite(history, history.objects.filter(rows.history), _history_columns(model),
                     pattern, discard_text=owned)
    if Project in found.owned:
        _rewrite_project_titles(found.owned[Project])
    _scrub_logs(identity)


# --- the retention period -------------------------------------------------------------------

# Projects still under way: a file whose project is one of these is held back (and listed
# by the command), as its figures and follow-up are still being written.
RUNNING = [Project.Status.SUBMITTED, Project.Status.APPROVED, Project.Status.EQUIPPED,
           Project.Status.ACTIVE]


def _cutoff(years: int, today: datetime.date) -> datetime.datetime:
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def closed_beyond_retention(*, years: int, today: datetime.date | None = None):
    """Files closed (`closed_at`, the last closure) more than `years` ago and not yet
    anonymised. Edits after the closure do not restart the clock; a reopened file
    starts it again at its next closure. A file closed by some other door than
    `close_file` (none today) counts from its last change rather than never."""
    return Beneficiary.objects.annotate(
        closure=Coalesce("closed_at", "updated_at"),
    ).filter(
        status=Beneficiary.Status.CLOSED, anonymised_at__isnull=True,
        closure__lt=_cutoff(years, today or timezone.localdate()),
    ).order_by("file_number")


def with_running_project(files):
    running = Project.objects.filter(beneficiary=models.OuterRef("pk"), status__in=RUNNING)
    return files.filter(models.Exists(running))


def files_due_for_anonymisation(*, years: int, today: datetime.date | None = None):
    files = closed_beyond_retention(years=years, today=today)
    return files.exclude(pk__in=with_running_project(files).values("pk"))


def _identity(beneficiary: Beneficiary) -> Identity:
    return Identity.of([beneficiary, *history_model(Beneficiary).objects.filter(id=beneficiary.pk)])


@transaction.atomic
def anonymise_beneficiary(*, beneficiary: Beneficiary) -> Beneficiary:
    """Remove what identifies the person everywhere; keep what the reports count."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    identity = _identity(beneficiary)
    _rewrite_found(find_rows(Beneficiary, beneficiary.pk), identity, root_model=Beneficiary)
    _anonymise_file_history(beneficiary.pk)
    values = {f.attname: getattr(beneficiary, f.attname) for f in Beneficiary._meta.concrete_fields}
    for name, value in _file_changes(values, Beneficiary).items():
        setattr(beneficiary, name, value)
    beneficiary.anonymised_at = timezone.now()
    beneficiary.save()
    return beneficiary


def scrub_deleted_beneficiary(beneficiary: Beneficiary) -> None:
    """A file deleted (Django admin, a script) leaves its history: the versions of the
    file and of its documents, the admin's log. What identified the person goes from
    them; that a file existed and who deleted it, when, stays."""
    identity = _identity(beneficiary)
    _rewrite_found(find_rows(Beneficiary, beneficiary.pk), identity, root_model=Beneficiary)
    _anonymise_file_history(beneficiary.pk)
