"""`manage.py backup`: a dump that restores into a new database with the same records."""

import hashlib
import json
import sqlite3
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from reintegration.common.collation import add_sqlite_collations

from .factories import BeneficiaryFactory, DocumentFactory

# Committed rows: pg_dump reads from another connection (conftest puts the territories
# back after each such test's flush).
pytestmark = pytest.mark.django_db(transaction=True)


def make_backup(tmp_path) -> Path:
    call_command("backup", output=str(tmp_path))
    [folder] = tmp_path.iterdir()
    return folder


@pytest.fixture
def files(temara):
    people = [BeneficiaryFactory(last_name=name) for name in ("Alaoui", "Bennani", "Chraibi")]
    document = DocumentFactory(beneficiary=people[0])
    return people, document


def test_the_backup_holds_the_documents_and_a_manifest(tmp_path, files):
    _people, document = files
    folder = make_backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database_vendor"] == connection.vendor
    assert set(manifest["files"]) == {"media.tar.gz", manifest_database_file(folder)}
    for name, described in manifest["files"].items():
        content = (folder / name).read_bytes()
        assert described == {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    with tarfile.open(folder / "media.tar.gz") as archive:
        member = archive.extractfile(f"media/{document.file.name}")
        assert member.read() == b"%PDF-1.4\n%test\n"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


def manifest_database_file(folder: Path) -> str:
    return "database.dump" if (folder / "database.dump").exists() else "database.sqlite3"


def test_a_sqlite_backup_opens_with_the_same_records(tmp_path, files):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    folder = make_backup(tmp_path)
    copy = sqlite3.connect(folder / "database.sqlite3")
    add_sqlite_collations(copy)  # as the application does on each connection
    names = [row[0] for row in copy.execute(
        "SELECT last_name FROM beneficiaries_beneficiary ORDER BY last_name")]
    copy.close()
    assert names == ["Alaoui", "Bennani", "Chraibi"]


@pytest.mark.postgres
def test_a_postgresql_dump_restores_into_a_new_database(tmp_path, files):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    people, _document = files
    folder = make_backup(tmp_path)
    config = connection.settings_dict
    target = f"restore_{uuid.uuid4().hex[:12]}"
    options = ["--host", config["HOST"] or "127.0.0.1", "--port", str(config["PORT"] or 5432),
               "--username", config["USER"] or "postgres"]
    subprocess.run(["createdb", *options, target], check=True)
    try:
        subprocess.run(
            ["pg_restore", *options, "--no-owner", "--exit-on-error", "--dbname", target,
             str(folder / "database.dump")],
            check=True, capture_output=True,
        )
        result = subprocess.run(
            ["psql", *options, "--dbname", target, "--tuples-only", "--no-align", "--command",
             "SELECT public_id, last_name, cin FROM beneficiaries_beneficiary ORDER BY last_name"],
            check=True, capture_output=True, text=True,
        )
        restored = [tuple(line.split("|")) for line in result.stdout.split()]
        assert restored == [(str(p.public_id), p.last_name, p.cin) for p in people]
    finally:
        subprocess.run(["dropdb", *options, "--force", target], check=True)
