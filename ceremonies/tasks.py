"""The documents of a ceremony just held, made by a worker (reintegration/jobs): every
certificate, then the bundle. The person who held it follows them on the job's page.

Idempotent: only the certificates not stored yet are rendered (`store_certificates`), and
the bundle is built once; a run interrupted, retried or delivered twice makes no second
certificate. The handovers themselves (one per project) are issued by `hold_ceremony`, in
the request, before the job starts.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from reintegration.jobs.models import Job
from reintegration.jobs.services import advance, job_task, start_job

from . import documents
from .models import Ceremony

TASK = "ceremonies.issue_documents"
# Certificates laid out together, then stored, before the job's progress moves: a few
# seconds of WeasyPrint per batch, and a run interrupted loses at most one batch.
BATCH = 10


def start_documents_job(*, ceremony: Ceremony, user) -> Job:
    return start_job(
        kind=Job.Kind.CEREMONY_DOCUMENTS, task=TASK, user=user,
        title=_("Certificates of the ceremony “%(title)s”") % {"title": ceremony.title},
        params={"ceremony": ceremony.pk},
        total=ceremony.handovers.valid().count(),
    )


@job_task(TASK)
def issue_documents(job: Job) -> str:
    ceremony = Ceremony.objects.get(pk=job.params["ceremony"])
    handovers = list(documents.handovers_for_documents(ceremony))
    for handover in handovers:
        handover.ceremony = ceremony
    done = sum(1 for handover in handovers if handover.certificate_pdf)
    advance(job, done, total=len(handovers))
    missing = [handover for handover in handovers if not handover.certificate_pdf]
    for start in range(0, len(missing), BATCH):
        batch = missing[start:start + BATCH]
        documents.store_certificates(batch)
        done += len(batch)
        advance(job, done)
    ceremony.refresh_from_db(fields=["bundle_pdf"])
    if not ceremony.bundle_pdf:
        documents.store_bundle(ceremony)
    return reverse("ceremonies:bundle", args=[ceremony.pk])
