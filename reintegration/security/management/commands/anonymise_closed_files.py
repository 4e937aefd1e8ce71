"""`manage.py anonymise_closed_files [--years N] [--dry-run]`: law 09-08 retention.

Files closed for more than the retention period (settings.RETENTION_YEARS, default 10)
lose what identifies the person; the figures reports need stay.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reintegration.security.privacy import anonymise_beneficiary, files_due_for_anonymisation


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
                f"{verb} {beneficiary.file_number} (closed, last change "
                f"{beneficiary.updated_at:%Y-%m-%d}; {documents} document(s) {fate})"
            )
        self.stdout.write(
            f"{verb} {len(due)} file(s) closed for more than {years} years."
            + (" Nothing was changed (dry run)." if dry_run else "")
        )
