"""Trigram indexes on the access log's path and detail (PostgreSQL only).

Anonymising a file (reintegration/security/anonymisation.py, `_scrub_logs`) looks for
the person's names and numbers in every entry's path (a search's query string) and detail
(a search typed in the admin) with `icontains`, which PostgreSQL runs as
`UPPER(col::text) LIKE UPPER('%name%')`: without an index, a scan of the whole log for
each of some thirty spellings, 1.8 s a month of log at a national programme's rate (3 to
4 minutes a file over ten years, bench/README.md). A GIN index of trigrams over exactly
that expression serves it: 0.06 s a month. Created on the partitioned table, so every
month's partition has its own, dropped with it when it is archived.

SQLite keeps the plain table without them: there the migration does nothing.
"""

from django.db import migrations

TABLE = "audit_accesslog"
COLUMNS = ["path", "detail"]


def index_name(column: str) -> str:
    return f"accesslog_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name(column)} ON {TABLE} "
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(column)}")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_partition_access_log"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
