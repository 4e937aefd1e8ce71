"""`manage.py refresh_dashboard`: every prefecture's and the country's dashboard figures,
computed again and stored for all workers (`reintegration.dashboard.services`).

The task Celery beat sends every 4 minutes does the same (reintegration/dashboard/tasks.py),
within the 5 minutes (`DASHBOARD_CACHE_SECONDS`) for which a page takes a snapshot as fresh: pages
then read the figures instead of computing them. About 2 s at 100,000 files. By hand: the
first figures after an installation, or a check.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from reintegration.dashboard.services import refresh_all


class Command(BaseCommand):
    help = "Compute the dashboard's figures of every prefecture and of the country, and store them."

    def handle(self, *args, **options):
        if settings.DASHBOARD_CACHE_SECONDS <= 0:
            self.stdout.write("DASHBOARD_CACHE_SECONDS is 0: pages compute their figures; nothing stored.")
            return
        started = time.monotonic()
        stored = refresh_all()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Stored {stored} snapshots of the dashboard in {time.monotonic() - started:.1f} s."
            )
