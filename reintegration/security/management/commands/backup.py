"""`manage.py backup --output DIR`: one consistent copy of the database and of the
uploaded documents, with a manifest. Restore procedure: SECURITY.md, "Backups"."""

import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone


class Command(BaseCommand):
    help = "Dump the database (pg_dump -Fc, or a SQLite copy) and archive MEDIA_ROOT, with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Directory where the backup folder is made.")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, output, database, **options):
        connection = connections[database]
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        folder = Path(output) / f"reinsertion-{stamp}"
        folder.mkdir(parents=True, exist_ok=False)
        folder.chmod(0o700)  # personal data: readable by the backup's owner only

        if connection.vendor == "postgresql":
            database_file = self.dump_postgresql(connection.settings_dict, folder / "database.dump")
        elif connection.vendor == "sqlite":
            database_file = self.copy_sqlite(connection, folder / "database.sqlite3")
        else:
            raise CommandError(f"No backup method for the {connection.vendor} database.")
        media_file = self.archive_media(folder / "media.tar.gz")

        manifest = {
            "created_at": timezone.now().isoformat(),
            "database_vendor": connection.vendor,
            "database_name": str(connection.settings_dict["NAME"]),
            "media_root": str(settings.MEDIA_ROOT),
            "files": {path.name: describe(path) for path in (database_file, media_file)},
            "restore": "See SECURITY.md, section Backups.",
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        self.stdout.write(str(folder))
        return None

    def dump_postgresql(self, config: dict, target: Path) -> Path:
        # pg_dump reads the whole database in one repeatable-read snapshot: the dump is
        # consistent even while people keep working.
        command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target)]
        for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if config.get(key):
                command += [flag, str(config[key])]
        command.append(str(config["NAME"]))
        env = {**os.environ}
        if config.get("PASSWORD"):
            env["PGPASSWORD"] = str(config["PASSWORD"])
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        return target

    def copy_sqlite(self, connection, target: Path) -> Path:
        # SQLite's online backup API copies a consistent state page by page.
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return target

    def archive_media(self, target: Path) -> Path:
        media_root = Path(settings.MEDIA_ROOT)
        with tarfile.open(target, "w:gz") as archive:
            if media_root.is_dir():
                archive.add(media_root, arcname="media")
        return target


def describe(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}
