"""A long task started by a person: what it is, how far it has gone, how it ended.

One row per start (a retry starts the same row again). Celery runs the task when
`REDIS_URL` is set, inline otherwise (reintegration/jobs/services.py); the job's page
polls the row. Only the person who started it, and admins, see it (`visible_to`).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from reintegration.accounts.roles import Role


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The jobs a user started; every job for an admin. Another's job answers 404."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.ADMIN:
            return self
        return self.filter(started_by=user)


def result_upload_to(job: "Job", filename: str) -> str:
    return f"jobs/{job.public_id}/{filename}"


class Job(models.Model):
    class Kind(models.TextChoices):
        CEREMONY_DOCUMENTS = "ceremony_documents", _("Ceremony documents")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", pgettext_lazy("job status", "Done")
        FAILED = "failed", pgettext_lazy("job status", "Failed")

    FINISHED = (Status.SUCCEEDED, Status.FAILED)
    # Past this without a move, a waiting or running job is taken as stopped (its worker
    # killed): its owner may start it again. Longer than a batch of certificates takes.
    STALLED_AFTER = timedelta(minutes=10)

    public_id = models.UUIDField(_("public identifier"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(pgettext_lazy("job", "title"), max_length=200)
    # The Celery task's name (reintegration/jobs/services.py, `job_task`).
    task = models.CharField(_("task"), max_length=100)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs",
        verbose_name=_("started by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    # What the task needs to run again (a retry): keys, never personal data.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to=result_upload_to, blank=True, max_length=300)
    result_url = models.CharField(_("result link"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The last sign of life of its run: a job "running" whose worker died stops moving.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["started_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")) | Q(total=0),
                                   name="job_done_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_stalled(self) -> bool:
        return not self.is_finished and timezone.now() - self.updated_at > self.STALLED_AFTER

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    def progress_text(self) -> str:
        """"23 of 250 certificates", in the reader's language."""
        values = {"done": self.done, "total": self.total}
        if self.kind == self.Kind.CEREMONY_DOCUMENTS:
            return ngettext("%(done)s of %(total)s certificate", "%(done)s of %(total)s certificates",
                            self.total) % values
        return ngettext("%(done)s of %(total)s row", "%(done)s of %(total)s rows", self.total) % values
