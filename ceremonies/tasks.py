"""Holding a ceremony, done by a worker (reintegration/jobs): the certificates issued and
the projects equipped (`services.hold_ceremony`, all or nothing, about 40 ms a project),
then every certificate laid out and stored, then the bundle. The page that holds it
answers at once; the person follows the job's page ("23 of 250 certificates").

Idempotent: a ceremony already held is not held again (its handovers stay one per
project), only the certificates not stored yet are rendered (`store_certificates`), and
the bundle is built once; a run interrupted, retried or delivered twice makes nothing twice.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from reintegration.jobs.models import Job
from reintegration.jobs.services import advance, job_task, start_job

from . import documents, services
from .models import Ceremony

TASK = "ceremonies.hold_ceremony"
# Certificates laid out together, then stored, before the job's progress moves: a few
# seconds of WeasyPrint per batch, and a run interrupted loses at most one batch.
BATCH = 10


def start_hold_job(*, ceremony: Ceremony, user) -> Job:
    """Hold `ceremony` and make its documents, in a worker (inline without Redis)."""
    return start_job(
        kind=Job.Kind.CEREMONY_DOCUMENTS, task=TASK, user=user,
        title=_("Certificates of the ceremony “%(title)s”") % {"title": ceremony.title},
        params={"ceremony": ceremony.pk},
        total=ceremony.projects.count(),
    )


@job_task(TASK)
def hold_ceremony(job: Job) -> str:
    ceremony = Ceremony.objects.get(pk=job.params["ceremony"])
    if ceremony.status == Ceremony.Status.PLANNED:
        # Checks everything again under the ceremony's lock: held meanwhile by another
        # job (a second click), it refuses, and this job says why.
        services.hold_ceremony(ceremony=ceremony, user=job.started_by)
    return make_documents(job, ceremony)


def make_documents(job: Job, ceremony: Ceremony) -> str:
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
