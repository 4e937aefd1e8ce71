"""The common tasks: e-mails, and the lists' large exports.

E-mails are sent by a worker, retried with back-off while the mail server refuses them.

The messages are built where the change is made (in each recipient's language), then
handed over as plain fields: a worker needs neither the objects nor the request. Without
a broker (`make run`, the tests) they are sent at once, once; a failure is logged and the
change stays made, as before.

A list's export of more than `EXPORT_JOB_ROWS` rows is a job: the worker runs the list's own
view (its scope, filters and columns) as the person who asked, writes the file to private
storage, and the job's page gives it to them (each download logged).
"""

import logging
import smtplib
import tempfile

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.core.mail import EmailMessage, get_connection
from django.http import QueryDict
from django.utils import translation

from reintegration.jobs.models import Job
from reintegration.jobs.services import advance, job_task, start_job

logger = logging.getLogger(__name__)

# 30 s, 1 min, 2 min, 4 min, 8 min, then given up (and logged): an hour-long outage of the
# mail server loses nothing sent in its last quarter of an hour at least.
RETRIES = 5


def message_fields(message: EmailMessage) -> dict:
    return {"subject": message.subject, "body": message.body, "from_email": message.from_email,
            "to": list(message.to)}


@shared_task(
    name="reintegration.common.tasks.send_emails", bind=True,
    autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=30, retry_backoff_max=600,
    retry_jitter=False, max_retries=RETRIES,
)
def send_emails(self, messages: list[dict], about: str = "") -> int:
    """Send the messages over one connection. A retry sends them all again: the mail
    server refused the batch, so none of them is taken as delivered."""
    try:
        return get_connection().send_messages([EmailMessage(**fields) for fields in messages]) or 0
    except (smtplib.SMTPException, OSError):
        if self.app.conf.task_always_eager or self.request.retries >= RETRIES:
            # Inline, the request that made the change must not wait on retries.
            logger.exception("Could not send the e-mails about %s.", about)
            return 0
        raise


# --- exports ------------------------------------------------------------------------------

EXPORT_TASK = "reintegration.common.tasks.export_list"


def start_export_job(*, request, title: str, total: int):
    """An export too large for the request (`EXPORT_JOB_ROWS`): the list's address and
    filters are kept, the worker runs the same view's export as its requester."""
    return start_job(
        kind=Job.Kind.EXPORT, task=EXPORT_TASK, user=request.user, title=title, total=total,
        params={"path": request.path, "query": request.GET.urlencode(),
                "language": translation.get_language() or settings.LANGUAGE_CODE},
    )


def _export_list(job) -> str:
    from django.contrib.sessions.backends.base import SessionBase
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.urls import resolve

    path, query = job.params["path"], QueryDict(job.params["query"])
    match = resolve(path)
    request = RequestFactory().get(path, query)
    request.user = job.started_by
    request.session = SessionBase()  # nothing remembered from a worker's request
    view = match.func.view_class(**match.func.view_initkwargs)
    view.setup(request, *match.args, **match.kwargs)
    view.in_export_job = True
    # Checked again as the worker runs it: a role withdrawn meanwhile exports nothing.
    if hasattr(view, "has_permission") and not view.has_permission():
        raise PermissionDenied
    if job.result_file:  # a run started again writes its file anew
        job.result_file.delete(save=False)
    with translation.override(job.params["language"]), tempfile.TemporaryFile() as target:
        name = view.export_to_file(query.get("export", "csv"), target, lambda rows: advance(job, rows))
        target.seek(0)
        job.result_file.save(name, File(target), save=False)
    return ""


export_list = job_task(EXPORT_TASK)(_export_list)
