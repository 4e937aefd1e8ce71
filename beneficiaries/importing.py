"""Import of beneficiaries' files from the spreadsheets the foundation already keeps.

Two steps. `dry_run` reads a CSV or XLSX file and says, row by row, what would be
created, what duplicates an existing file (or another row) and why each bad row is bad
(row number, column, reason); it writes nothing. `import_rows` then registers every good
row through `services.create_beneficiary`, all in one transaction: every file or none.

Between the two steps the uploaded file waits in a private temporary directory (never
under MEDIA_ROOT), named by a random token that only the user's session holds.
"""

import csv
import datetime
import io
import re
import secrets
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.datetime import from_excel

from reintegration.accounts.models import User
from reintegration.accounts.scope import is_national
from reintegration.common.bidi import strip_bidi_controls
from reintegration.common.dates import format_date
from reintegration.common.validators import normalise_cin, normalise_phone
from reintegration.territories.models import Prefecture

from .models import Beneficiary, PenitentiaryEstablishment
from .selectors import BY_CIN, BY_NAME_AND_BIRTH_DATE, Lookup
from .services import create_beneficiary

MAX_FILE_SIZE = 5 * 1024 * 1024
MAX_ROWS = 2000
SESSION_KEY = "beneficiary_import"
STALE_AFTER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class ImportColumn:
    header: str  # French, as in the foundation's spreadsheets
    field: str
    kind: str = "text"  # text, date, sex, prefecture, establishment, integer, choice, cin, phone
    required: bool = False
    help: Any = ""


COLUMNS = [
    ImportColumn("nom", "last_name", required=True, help=gettext_lazy("Last name, Latin letters")),
    ImportColumn("prenom", "first_name", required=True,
                 help=gettext_lazy("First name, Latin letters")),
    ImportColumn("nom_ar", "last_name_ar", help=gettext_lazy("Last name in Arabic script")),
    ImportColumn("prenom_ar", "first_name_ar", help=gettext_lazy("First name in Arabic script")),
    ImportColumn("cin", "cin", "cin", help=gettext_lazy("National ID number, e.g. AB123456")),
    ImportColumn("date_naissance", "birth_date", "date", required=True,
                 help=gettext_lazy("Date of birth, DD/MM/YYYY")),
    ImportColumn("sexe", "sex", "sex", required=True, help=gettext_lazy("M or F")),
    ImportColumn("telephone", "phone", "phone", help=gettext_lazy("e.g. 0612345678")),
    ImportColumn("adresse", "address"),
    ImportColumn("prefecture", "prefecture", "prefecture", required=True,
                 help=gettext_lazy("HCP code (e.g. 04.501) or French name")),
    ImportColumn("etablissement", "establishment", "establishment",
                 help=gettext_lazy("Penitentiary establishment, as registered in the application")),
    ImportColumn("date_liberation", "release_date", "date",
                 help=gettext_lazy("Release date, DD/MM/YYYY")),
    ImportColumn("duree_detention_mois", "detention_months", "integer",
                 help=gettext_lazy("Months of detention")),
    ImportColumn("niveau_etudes", "education_level", "choice"),
    ImportColumn("situation_familiale", "family_status", "choice"),
    ImportColumn("personnes_a_charge", "dependents", "integer"),
    ImportColumn("formation_detention", "prison_training"),
    ImportColumn("competences", "skills"),
    ImportColumn("date_consentement", "consent_signed_on", "date",
                 help=gettext_lazy("Date the data-processing consent was signed")),
    ImportColumn("tuteur", "guardian_name", help=gettext_lazy("Guardian's name (minors)")),
    ImportColumn("date_consentement_tuteur", "guardian_consent_signed_on", "date",
                 help=gettext_lazy("Date the guardian signed the consent (minors)")),
]
BY_HEADER = {column.header: column for column in COLUMNS}
BY_FIELD = {column.field: column for column in COLUMNS}
REQUIRED = [column.header for column in COLUMNS if column.required]

SEXES = {
    Beneficiary.Sex.MALE: {"m", "h", "homme", "masculin", "male", "ذكر"},
    Beneficiary.Sex.FEMALE: {"f", "femme", "feminin", "female", "انثى"},
}
CHOICES = {
    "education_level": Beneficiary.EducationLevel,
    "family_status": Beneficiary.FamilyStatus,
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
# Signatures of files that are certainly not spreadsheets.
NOT_SPREADSHEETS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!")
OLD_EXCEL = b"\xd0\xcf\x11\xe0"


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, translated."""


def normalise(text: Any) -> str:
    """"  Préfecture " -> "prefecture": lower case, no accents, single underscores."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[\s\-'’]+", "_", text.strip().lower()).strip("_")


def normalise_name(text: Any) -> str:
    """For comparing names: lower case, no accents, single spaces; Arabic kept (and
    alef forms unified)."""
    text = str(text or "").strip()
    text = re.sub("[أإآ]", "ا", text)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s\-_]+", " ", text.casefold()).strip()


# --- reading the file -----------------------------------------------------------------

def read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, list]]]:
    """Headers and numbered rows of the first sheet of an XLSX file or of a CSV file."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path)
    if head.startswith(OLD_EXCEL):
        raise ImportFileError(_(
            "This is an old Excel file (.xls): open it in Excel or LibreOffice and save it "
            "as .xlsx or .csv."
        ))
    if head.startswith(NOT_SPREADSHEETS) or b"\x00" in head:
        raise ImportFileError(_("This file is not a spreadsheet: upload an .xlsx or .csv file."))
    return _read_csv(path)


def _read_xlsx(path: Path):
    handle = open(path, "rb")  # noqa: SIM115 - closed when the rows are read or on error
    # A damaged or hostile workbook can fail inside openpyxl (zip, XML) with many kinds
    # of error: every one of them means "not a readable workbook", never a 500.
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        headers = next(rows, None)
    except Exception as error:
        handle.close()
        raise ImportFileError(
            _("This file is not a readable Excel workbook: upload an .xlsx or .csv file.")
        ) from error
    if headers is None:
        handle.close()
        raise ImportFileError(_("The file is empty."))

    def numbered():
        try:
            for number, row in enumerate(rows, start=2):
                yield number, list(row)
        except Exception as error:
            raise ImportFileError(
                _("This file is not a readable Excel workbook: upload an .xlsx or .csv file.")
            ) from error
        finally:
            workbook.close()
            handle.close()

    return [str(h) if h is not None else "" for h in headers], numbered()


def _read_csv(path: Path):
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost everything
        raise ImportFileError(_("This file is not a spreadsheet: upload an .xlsx or .csv file."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        headers = next(reader, None)
    except csv.Error as error:
        raise ImportFileError(_("This file is not a readable CSV file.")) from error
    if not headers:
        raise ImportFileError(_("The file is empty."))

    def numbered():
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as error:
            raise ImportFileError(_("This file is not a readable CSV file.")) from error

    return headers, numbered()


# --- one value at a time --------------------------------------------------------------

def as_text(value: Any) -> str:
    """A cell as text: trimmed, without bidi controls (the import's door, as
    `StripBidiControlsMiddleware` is the forms'), a date as DD/MM/YYYY."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return format_date(value)
    return strip_bidi_controls(str(value)).strip()


def parse_date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:  # an Excel date stored as a number
            return from_excel(value).date()
        except (ValueError, OverflowError, TypeError):
            pass
    text = as_text(value)
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    raise ValidationError(
        _("“%(value)s” is not a date: write it DD/MM/YYYY (e.g. 17/05/1990).") % {"value": text}
    )


def parse_sex(value: Any) -> str:
    key = normalise(value) or str(value or "").strip()
    for sex, spellings in SEXES.items():
        if key in spellings or normalise_name(value) in spellings:
            return sex
    raise ValidationError(_("“%(value)s” is not a sex: write M or F.") % {"value": as_text(value)})


def parse_integer(value: Any) -> int | None:
    text = as_text(value)
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": text})
    return int(text)


def parse_choice(value: Any, choices) -> str:
    key = normalise(value)
    if not key:
        return ""
    with translation.override("fr"):
        french = {normalise(label): code for code, label in choices.choices}
    for code, label in choices.choices:
        french.setdefault(normalise(code), code)
        french.setdefault(normalise(str(label)), code)
    if key in french:
        return french[key]
    with translation.override("fr"):
        accepted = ", ".join(str(label) for _code, label in choices.choices)
    raise ValidationError(
        _("“%(value)s” is not one of: %(accepted)s.") % {"value": as_text(value), "accepted": accepted}
    )


# --- the rows -------------------------------------------------------------------------

@dataclass
class RowResult:
    number: int
    values: dict[str, str]
    fields: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    NEW, DUPLICATE, ERROR = "new", "duplicate", "error"

    @property
    def status(self) -> str:
        if self.errors:
            return self.ERROR
        if self.duplicates:
            return self.DUPLICATE
        return self.NEW

    @property
    def name(self) -> str:
        return f"{self.values.get('prenom', '')} {self.values.get('nom', '')}".strip()

    def error(self, column: str, message) -> None:
        self.errors.append((column, str(message)))


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # The files the duplicate checks found, for the access log (selectors.log_lookups).
    lookups: list[Lookup] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def new_count(self) -> int:
        return self._count(RowResult.NEW)

    @property
    def duplicate_count(self) -> int:
        return self._count(RowResult.DUPLICATE)

    @property
    def error_count(self) -> int:
        return self._count(RowResult.ERROR)

    @property
    def new_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.status == RowResult.NEW]


class _Lookups:
    """Reference data read once per import (a few queries, whatever the row count)."""

    def __init__(self, user: User):
        prefectures = list(Prefecture.objects.all())
        self.prefectures = {}
        for prefecture in prefectures:
            self.prefectures[prefecture.code] = prefecture
            self.prefectures[normalise(prefecture.name_fr)] = prefecture
            self.prefectures[normalise_name(prefecture.name_ar)] = prefecture
        self.national = is_national(user)
        self.scope = set(user.prefectures.values_list("pk", flat=True))
        self.establishments: dict[str, list[PenitentiaryEstablishment]] = {}
        for establishment in PenitentiaryEstablishment.objects.all():
            self.establishments.setdefault(normalise(establishment.name), []).append(establishment)

    def prefecture(self, value: Any) -> Prefecture:
        if isinstance(value, float):  # "04.501" typed into a number cell
            value = f"{value:06.3f}"
        text = as_text(value)
        found = (
            self.prefectures.get(text)
            or self.prefectures.get(normalise(text))
            or self.prefectures.get(normalise_name(text))
        )
        if found is None:
            raise ValidationError(
                _("Unknown prefecture or province “%(value)s”: write its HCP code (e.g. 04.501) "
                  "or its French name.") % {"value": text}
            )
        if not self.national and found.pk not in self.scope:
            raise ValidationError(
                _("%(prefecture)s is outside your prefectures.") % {"prefecture": found.name_fr}
            )
        return found

    def establishment(self, value: Any, prefecture: Prefecture | None):
        text = as_text(value)
        if not text:
            return None
        found = self.establishments.get(normalise(text), [])
        if len(found) > 1 and prefecture is not None:
            found = [e for e in found if e.prefecture_id == prefecture.pk] or found
        if len(found) == 1:
            return found[0]
        if not found:
            raise ValidationError(
                _("Unknown establishment “%(value)s”: ask an administrator to add it first.")
                % {"value": text}
            )
        raise ValidationError(_("Several establishments are called “%(value)s”.") % {"value": text})


def _parse_row(row: RowResult, raw: dict[str, Any], lookups: _Lookups) -> None:
    fields: dict[str, Any] = {}
    for header, value in raw.items():
        column = BY_HEADER[header]
        try:
            if column.kind == "date":
                fields[column.field] = parse_date(value)
            elif column.kind == "sex":
                fields[column.field] = parse_sex(value)
            elif column.kind == "integer":
                number = parse_integer(value)
                if number is not None:
                    fields[column.field] = number
            elif column.kind == "choice":
                fields[column.field] = parse_choice(value, CHOICES[column.field])
            elif column.kind == "prefecture":
                fields[column.field] = lookups.prefecture(value)
            elif column.kind == "establishment":
                continue  # after the prefecture, below
            elif column.kind == "cin":
                fields[column.field] = normalise_cin(as_text(value))
            elif column.kind == "phone":
                fields[column.field] = normalise_phone(as_text(value))
            else:
                fields[column.field] = as_text(value)
        except ValidationError as error:
            for message in error.messages:
                row.error(header, message)
    if "etablissement" in raw:
        try:
            fields["establishment"] = lookups.establishment(
                raw["etablissement"], fields.get("prefecture")
            )
        except ValidationError as error:
            row.error("etablissement", error.messages[0])
    for header in REQUIRED:
        column = BY_HEADER[header]
        if header in raw and fields.get(column.field) in (None, "") and not any(
            error_header == header for error_header, _message in row.errors
        ):
            row.error(header, _("This column is required."))
    row.fields = fields
    if row.errors:
        return
    # The model's own rules (name scripts, CIN shape, dates, a guardian for a minor).
    # Foreign keys are already resolved; uniqueness is checked for the whole file below.
    beneficiary = Beneficiary(**fields)
    try:
        beneficiary.full_clean(
            exclude=["file_number", "prefecture", "establishment", "created_by"],
            validate_unique=False, validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            header = BY_FIELD[name].header if name in BY_FIELD else ""
            if name == NON_FIELD_ERRORS:
                header = ""
            for message in messages:
                row.error(header, message)


def _find_duplicates(rows: list[RowResult], user: User) -> list[Lookup]:
    """National ID or name + date of birth already registered, or twice in the file.
    Returns the files found, each as the user may know of it."""
    valid = [row for row in rows if not row.errors]
    cins = {row.fields["cin"] for row in valid if row.fields.get("cin")}
    dates = {row.fields["birth_date"] for row in valid}
    found = ("pk", "public_id", "cin", "first_name", "last_name", "birth_date", "file_number")
    holders = {b.cin: b for b in Beneficiary.objects.filter(cin__in=cins).only(*found)}
    same_people: dict[tuple, list[Beneficiary]] = {}
    for beneficiary in Beneficiary.objects.filter(birth_date__in=dates).only(*found):
        key = (normalise_name(beneficiary.first_name), normalise_name(beneficiary.last_name),
               beneficiary.birth_date)
        same_people.setdefault(key, []).append(beneficiary)
    visible_pks = set(
        Beneficiary.objects.visible_to(user).filter(
            pk__in=[b.pk for b in holders.values()] + [b.pk for s in same_people.values() for b in s]
        ).values_list("pk", flat=True)
    )
    lookups = []

    first_row_with_cin: dict[str, int] = {}
    first_row_with_person: dict[tuple, int] = {}
    for row in valid:
        cin = row.fields.get("cin")
        if cin:
            if cin in holders:
                holder = holders[cin]
                lookups.append(Lookup(found=holder, by=BY_CIN, in_scope=holder.pk in visible_pks))
                row.duplicates.append(
                    _("The national ID number %(cin)s is already registered (file %(number)s).")
                    % {"cin": cin, "number": holder.file_number}
                    if holder.pk in visible_pks
                    else _("The national ID number %(cin)s is already registered in another "
                           "prefecture.") % {"cin": cin}
                )
            elif cin in first_row_with_cin:
                row.duplicates.append(
                    _("The national ID number %(cin)s is already on row %(row)s of this file.")
                    % {"cin": cin, "row": first_row_with_cin[cin]}
                )
            first_row_with_cin.setdefault(cin, row.number)
        key = (
            normalise_name(row.fields["first_name"]), normalise_name(row.fields["last_name"]),
            row.fields["birth_date"],
        )
        if key in same_people:
            lookups.extend(
                Lookup(found=b, by=BY_NAME_AND_BIRTH_DATE, in_scope=b.pk in visible_pks)
                for b in same_people[key]
            )
            numbers = [b.file_number for b in same_people[key] if b.pk in visible_pks]
            row.duplicates.append(
                _("A file with the same name and date of birth exists (file %(number)s).")
                % {"number": numbers[0]}
                if numbers
                else _("A file with the same name and date of birth exists in another prefecture.")
            )
        elif key in first_row_with_person:
            row.duplicates.append(
                _("The same name and date of birth are already on row %(row)s of this file.")
                % {"row": first_row_with_person[key]}
            )
        first_row_with_person.setdefault(key, row.number)
    return lookups


def dry_run(path: Path, user: User) -> ImportReport:
    """Read the file and report every row; write nothing."""
    report = ImportReport()
    try:
        headers, rows = read_table(path)
        normalised = [normalise(header) for header in headers]
        missing = [header for header in REQUIRED if header not in normalised]
        if missing:
            raise ImportFileError(
                _("Missing columns: %(columns)s. The first row must hold the column names of "
                  "the template.") % {"columns": ", ".join(missing)}
            )
        repeated = sorted({h for h in normalised if h and normalised.count(h) > 1})
        if repeated:
            raise ImportFileError(
                _("These columns appear twice: %(columns)s.") % {"columns": ", ".join(repeated)}
            )
        report.ignored_columns = [
            header for header, key in zip(headers, normalised, strict=True)
            if key not in BY_HEADER and str(header).strip()
        ]
        lookups = _Lookups(user)
        for number, values in rows:
            if not any(as_text(value) for value in values):
                continue
            if len(report.rows) >= MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(max)s rows: split it into several files.")
                    % {"max": MAX_ROWS}
                )
            raw = {
                key: values[index] if index < len(values) else None
                for index, key in enumerate(normalised) if key in BY_HEADER
            }
            row = RowResult(number=number, values={k: as_text(v) for k, v in raw.items()})
            _parse_row(row, raw, lookups)
            report.rows.append(row)
    except ImportFileError as error:
        report.file_errors.append(str(error))
        report.rows = []
        return report
    if not report.rows:
        report.file_errors.append(_("The file has no row to import under its column names."))
        return report
    report.lookups = _find_duplicates(report.rows, user)
    return report


class ImportRowError(Exception):
    def __init__(self, row: RowResult, error: ValidationError):
        self.row, self.error = row, error
        super().__init__(f"row {row.number}: {error}")


@transaction.atomic
def import_rows(*, user: User, report: ImportReport) -> list[Beneficiary]:
    """Register every new row of a dry run's report: all of them, or (on any error) none."""
    created = []
    for row in report.new_rows:
        try:
            created.append(create_beneficiary(user=user, fields=row.fields))
        except ValidationError as error:
            raise ImportRowError(row, error) from error
    return created


# --- the file between the two steps ---------------------------------------------------

def import_dir() -> Path:
    directory = Path(
        getattr(settings, "IMPORT_TEMP_DIR", None) or Path(tempfile.gettempdir()) / "reinsertion-imports"
    )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def store_upload(uploaded) -> str:
    """Keep an uploaded file until the import is confirmed; return its token."""
    _purge_stale()
    token = secrets.token_hex(16)
    with open(import_dir() / token, "wb") as target:
        for chunk in uploaded.chunks():
            target.write(chunk)
    return token


def stored_path(token: str) -> Path | None:
    if not isinstance(token, str) or not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    path = import_dir() / token
    return path if path.is_file() else None


def discard(token: str) -> None:
    path = stored_path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def _purge_stale() -> None:
    limit = time.time() - STALE_AFTER_SECONDS
    for path in import_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


# --- the template spreadsheet ---------------------------------------------------------

def template_workbook() -> bytes:
    """An XLSX with the expected columns (French headers) and a sheet explaining them."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "beneficiaires"
    sheet.append([column.header for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            14, len(column.header) + 4
        )
    help_sheet = workbook.create_sheet(_("Help")[:31])
    help_sheet.append([_("Column"), _("Required"), _("What to write")])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        help_sheet.append([
            column.header, _("yes") if column.required else "", str(column.help or ""),
        ])
    help_sheet.column_dimensions["A"].width = 28
    help_sheet.column_dimensions["C"].width = 70
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
