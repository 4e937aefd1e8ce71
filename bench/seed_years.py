"""Time for the benchmark's data set: years of access log, history, events and visits.

`seed_years(years=10)` adds to a database seeded by `seed_bench` (bench/seed.py) what a
programme accumulates by running, at the rates below, in SQL on PostgreSQL (one
`INSERT … SELECT generate_series` a month; past months of the access log written into a
table of their own and attached as its partition afterwards, so their indexes are built
once, sorted, instead of row by row).

Assumptions (a national programme, 100,000 files; every rate scales with the files the
data set holds, and by `rate`):

- staff: 300 people who read files (prefectures' staff and officers, the national
  team, auditors), 250 working days a year;
- access log: 20,000 logged reads a working day (each person about 65: full file
  displays, lists of files, documents downloaded, exports, PDFs), i.e. 5 million rows a
  year, 50 million in ten years; 60 % displays, 25 % lists, 8 % downloads, 3 % exports,
  3 % PDFs, 1 % duplicate checks; spread evenly over each month, by a uniformly chosen
  member of staff, on a uniformly chosen file;
- history (django-simple-history): 8,000 changes a working day, 2 million rows a year,
  20 million in ten years: 40 % on files (beneficiaries), 60 % on projects. Each change
  is a copy of the record (the copy of its current values: the seed does not invent
  the edits themselves), dated within the last `years` years and after the record's
  creation (which has its own "+" row), so that a file that existed all ten years
  carries about 80 versions (the issue's 20 million over 100,000 files and projects);
- workflow events: a project returned for correction then submitted again, twice on
  average before its decision (each with the officer's review), 400,000 more events on
  top of the 311,000 of the seed at 100,000 files;
- visits: a launched project is visited every quarter for three years (12 visits; the
  seed has 2), about 1.2 million visits at 100,000 files.

The access log is spread over `years` years before today; history, events and visits
follow the dates of the records they belong to (the seed's files are a few years old),
so `years` governs the access log and the history's density, not the visits'.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.utils import timezone

from beneficiaries.models import Beneficiary
from followup.models import FollowUpVisit
from followup.services import refresh_outcomes
from grants.models import Project, ProjectEvent, Review
from reintegration.audit import partitions
from reintegration.audit.models import AccessLog

NATIONAL_FILES = 100_000
WORKING_DAYS = 250
ACCESS_PER_YEAR = 20_000 * WORKING_DAYS
HISTORY_PER_YEAR = 8_000 * WORKING_DAYS
HISTORY_SHARES = {Beneficiary: 0.4, Project: 0.6}
RETURN_CYCLES = 2
VISITS_PER_PROJECT = 12
# (action, share, object type, path) of the access log's rows.
ACTIONS = [
    ("view", 0.60, "beneficiaries.Beneficiary", "/beneficiaries/{id}/"),
    ("list", 0.25, "", "/beneficiaries/?q="),
    ("download", 0.08, "beneficiaries.Beneficiary", "/beneficiaries/{id}/documents/"),
    ("export", 0.03, "", "/beneficiaries/export/"),
    ("pdf", 0.03, "beneficiaries.Beneficiary", "/beneficiaries/{id}/pdf/"),
    ("lookup", 0.01, "beneficiaries.Beneficiary", "/beneficiaries/new/"),
]


def _action_case() -> tuple[str, str, str, str]:
    """SQL CASE expressions picking the action, object type, object and path from `r` in
    [0, 1)."""
    action, kind, object_id, path = ["CASE"], ["CASE"], ["CASE"], ["CASE"]
    bound = 0.0
    for name, share, object_type, url in ACTIONS:
        bound += share
        test = f" WHEN r < {bound:.4f}"
        action.append(f"{test} THEN '{name}'")
        kind.append(f"{test} THEN '{object_type}'")
        object_id.append(f"{test} THEN {'f.public_id' if object_type else repr('')}")
        if "{id}" in url:
            before, after = url.split("{id}")
            path.append(f"{test} THEN '{before}' || f.public_id || '{after}'")
        else:
            path.append(f"{test} THEN '{url}'")
    for parts in (action, kind, object_id, path):
        parts.append(" ELSE 'view' END" if parts is action else " ELSE '' END")
    return "".join(action), "".join(kind), "".join(object_id), "".join(path)


class YearsSeeder:
    def __init__(self, *, years: int, rate: float = 1.0, stdout=None, seed: float = 0.24):
        self.years = years
        self.stdout = stdout
        self.seed = seed
        self.files = Beneficiary.objects.count()
        self.scale = rate * self.files / NATIONAL_FILES
        self.now = timezone.now()
        self.counts: dict[str, int] = {}

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)
            if hasattr(self.stdout, "flush"):
                self.stdout.flush()

    def run(self) -> dict[str, int]:
        if connection.vendor != "postgresql":
            raise RuntimeError("seed_bench --years needs PostgreSQL (generate_series, partitions).")
        if not self.files:
            raise RuntimeError("No files: seed the data set first (seed_bench --beneficiaries N).")
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [self.seed])
        self.say(f"{self.years} years at {self.scale:.2f} × the national rate "
                 f"({self.files:,} files):")
        for step in (self.access_log, self.history, self.events, self.visits):
            started = time.monotonic()
            label, count = step()
            self.counts[label] = count
            self.say(f"  {count:>11,} {label} ({time.monotonic() - started:.0f} s)")
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.say(f"  VACUUM ANALYZE ({time.monotonic() - started:.0f} s)")
        return self.counts

    # --- the access log -----------------------------------------------------------------
    def access_log(self) -> tuple[str, int]:
        quote = connection.ops.quote_name
        per_month = round(ACCESS_PER_YEAR * self.scale / 12)
        this_month = partitions.current_month(self.now)
        first = partitions.add_months(this_month, -12 * self.years)
        action, kind, object_id, path = _action_case()
        staff = list(
            AccessLog._meta.get_field("user").related_model.objects.filter(is_active=True)
            .exclude(username__startswith="bench_").values_list("pk", flat=True)
        )
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_files")
            cursor.execute(
                "CREATE UNLOGGED TABLE bench_files AS "
                "SELECT row_number() OVER (ORDER BY id) AS n, public_id::text AS public_id "
                "FROM beneficiaries_beneficiary"
            )
            cursor.execute("CREATE UNIQUE INDEX ON bench_files (n)")
            cursor.execute("ANALYZE bench_files")
            cursor.execute("SELECT coalesce(max(id), 0) FROM audit_accesslog")
            next_id = cursor.fetchone()[0] + 1
        existing = partitions.partitions()
        total = 0
        month = first
        while month <= this_month:
            start, end = partitions.month_bounds(month)
            end = min(end, self.now)
            rows = per_month if month < this_month else round(
                per_month * (end - start) / (partitions.month_bounds(month)[1] - start)
            )
            span = (end - start).total_seconds()
            attach = month not in existing
            target = partitions.partition_name(month) if attach else partitions.TABLE
            with transaction.atomic(), connection.cursor() as cursor:
                if attach:
                    cursor.execute(f"CREATE TABLE {quote(target)} (LIKE {quote(partitions.TABLE)} "
                                   f"INCLUDING DEFAULTS)")
                cursor.execute(
                    f"""
                    INSERT INTO {quote(target)}
                        (id, at, action, object_type, object_id, detail, ip_address, path, user_id)
                    SELECT %(first_id)s + g, %(start)s + (g * %(step)s) * interval '1 second',
                           {action}, {kind},
                           {object_id},
                           '', ('10.' || (u %% 200) || '.' || (u / 200 %% 250) || '.7')::inet,
                           {path}, u
                    FROM (
                        SELECT g, random() AS r,
                               (%(staff)s::bigint[])[1 + floor(random() * %(nstaff)s)::int] AS u,
                               1 + floor(random() * %(nfiles)s)::int AS n
                        FROM generate_series(0, %(rows)s - 1) AS g
                    ) picked JOIN bench_files f ON f.n = picked.n
                    """,
                    {"first_id": next_id, "start": start, "step": span / max(rows, 1), "staff": staff,
                     "nstaff": len(staff), "nfiles": self.files, "rows": rows},
                )
                if attach:
                    cursor.execute(
                        f"ALTER TABLE {quote(partitions.TABLE)} ATTACH PARTITION {quote(target)} "
                        f"FOR VALUES FROM (%s) TO (%s)", list(partitions.month_bounds(month)),
                    )
            next_id += rows
            total += rows
            if month.month == 1 or month == this_month:
                self.say(f"    access log to {month:%Y-%m}: {total:,} rows")
            month = partitions.add_months(month, 1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval('audit_accesslog_id_seq', %s, false)", [next_id])
            cursor.execute("DROP TABLE bench_files")
        partitions.create_partitions()
        return "access-log rows", total

    # --- history ----------------------------------------------------------------------------
    def history(self) -> tuple[str, int]:
        total = 0
        for model, share in HISTORY_SHARES.items():
            total += self._history_of(model, share)
        return "history rows", total

    def _history_of(self, model, share: float) -> int:
        quote = connection.ops.quote_name
        history = model.history.model
        table = model._meta.db_table
        base_columns = [f.column for f in model._meta.concrete_fields if f.column in
                        {h.column for h in history._meta.concrete_fields}]
        count = model.objects.count()
        per_record = HISTORY_PER_YEAR * self.years * share * self.scale / max(count, 1)
        # Versions per record, dated within the last `years` years: proportional to the
        # part of that period the record has existed.
        period = dt.timedelta(days=365 * self.years).total_seconds()
        cap = max(1, int(per_record * 3) + 1)
        columns = ", ".join(quote(c) for c in base_columns)
        selected = ", ".join(f"b.{quote(c)}" for c in base_columns)
        user = "b.created_by_id" if "created_by_id" in base_columns else "NULL"
        written = 0
        step = 10_000
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT min(id), max(id) FROM {quote(table)}")
            low, high = cursor.fetchone()
        for start in range(low, high + 1, step):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {quote(history._meta.db_table)}
                        ({columns}, history_date, history_type, history_user_id, history_change_reason)
                    SELECT {selected},
                           CASE WHEN v = 0 THEN b.created_at
                                ELSE lo + random() * (%(now)s - lo) END,
                           CASE WHEN v = 0 THEN '+' ELSE '~' END, {user}, NULL
                    FROM {quote(table)} b
                    CROSS JOIN LATERAL (SELECT greatest(b.created_at, %(since)s) AS lo) AS w
                    CROSS JOIN generate_series(0, %(cap)s) AS v
                    WHERE b.id >= %(low)s AND b.id < %(high)s
                      AND (v = 0 OR random() * %(cap)s < %(per_record)s
                           * extract(epoch FROM %(now)s - lo) / %(period)s)
                    """,
                    {"now": self.now, "since": self.now - dt.timedelta(days=365 * self.years),
                     "cap": cap, "low": start, "high": start + step, "per_record": per_record,
                     "period": period},
                )
                written += cursor.rowcount
        self.say(f"    {written:,} {history._meta.verbose_name_plural}")
        return written

    # --- workflow events --------------------------------------------------------------------
    def events(self) -> tuple[str, int]:
        """Return-and-resubmit cycles between a project's first submission and its next move."""
        cycles = RETURN_CYCLES
        written = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                CREATE TEMPORARY TABLE bench_cycles ON COMMIT DROP AS
                SELECT e.project_id, e.user_id, e.at AS submitted_at, n.at AS next_at,
                       n.user_id AS officer_id
                FROM grants_projectevent e
                JOIN LATERAL (
                    SELECT at, user_id FROM grants_projectevent m
                    WHERE m.project_id = e.project_id AND m.at > e.at ORDER BY m.at LIMIT 1
                ) n ON true
                WHERE e.from_status = 'draft' AND e.to_status = 'submitted'
                """
            )
            for cycle in range(cycles):
                low, high = (cycle * 2 + 1) / (cycles * 2 + 1), (cycle * 2 + 2) / (cycles * 2 + 1)
                cursor.execute(
                    f"""
                    INSERT INTO grants_projectevent (project_id, from_status, to_status, user_id, reason, at)
                    SELECT project_id, 'submitted', 'returned', officer_id,
                           'Pièces manquantes : devis du fournisseur.',
                           submitted_at + (next_at - submitted_at) * {low}
                    FROM bench_cycles
                    UNION ALL
                    SELECT project_id, 'returned', 'submitted', user_id, '',
                           submitted_at + (next_at - submitted_at) * {high}
                    FROM bench_cycles
                    """
                )
                written += cursor.rowcount
                cursor.execute(
                    f"""
                    INSERT INTO grants_review (project_id, reviewer_id, decision, reason, at)
                    SELECT project_id, officer_id, %s, 'Pièces manquantes : devis du fournisseur.',
                           submitted_at + (next_at - submitted_at) * {low}
                    FROM bench_cycles
                    """,
                    [Review.Decision.RETURN],
                )
        return "workflow events", written

    # --- visits -----------------------------------------------------------------------------
    def visits(self) -> tuple[str, int]:
        """Quarterly visits of launched projects for three years, up to today, beside the
        seed's (the latest visit of each project stays the seed's where it is later)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO grants_followupvisit
                    (project_id, due_on, visited_on, visitor_id, activity_status, monthly_revenue,
                     jobs_created, notes, next_visit_on, photo, equipment_missing, activity_closed,
                     reincarcerated)
                SELECT p.id, p.launched_on + q * 91, p.launched_on + q * 91 + (random() * 10)::int,
                       v.visitor_id, 'active', 500 + floor(random() * 85) * 100,
                       (random() * 2)::int, 'Visite trimestrielle : activité en place.',
                       p.launched_on + (q + 1) * 91, '', false, false, false
                FROM grants_project p
                JOIN LATERAL (
                    SELECT visitor_id FROM grants_followupvisit s
                    WHERE s.project_id = p.id AND s.visitor_id IS NOT NULL LIMIT 1
                ) v ON true
                CROSS JOIN generate_series(1, %s) AS q
                WHERE p.launched_on IS NOT NULL
                  AND p.launched_on + q * 91 + 10 < %s
                  AND NOT EXISTS (
                      SELECT 1 FROM grants_followupvisit o
                      WHERE o.project_id = p.id AND o.due_on = p.launched_on + q * 91
                  )
                """,
                [VISITS_PER_PROJECT, timezone.localdate()],
            )
            written = cursor.rowcount
        refresh_outcomes(projects=Project.objects.filter(launched_on__isnull=False))
        return "follow-up visits", written


def seed_years(*, years: int, rate: float = 1.0, stdout=None) -> dict[str, int]:
    """Add `years` years of access log, history, events and visits to a seeded database."""
    counts = YearsSeeder(years=years, rate=rate, stdout=stdout).run()
    counts["access log in the table"] = AccessLog.objects.count()
    counts["follow-up visits in the table"] = FollowUpVisit.objects.count()
    counts["workflow events in the table"] = ProjectEvent.objects.count()
    return counts
