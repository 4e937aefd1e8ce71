"""`manage.py create_access_log_partitions`: the access log's month partitions of this
month and the next ones, on PostgreSQL (reintegration/audit/partitions.py). Daily, by
Celery beat (reintegration/audit/tasks.py); nothing to do on SQLite."""

from django.core.management.base import BaseCommand

from reintegration.audit.partitions import create_partitions, is_partitioned


class Command(BaseCommand):
    help = "Create the access log's month partitions ahead (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--months-ahead", type=int, default=None,
            help="Months after the current one (default: ACCESS_LOG_PARTITIONS_AHEAD).",
        )

    def handle(self, *args, months_ahead, **options):
        if not is_partitioned():
            self.stdout.write("The access log is a plain table here: no partition to create.")
            return
        created = create_partitions(months_ahead=months_ahead)
        names = f": {', '.join(created)}" if created else "."
        self.stdout.write(f"{len(created)} partition(s) created{names}")
