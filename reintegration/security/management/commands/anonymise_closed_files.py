"""`manage.py anonymise_closed_files [--years N] [--dry-run]`: law 09-08 retention.

Files closed for more than the retention period (settings.RETENTION_YEARS, default 10),
counted from their closure, lose what identifies the person everywhere
(reintegration/security/anonymisation.py); the figures reports need stay. A file whose
project is still under way is held back and listed, for staff to close the project.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reintegration.security.anonymisation import (
    anonymise_beneficiary,
    closed_beyond_retention,
    files_due_for_anonymisation,
    with_running_project,
)


class Command(BaseCommand):
    help = "Anonymise the beneficiaries whose file was closed longer ago than the retention period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--years", type=int, default=None,
            help="Retention period in years (default: settings.RETENTION_YEARS).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be anonymised.")

    def handle(self, *args, years, dry_run, **options):
        years = settings.RETENTION_YEARS if years is None else years
        if years < 1:
            raise CommandError("--years must be at least 1.")
        due = list(files_due_for_anonymisation(years=years))
        verb = "Would anonymise" if dry_run else "Anonymised"
        for beneficiary in due:
            documents = beneficiary.documents.count()
            fate = "to delete" if dry_run else "deleted"
            if not dry_run:
                anonymise_beneficiary(beneficiary=beneficiary)
            self.stdout.write(
                f"{verb} {beneficiary.file_number} (closed on {beneficiary.closure:%Y-%m-%d}; "
                f"{documents} document(s) {fate})"
            )
        for beneficiary in with_running_project(closed_beyond_retention(years=years)):
            self.stdout.write(
                f"Held back {beneficiary.file_number} (closed on {beneficiary.closure:%Y-%m-%d}): "
                "a project is still under way; close or abandon it first."
            )
        self.stdout.write(
            f"{verb} {len(due)} file(s) closed for more than {years} years."
            + (" Nothing was changed (dry run)." if dry_run else "")
        )
