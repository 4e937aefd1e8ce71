"""The dashboard's figures, computed again by Celery beat every 4 minutes
(`CELERY_BEAT_SCHEDULE`), within the `DASHBOARD_CACHE_SECONDS` for which a page takes a
snapshot as fresh. Storing snapshots twice only replaces them: safe to retry."""

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from .services import refresh_all


@shared_task(
    name="reintegration.dashboard.tasks.refresh_dashboard",
    autoretry_for=(DatabaseError,), retry_backoff=10, max_retries=3,
    # A run missed while the workers were busy is replaced by the next one.
    expires=200,
)
def refresh_dashboard() -> int:
    if settings.DASHBOARD_CACHE_SECONDS <= 0:
        return 0
    return refresh_all()
