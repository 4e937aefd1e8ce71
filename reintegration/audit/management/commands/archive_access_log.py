"""`manage.py archive_access_log`: every month of the access log older than
ACCESS_LOG_RETENTION_MONTHS exported to a gzip CSV in the private storage
(`archives/access-log/`), then removed (a dropped partition on PostgreSQL, deleted rows
elsewhere). Daily, by Celery beat (reintegration/audit/tasks.py)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reintegration.audit.partitions import archive_expired, retention_cutoff


class Command(BaseCommand):
    help = "Archive and remove the access log's months past the retention period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--retention-months", type=int, default=None,
            help="Months kept (default: ACCESS_LOG_RETENTION_MONTHS).",
        )

    def handle(self, *args, retention_months, **options):
        months = settings.ACCESS_LOG_RETENTION_MONTHS if retention_months is None else retention_months
        if months < 1:
            raise CommandError("The retention period is at least one month.")
        cutoff = retention_cutoff(months=months)
        archives = archive_expired(retention_months=months)
        self.stdout.write(f"Kept: {months} months, from {cutoff:%Y-%m-%d} (UTC).")
        for archive in archives:
            self.stdout.write(f"  {archive.month:%Y-%m}: {archive.rows} rows -> {archive.path}")
        self.stdout.write(f"{len(archives)} month(s) archived.")
