"""The access log's daily upkeep, sent by Celery beat (`CELERY_BEAT_SCHEDULE`): the coming
months' partitions, then the archive of the months past `ACCESS_LOG_RETENTION_MONTHS`.
Both steps skip what is already done: safe to run twice or to retry."""

from celery import shared_task
from django.db import DatabaseError

from .partitions import maintain_access_log


@shared_task(
    name="reintegration.audit.tasks.maintain_access_log",
    autoretry_for=(DatabaseError,), retry_backoff=60, max_retries=3,
)
def maintain_access_log_task() -> dict:
    return maintain_access_log()
