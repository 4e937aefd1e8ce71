"""Start, advance, finish and retry a job; `job_task` turns a function into its Celery task.

A task receives the job's key only. It runs the job's function once per start: a job
already done is not run again (a message delivered twice, a retry after a worker died),
and the functions themselves skip what an earlier, interrupted run already made, so that
running twice never makes anything twice.

With a broker (`REDIS_URL`), the task is sent once the transaction that started the job
commits, and a worker runs it; without one it runs at once, in the request, on the same
connection (it sees what the request has written and not committed yet).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import current_app, shared_task
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, InterfaceError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reintegration.accounts.roles import Role

from .models import Job

logger = logging.getLogger(__name__)

# Errors worth another try, later: the database or the storage unreachable for a moment.
TRANSIENT_ERRORS = (InterfaceError, DatabaseError, OSError)
MAX_RETRIES = 3


# Seconds before the n-th retry: 10, 40, 160.
def backoff(retries: int) -> int:
    return 10 * 4**retries


def enqueue(job: Job) -> None:
    task = current_app.tasks[job.task]
    if current_app.conf.task_always_eager:
        task.delay(job.pk)
    else:
        # The worker must find the job (and what it works on) committed.
        transaction.on_commit(lambda: task.delay(job.pk))


def start_job(*, kind: str, task: str, user, title: str, params: dict, total: int = 0) -> Job:
    """Record the job and send its task (or run it now, without a broker)."""
    job = Job.objects.create(
        kind=kind, task=task, started_by=user, title=title[:200], params=params, total=total,
    )
    enqueue(job)
    job.refresh_from_db()
    return job


def may_retry(user, job: Job) -> bool:
    """A failed job, or one stalled (its worker killed), by its owner or an admin."""
    return (job.status == Job.Status.FAILED or job.is_stalled) and (
        job.started_by_id == user.pk or user.role == Role.ADMIN
    )


@transaction.atomic
def retry_job(*, job: Job, user) -> Job:
    """Start a failed job again, from where it stopped (what it made is kept)."""
    job.refresh_from_db(from_queryset=Job.objects.select_for_update())
    if not may_retry(user, job):
        if job.status != Job.Status.FAILED and not job.is_stalled:
            raise ValidationError(_("Only a failed job can be started again."), code="not_failed")
        raise PermissionDenied(_("Only the person who started this job may start it again."))
    job.status = Job.Status.PENDING
    job.error = ""
    job.finished_at = None
    job.save(update_fields=["status", "error", "finished_at", "updated_at"])
    enqueue(job)
    return job


def begin(job_pk: int) -> Job | None:
    """Mark the job running; None if it is already done (a message delivered twice)."""
    job = Job.objects.filter(pk=job_pk).first()
    if job is None or job.status == Job.Status.SUCCEEDED:
        return None
    job.status = Job.Status.RUNNING
    job.attempts += 1
    job.started_at = job.started_at or timezone.now()
    job.error = ""
    job.save(update_fields=["status", "attempts", "started_at", "error", "updated_at"])
    return job


def advance(job: Job, done: int, total: int | None = None) -> None:
    """Say how far the job has gone: one UPDATE, read by its page."""
    job.done = done
    fields = {"done": done, "updated_at": timezone.now()}
    if total is not None:
        job.total = fields["total"] = total
    job.done = min(job.done, job.total) if job.total else job.done
    fields["done"] = job.done
    Job.objects.filter(pk=job.pk).update(**fields)


def succeed(job: Job, *, result_url: str = "") -> None:
    job.status = Job.Status.SUCCEEDED
    job.done = job.total
    job.result_url = result_url or job.result_url
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "done", "result_url", "result_file", "finished_at", "updated_at"])


def fail(job: Job, message: str) -> None:
    job.status = Job.Status.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "updated_at"])


def job_task(name: str) -> Callable:
    """`@job_task("app.what")` on `def what(job) -> str | None` (the result's link): the
    Celery task that runs it for a job, retried with back-off on transient errors, the
    job failed with a message its owner reads otherwise."""

    def decorator(function: Callable[[Job], str | None]):
        @shared_task(name=name, bind=True, max_retries=MAX_RETRIES)
        def task(self, job_pk: int) -> None:
            job = begin(job_pk)
            if job is None:
                return
            try:
                # No transaction around the whole run: each step commits on its own
                # (the hold, each batch of certificates), so its page sees it move, and a
                # retry starts from the last step done.
                result_url = function(job)
            except ValidationError as error:
                fail(job, " ".join(error.messages))
            except TRANSIENT_ERRORS as error:
                logger.warning("Job %s: %s, retry %s", job.pk, error, self.request.retries + 1)
                if self.request.retries < MAX_RETRIES and not current_app.conf.task_always_eager:
                    Job.objects.filter(pk=job.pk).update(
                        status=Job.Status.PENDING, updated_at=timezone.now(),
                        error=_("A temporary error stopped the job; it starts again by itself."),
                    )
                    raise self.retry(exc=error, countdown=backoff(self.request.retries)) from error
                logger.exception("Job %s failed", job.pk)
                fail(job, _("The job could not be finished (a temporary error). Start it again."))
            except Exception:
                logger.exception("Job %s failed", job.pk)
                fail(job, _("The job could not be finished. Start it again; if it fails again, "
                            "tell the administrator (job %(id)s).") % {"id": job.public_id})
            else:
                succeed(job, result_url=result_url or "")

        task.function = function
        return task

    return decorator
