"""Trigram indexes for the beneficiaries' search (PostgreSQL only).

The list's search matches any part of a name, file number or national ID with
`icontains`, which PostgreSQL runs as `UPPER(col::text) LIKE UPPER('%word%')`. A B-tree
cannot serve a pattern with a leading wildcard; a GIN index of trigrams over exactly that
expression can, so a search stays an index lookup on 100,000 files instead of a scan of
the whole table. The expression must stay `UPPER(col)` to match what the lookup emits.

SQLite has no such index (nor needs one at its scale): there the migration does nothing.
"""

from django.db import migrations

TABLE = "beneficiaries_beneficiary"
COLUMNS = ["first_name", "last_name", "first_name_ar", "last_name_ar", "file_number", "cin"]


def index_name(column: str) -> str:
    return f"beneficiary_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {index_name(column)} ON {TABLE} '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(column)}")


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0002_validators_and_change_reasons"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
