"""The access log over the years: one partition a month on PostgreSQL, an archive past
the retention period.

Every full display, download and export writes a row (`log_access`): tens of millions
in ten years for a national programme. On PostgreSQL `audit_accesslog` is partitioned by
month on `at` (migration `audit/0004`):

- partitions `audit_accesslog_pYYYY_MM`, months in UTC, each with the parent's indexes:
  the primary key `(id, at)` (a partitioned table's key must hold the partition key;
  Django still knows the row by `id` alone, which stays unique: one sequence feeds it),
  a BRIN index on `at` (a few pages a month: date ranges), a B-tree on `at` (the
  newest-first page of the log) and on `(user, -at)` and `object_id` (the searches);
- a default partition catches a row whose month has no partition yet (a timer that did
  not run, a clock gone wrong): nothing is ever refused. `create_partitions` moves such
  rows into their month's partition when it creates it;
- `create_partitions()` creates the coming months ahead (`manage.py
  create_access_log_partitions`, daily by Celery
  beat through `maintain_access_log`);
- `archive_expired()` exports each month older than `ACCESS_LOG_RETENTION_MONTHS` to a
  gzip CSV in the private storage (`archives/access-log/`), checks the rows written
  against the rows counted, then detaches and drops the partition: one catalogue change
  instead of deleting millions of rows (`manage.py archive_access_log`).

On SQLite (`make run`) and any database where the table is not partitioned the same
functions work on the plain table: no partition to create, and the archive exports then
deletes the expired rows month by month.
"""

import csv
import datetime
import gzip
import io
import logging
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from .models import AccessLog

logger = logging.getLogger(__name__)

TABLE = AccessLog._meta.db_table
DEFAULT_PARTITION = f"{TABLE}_default"
ARCHIVE_FOLDER = "archives/access-log"
COLUMNS = ["id", "at", "user_id", "action", "object_type", "object_id", "detail", "ip_address", "path"]


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month's first instant and the next month's, in UTC (the partitions' bounds)."""
    start = datetime.datetime(month.year, month.month, 1, tzinfo=datetime.UTC)
    following = add_months(month, 1)
    return start, datetime.datetime(following.year, following.month, 1, tzinfo=datetime.UTC)


def partition_name(month: datetime.date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


def current_month(now: datetime.datetime | None = None) -> datetime.date:
    now = now or timezone.now()
    return month_start(now.astimezone(datetime.UTC).date())


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def partitions() -> dict[datetime.date, str]:
    """The month partitions that exist, by month (the default partition aside)."""
    if not is_partitioned():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits "
            "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE pg_inherits.inhparent = to_regclass(%s)",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    found = {}
    prefix = f"{TABLE}_p"
    for name in names:
        if name.startswith(prefix):
            year, month = name[len(prefix):].split("_")
            found[datetime.date(int(year), int(month), 1)] = name
    return found


def create_partition(month: datetime.date) -> str:
    """Create the partition of `month` (the first of a month), moving into it the rows
    the default partition holds for that month. Returns its name."""
    name = partition_name(month)
    start, end = month_bounds(month)
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        # Made apart, then attached: ATTACH checks the default partition holds no row
        # of the month, which the move has just ensured, in the same transaction.
        cursor.execute(f"CREATE TABLE {quote(name)} (LIKE {quote(TABLE)} INCLUDING DEFAULTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {quote(DEFAULT_PARTITION)} "
            f"WHERE at >= %s AND at < %s RETURNING *) "
            f"INSERT INTO {quote(name)} SELECT * FROM moved",
            [start, end],
        )
        cursor.execute(
            f"ALTER TABLE {quote(TABLE)} ATTACH PARTITION {quote(name)} "
            f"FOR VALUES FROM (%s) TO (%s)",
            [start, end],
        )
    return name


def create_partitions(*, months_ahead: int | None = None, now=None) -> list[str]:
    """Create the partitions of this month and of the next `months_ahead` months that
    do not exist yet; returns the names created (none where the table is plain)."""
    if not is_partitioned():
        return []
    if months_ahead is None:
        months_ahead = settings.ACCESS_LOG_PARTITIONS_AHEAD
    existing = partitions()
    first = current_month(now)
    created = []
    for offset in range(months_ahead + 1):
        month = add_months(first, offset)
        if month not in existing:
            created.append(create_partition(month))
    return created


def retention_cutoff(now=None, months: int | None = None) -> datetime.datetime:
    """Rows before this instant are past the retention period: the start of the month
    `months` months before the current one (whole months are kept, in UTC)."""
    if months is None:
        months = settings.ACCESS_LOG_RETENTION_MONTHS
    return month_bounds(add_months(current_month(now), -months))[0]


@dataclass
class Archive:
    month: datetime.date
    path: str
    rows: int


def _save(name: str, spool) -> str:
    spool.seek(0)
    return default_storage.save(f"{ARCHIVE_FOLDER}/{name}", File(spool, name=name))


def _write_rows(rows, spool) -> int:
    """Write `rows` (tuples in COLUMNS order) as gzip CSV into `spool`; returns the count."""
    count = 0
    with gzip.GzipFile(fileobj=spool, mode="wb", mtime=0) as packed:
        text = io.TextIOWrapper(packed, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(
                [value.isoformat() if isinstance(value, datetime.datetime) else
                 ("" if value is None else value) for value in row]
            )
            count += 1
        text.flush()
        text.detach()
    return count


def _archive_partition(month: datetime.date, name: str) -> Archive:
    quote = connection.ops.quote_name
    columns = ", ".join(COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor, tempfile.TemporaryFile() as spool:
        # The foreign key's checks of rows written in this transaction (deferred until
        # commit) now: a table with pending checks cannot be dropped.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # No row may come in or go while the month is copied and dropped.
        cursor.execute(f"LOCK TABLE {quote(name)} IN EXCLUSIVE MODE")
        cursor.execute(f"SELECT count(*) FROM {quote(name)}")
        expected = cursor.fetchone()[0]
        with gzip.GzipFile(fileobj=spool, mode="wb", mtime=0) as packed:
            cursor.copy_expert(
                f"COPY (SELECT {columns} FROM {quote(name)} ORDER BY at, id) "
                f"TO STDOUT WITH (FORMAT csv, HEADER true)",
                packed,
            )
        spool.seek(0)
        with gzip.GzipFile(fileobj=spool, mode="rb") as packed:
            written = sum(1 for _ in csv.reader(io.TextIOWrapper(packed, encoding="utf-8", newline=""))) - 1
        if written != expected:
            raise RuntimeError(f"{name}: {written} rows written for {expected} counted; nothing dropped.")
        path = _save(f"{name}.csv.gz", spool)
        cursor.execute(f"ALTER TABLE {quote(TABLE)} DETACH PARTITION {quote(name)}")
        cursor.execute(f"DROP TABLE {quote(name)}")
    return Archive(month=month, path=path, rows=expected)


def _archive_rows(month: datetime.date, queryset, label: str) -> Archive | None:
    """Export then delete the rows of `queryset` (one month of a plain table or of the
    default partition)."""
    with transaction.atomic(), tempfile.TemporaryFile() as spool:
        rows = queryset.order_by("at", "id").values_list(*COLUMNS)
        written = _write_rows(rows.iterator(chunk_size=5000), spool)
        if not written:
            return None
        path = _save(f"{label}.csv.gz", spool)
        deleted, _ = queryset.delete()
        if deleted != written:
            default_storage.delete(path)
            raise RuntimeError(f"{label}: {written} rows written for {deleted} deleted; nothing deleted.")
    return Archive(month=month, path=path, rows=written)


def archive_expired(*, now=None, retention_months: int | None = None) -> list[Archive]:
    """Archive then remove every month of the access log before the retention cutoff.

    Each month is its own transaction: its file is saved before its rows go, and a
    failure leaves the month (and the later ones) in the table."""
    cutoff = retention_cutoff(now, retention_months)
    archives = []
    partitioned = is_partitioned()
    if partitioned:
        for month, name in sorted(partitions().items()):
            if month_bounds(month)[1] <= cutoff:
                archives.append(_archive_partition(month, name))
    # A plain table, or rows of old months left in the default partition.
    oldest = AccessLog.objects.filter(at__lt=cutoff).order_by("at").values_list("at", flat=True).first()
    if oldest is not None:
        month = current_month(oldest)
        while month_bounds(month)[0] < cutoff:
            start, end = month_bounds(month)
            label = f"{TABLE}_{'default_' if partitioned else ''}{month:%Y_%m}"
            archive = _archive_rows(month, AccessLog.objects.filter(at__gte=start, at__lt=end), label)
            if archive is not None:
                archives.append(archive)
            month = add_months(month, 1)
    for archive in archives:
        logger.info("access log of %s archived to %s (%s rows)", archive.month, archive.path, archive.rows)
    return archives


def maintain_access_log() -> dict:
    """The daily task, for a scheduler that calls functions (Celery beat): the coming
    months' partitions, then the archive of the months past the retention period."""
    created = create_partitions()
    archived = archive_expired()
    return {
        "created": created,
        "archived": [{"month": a.month.isoformat(), "path": a.path, "rows": a.rows} for a in archived],
    }
