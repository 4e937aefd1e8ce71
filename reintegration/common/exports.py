"""THE export mechanism: a list's rows as CSV (streamed) or XLSX, and the mixin that
gives every django-filter list `?export=csv|xlsx`.

A list exports exactly what it shows: the view's own filterset, built on the view's own
`get_queryset()` (hence the user's scope), every page of it. Columns a role may not see
are left out (`Column.only_for`); each export is written to the access log.

Rows are read with `queryset.iterator(chunk_size=…)`, so 100,000 rows never sit in
memory at once: the CSV is streamed as it is read, the XLSX is written row by row
(openpyxl's write-only mode) to an anonymous temporary file, then sent from disk.
"""

import csv
import datetime
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .bidi import LTR, RTL, direction, isolate

CHUNK_SIZE = 2000
FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UTF8_BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with this mark

# Characters a spreadsheet takes as the start of a formula ("CSV injection", OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A sign followed by digits only (a phone number in E.164, a negative amount typed as
# text) computes nothing: it is left as typed.
SIGNED_NUMBER = re.compile(r"^[+-][\d\s.,]*$")
# Control characters that the XLSX format cannot hold.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Column:
    """One column of an export.

    `accessor`: a dotted path ("prefecture.name", "get_status_display": a callable at
    the end is called) or a function of the row. `only_for`: a function of the user;
    when given, the column is exported only to users for whom it returns true.
    """

    header: str | Promise
    accessor: str | Callable[[Any], Any]
    only_for: Callable[[Any], bool] | None = None

    def value(self, row) -> Any:
        if callable(self.accessor):
            return self.accessor(row)
        value = row
        for part in self.accessor.split("."):
            value = getattr(value, part, None) if value is not None else None
            if callable(value) and not isinstance(value, Model):
                value = value()
        return value


def columns_for(user, columns: Iterable[Column]) -> list[Column]:
    return [column for column in columns if column.only_for is None or column.only_for(user)]


def _plain(value) -> Any:
    """A cell value both formats understand: str, int, Decimal, date, naive datetime."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(translation.gettext("Yes") if value else translation.gettext("No"))
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, (int, Decimal, datetime.date)):
        return value
    if isinstance(value, Model):
        return str(value)
    return str(value)


def text_cell(text: str) -> str:
    """A text as both formats write it: without the control characters XLSX cannot
    hold, and never read as a formula by a spreadsheet (a leading apostrophe, the mark
    Excel and LibreOffice take for "this is text"). An empty text stays empty."""
    text = ILLEGAL_XML.sub("", text)
    if text.startswith(FORMULA_START) and not SIGNED_NUMBER.match(text):
        return "'" + text
    return text


def isolate_cell(text: str) -> str:
    """A text cell that reads the other way from the export's language is isolated
    (LRI or RLI … PDI, reintegration/common/bidi.py): a spreadsheet lays a cell out in the
    sheet's direction, so "PRJ-2026-00004" or a name ending in a full stop is reordered in
    an Arabic (right-to-left) sheet, an Arabic name in a French one. Cells without letters
    (numbers, dates) and cells in the sheet's direction stay as they are, so that a
    spreadsheet still reads a number typed as text as a number."""
    if not text or not any(char.isalpha() for char in text):
        return text
    sheet = RTL if (translation.get_language() or "").startswith("ar") else LTR
    return text if direction(text) == sheet else isolate(text)


def csv_cell(value, decimal_comma: bool) -> str:
    value = _plain(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, int):
        return str(value)
    return isolate_cell(text_cell(value))


def xlsx_cell(value) -> Any:
    """The cell's value; None (a cell left out, truly empty) for an empty text."""
    value = _plain(value)
    if isinstance(value, str):
        # Neutralised, a text never starts with "=", which openpyxl would store as a formula.
        return isolate_cell(text_cell(value)) or None
    return value


class _Echo:
    """A file-like object whose `write` returns the line, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_rows(queryset: QuerySet, columns: Sequence[Column], language: str) -> Iterator[str]:
    return csv_lines(queryset.iterator(chunk_size=CHUNK_SIZE), columns, language)


def csv_lines(rows: Iterable, columns: Sequence[Column], language: str) -> Iterator[str]:
    with translation.override(language):
        # Excel in French and Arabic expects ";" between cells and a decimal comma.
        decimal_comma = not language.startswith("en")
        writer = csv.writer(_Echo(), delimiter=";" if decimal_comma else ",")
        yield UTF8_BOM + writer.writerow([str(column.header) for column in columns])
        for row in rows:
            yield writer.writerow([csv_cell(column.value(row), decimal_comma) for column in columns])


def _counted(rows: Iterator, progress: Callable[[int], None]) -> Iterator:
    """The rows, telling `progress` how many have gone every CHUNK_SIZE rows."""
    for count, row in enumerate(rows, start=1):
        if count % CHUNK_SIZE == 0:
            progress(count)
        yield row


def csv_response(queryset: QuerySet, columns: Sequence[Column], filename: str) -> StreamingHttpResponse:
    language = translation.get_language() or "fr"
    response = StreamingHttpResponse(
        csv_rows(queryset, columns, language), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def write_xlsx(rows: Iterable[Sequence], headers: Sequence[str], title: str, target) -> None:
    """Write a one-sheet workbook (bold header row, frozen) of `rows` to `target`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Export")
    sheet.freeze_panes = "A2"
    # An Arabic export reads right to left, first column on the right.
    sheet.sheet_view.rightToLeft = (translation.get_language() or "").startswith("ar")
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=xlsx_cell(str(header)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            value = xlsx_cell(value)
            if isinstance(value, (datetime.date, datetime.datetime)):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = (
                    "DD/MM/YYYY HH:MM" if isinstance(value, datetime.datetime) else "DD/MM/YYYY"
                )
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    workbook.save(target)


def xlsx_response(queryset: QuerySet, columns: Sequence[Column], filename: str,
                  title: str = "") -> FileResponse:
    # An anonymous temporary file: gone from disk as soon as the response closes it.
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    rows = (
        [column.value(row) for column in columns]
        for row in queryset.iterator(chunk_size=CHUNK_SIZE)
    )
    write_xlsx(rows, [str(column.header) for column in columns], str(title), target)
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_CONTENT_TYPE
    )


def export_response(export_format: str, queryset: QuerySet, columns: Sequence[Column],
                    filename: str, title: str = ""):
    if export_format == "csv":
        return csv_response(queryset, columns, filename)
    if export_format == "xlsx":
        return xlsx_response(queryset, columns, filename, title)
    raise Http404("Unknown export format.")


class ExportMixin:
    """`?export=csv` or `?export=xlsx` on a django-filter `FilterView` exports the
    filtered rows of the list, every page, in the user's scope.

    A view sets `export_columns` (a list of `Column`) and `export_filename`, and
    `export_select_related` (or overrides `get_export_queryset`) to preload what the
    columns read beyond what the list shows.
    The template shows the buttons with `{% include "common/_export_buttons.html" %}`.
    """

    export_columns: Sequence[Column] = ()
    export_filename = "export"
    # Relations the columns read that the list's own queryset does not preload.
    export_select_related: Sequence[str] = ()

    def get(self, request, *args, **kwargs):
        export_format = request.GET.get("export")
        if not export_format:
            return super().get(request, *args, **kwargs)
        if export_format not in FORMATS:
            raise Http404("Unknown export format.")
        return self.export(export_format)

    def get_export_columns(self) -> list[Column]:
        return columns_for(self.request.user, self.export_columns)

    def get_export_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.export_select_related:
            queryset = queryset.select_related(*self.export_select_related)
        return queryset

    def filtered_queryset(self) -> QuerySet:
        """The list's rows with its filters: the same steps as `FilterView.get`."""
        self.filterset = self.get_filterset(self.get_filterset_class())
        if (
            self.filterset.is_bound
            and not self.filterset.is_valid()
            and self.get_strict()
        ):
            return self.filterset.queryset.none()
        return self.filterset.qs

    def export(self, export_format: str):
        from reintegration.audit.models import AccessLog, log_access

        queryset = self.get_export_queryset(self.filtered_queryset())
        columns = self.get_export_columns()
        today = timezone.localdate().isoformat()
        filename = f"{slugify(self.export_filename) or 'export'}-{today}"
        count = queryset.count()
        label = queryset.model._meta.verbose_name_plural
        filters = self.request.GET.copy()
        filters.pop("export", None)
        filters.pop("page", None)
        log_access(
            self.request,
            AccessLog.Action.EXPORT,
            detail=f"{label} ({export_format}, {count}): {filters.urlencode()}",
        )
        if count > settings.EXPORT_JOB_ROWS and not getattr(self, "in_export_job", False):
            # Written by a worker to private storage; its page gives the file to its
            # requester when ready (reintegration/common/tasks.py).
            from reintegration.common.tasks import start_export_job

            job = start_export_job(request=self.request, title=f"{label} ({export_format})", total=count)
            return redirect("jobs:detail", public_id=job.public_id)
        return export_response(export_format, queryset, columns, filename, title=str(label))

    def export_to_file(self, export_format: str, target, progress: Callable[[int], None]) -> str:
        """The export, written to `target` (a binary file) instead of a response, for the
        export job; `progress(rows)` told every CHUNK_SIZE rows. Returns the file's name."""
        queryset = self.get_export_queryset(self.filtered_queryset())
        columns = self.get_export_columns()
        filename = f"{slugify(self.export_filename) or 'export'}-{timezone.localdate().isoformat()}"
        rows = _counted(queryset.iterator(chunk_size=CHUNK_SIZE), progress)
        if export_format == "csv":
            language = translation.get_language() or "fr"
            for line in csv_lines(rows, columns, language):
                target.write(line.encode("utf-8"))
            return f"{filename}.csv"
        label = queryset.model._meta.verbose_name_plural
        values = ([column.value(row) for column in columns] for row in rows)
        write_xlsx(values, [str(column.header) for column in columns], str(label), target)
        return f"{filename}.xlsx"

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        kwargs.setdefault("export_query", query.urlencode())
        return super().get_context_data(**kwargs)
