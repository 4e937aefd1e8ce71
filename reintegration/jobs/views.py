"""A job's page, the JSON its progress bar polls, its result and its retry. Out of
scope (another person's job) is 404, as everywhere."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import ListView

from reintegration.audit.models import AccessLog, log_access

from . import services
from .models import Job


def _job(request, public_id) -> Job:
    return get_object_or_404(Job.objects.visible_to(request.user), public_id=public_id)


def job_state(request, job: Job) -> dict:
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "text": job.progress_text(),
        "finished": job.is_finished,
        "result_url": job_result_url(job),
        "error": job.error if job.status == Job.Status.FAILED else "",
        "may_retry": services.may_retry(request.user, job),
    }


def job_result_url(job: Job) -> str:
    if job.status != Job.Status.SUCCEEDED:
        return ""
    if job.result_file:
        return reverse("jobs:result", args=[job.public_id])
    return job.result_url


class JobListView(ListView):
    """The jobs the user started (every job for an admin), newest first."""

    template_name = "jobs/job_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Job.objects.visible_to(self.request.user).select_related("started_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, crumbs=[(_("Background jobs"), None)])


@require_safe
def job_detail(request, public_id):
    job = _job(request, public_id)
    return render(request, "jobs/job_detail.html", {
        "job": job,
        "state": job_state(request, job),
        "crumbs": [(_("Background jobs"), reverse("jobs:list")), (job.title, None)],
    })


@require_safe
def job_status(request, public_id):
    job = _job(request, public_id)
    # Never cached: NoStoreForAuthenticatedMiddleware, as every signed-in page.
    return JsonResponse(job_state(request, job))


@require_safe
def job_result(request, public_id):
    job = _job(request, public_id)
    if job.status != Job.Status.SUCCEEDED or not job.result_file:
        raise Http404
    log_access(request, AccessLog.Action.EXPORT, job, detail=f"{job.get_kind_display()}: {job.title}")
    name = job.result_file.name.rsplit("/", 1)[-1]
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=name)


@require_POST
def job_retry(request, public_id):
    job = _job(request, public_id)
    try:
        services.retry_job(job=job, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("The job has started again."))
    return redirect("jobs:detail", public_id=job.public_id)
