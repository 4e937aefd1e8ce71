"""Background jobs, inline (no Redis): holding a ceremony starts the job of its documents,
whose page shows the progress, the result or the error and a retry, to its owner only.
The same jobs on a real Celery worker: tests/test_jobs_worker.py."""

import html
import io
import smtplib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from ceremonies import documents, tasks
from ceremonies.models import Ceremony
from reintegration.audit.models import AccessLog
from reintegration.jobs.models import Job

from .factories import JobFactory
from .test_ceremonies import planned_ceremony, ready_project


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def held(staff, client_for):
    """A ceremony of three projects held through its page: the job's page answers."""
    projects = [ready_project(last_name=name) for name in ("Benali", "Amrani", "Tazi")]
    ceremony = planned_ceremony(staff, *projects)
    response = client_for(staff).post(reverse("ceremonies:hold", args=[ceremony.pk]))
    return ceremony, response


def test_holding_a_ceremony_opens_the_page_of_its_documents_job(held, staff, client_for):
    ceremony, response = held
    job = Job.objects.get()

    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.public_id])
    assert job.kind == Job.Kind.CEREMONY_DOCUMENTS and job.started_by == staff
    assert job.status == Job.Status.SUCCEEDED and (job.done, job.total) == (3, 3)
    text = page(client_for(staff).get(response["Location"]))
    assert "Cérémonie tenue : 3 attestations délivrées." in text
    assert 'role="progressbar"' in text and 'aria-valuenow="100"' in text and 'aria-live="polite"' in text
    assert "3 sur 3 attestations" in text
    assert reverse("ceremonies:bundle", args=[ceremony.pk]) in text
    ceremony.refresh_from_db()
    assert ceremony.bundle_pdf and not ceremony.handovers.filter(certificate_pdf="").exists()


def test_the_status_answers_json_never_cached(held, staff, client_for):
    ceremony, _response = held
    job = Job.objects.get()

    response = client_for(staff).get(reverse("jobs:status", args=[job.public_id]))

    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "status": "succeeded", "status_label": "Terminé", "done": 3, "total": 3, "percent": 100,
        "text": "3 sur 3 attestations", "finished": True,
        "result_url": reverse("ceremonies:bundle", args=[ceremony.pk]), "error": "", "may_retry": False,
    }


@pytest.mark.parametrize("name", ["detail", "status", "result", "retry"])
def test_another_persons_job_answers_404(name, held, outsider_staff, officer, client_for):
    job = Job.objects.get()
    for user in (outsider_staff, officer):
        client = client_for(user)
        url = reverse(f"jobs:{name}", args=[job.public_id])
        response = client.post(url) if name == "retry" else client.get(url)
        assert response.status_code == 404


def test_an_admin_sees_every_job_and_a_person_their_own(held, staff, outsider_staff, admin_user, client_for):
    other = JobFactory(started_by=outsider_staff, title="Export des bénéficiaires de Rabat")
    mine = Job.objects.exclude(pk=other.pk).get()

    home = page(client_for(staff).get(reverse("home")))
    assert reverse("jobs:list") in home  # in the user's menu
    own_list = page(client_for(staff).get(reverse("jobs:list")))
    assert mine.title in own_list and other.title not in own_list
    assert client_for(admin_user).get(reverse("jobs:detail", args=[other.public_id])).status_code == 200
    everyone = page(client_for(admin_user).get(reverse("jobs:list")))
    assert mine.title in everyone and other.title in everyone


def test_a_failed_job_shows_its_error_and_starts_again_from_where_it_stopped(
    staff, client_for, monkeypatch,
):
    ceremony = planned_ceremony(staff, *(ready_project(last_name=n) for n in ("Benali", "Amrani")))
    original = documents.store_bundle
    monkeypatch.setattr(documents, "store_bundle", lambda ceremony: 1 / 0)
    client = client_for(staff)

    response = client.post(reverse("ceremonies:hold", args=[ceremony.pk]), follow=True)

    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and job.done == 2
    text = page(response)
    assert "Le travail n'a pas pu être terminé" in text
    assert reverse("jobs:retry", args=[job.public_id]) in text
    first_certificates = dict(ceremony.handovers.values_list("pk", "certificate_pdf"))
    assert all(first_certificates.values())

    monkeypatch.setattr(documents, "store_bundle", original)
    response = client.post(reverse("jobs:retry", args=[job.public_id]), follow=True)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    assert "Le travail a recommencé." in page(response)
    # The certificates made by the first run are kept, none made twice.
    assert dict(ceremony.handovers.values_list("pk", "certificate_pdf")) == first_certificates
    assert Ceremony.objects.get(pk=ceremony.pk).bundle_pdf


def test_a_finished_job_is_not_started_again(held, staff, client_for):
    job = Job.objects.get()

    response = client_for(staff).post(reverse("jobs:retry", args=[job.public_id]), follow=True)

    assert "Seul un travail en échec peut être relancé." in page(response)
    job.refresh_from_db()
    assert job.attempts == 1


def test_the_task_run_twice_makes_no_second_certificate(held):
    ceremony, _response = held
    job = Job.objects.get()
    files = sorted(p for p in default_storage.listdir(f"{_folder(ceremony)}")[1])
    certificates = dict(ceremony.handovers.values_list("pk", "certificate_pdf"))

    # Delivered twice by the broker: the second delivery finds the job done.
    tasks.hold_ceremony.delay(job.pk)
    # Started again by hand, as a retry would: nothing missing, nothing made.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED)
    tasks.hold_ceremony.delay(job.pk)

    assert ceremony.handovers.count() == 3
    assert dict(ceremony.handovers.values_list("pk", "certificate_pdf")) == certificates
    assert sorted(default_storage.listdir(_folder(ceremony))[1]) == files
    assert Job.objects.get().status == Job.Status.SUCCEEDED


def _folder(ceremony) -> str:
    return ceremony.bundle_pdf.name.rsplit("/", 1)[0]


def test_a_result_file_is_downloaded_by_its_owner_and_logged(staff, client_for, outsider_staff):
    job = JobFactory(started_by=staff, kind=Job.Kind.EXPORT, status=Job.Status.SUCCEEDED)
    job.result_file.save("export.csv", ContentFile(b"a;b\n1;2\n"))

    response = client_for(staff).get(reverse("jobs:result", args=[job.public_id]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"a;b\n1;2\n"
    logged = AccessLog.objects.filter(
        user=staff, action=AccessLog.Action.EXPORT, object_id=str(job.public_id)
    )
    assert logged.exists()
    assert client_for(outsider_staff).get(reverse("jobs:result", args=[job.public_id])).status_code == 404


def test_beat_sends_the_dashboards_refresh_within_the_age_a_page_accepts(db, settings):
    from reintegration.celery import app
    from reintegration.dashboard.models import FigureSnapshot
    from reintegration.dashboard.tasks import refresh_dashboard

    entry = app.conf.beat_schedule["refresh-dashboard"]
    assert entry["task"] == refresh_dashboard.name
    assert entry["schedule"] < settings.DASHBOARD_CACHE_SECONDS

    stored = refresh_dashboard.delay().get()

    assert stored > 0 and FigureSnapshot.objects.count() == stored


def test_beat_sends_the_access_logs_upkeep_every_night(db):
    from reintegration.audit.tasks import maintain_access_log_task
    from reintegration.celery import app

    entry = app.conf.beat_schedule["maintain-access-log"]
    assert entry["task"] == maintain_access_log_task.name
    assert entry["schedule"].hour == {3}

    upkeep = maintain_access_log_task.delay().get()

    assert set(upkeep) == {"created", "archived"} and upkeep["archived"] == []


# --- e-mails ------------------------------------------------------------------------------


class RefusingConnection:
    """A mail server that refuses the first `refusals` batches."""

    def __init__(self, refusals: int):
        self.refusals = refusals
        self.sent = []

    def send_messages(self, messages):
        if self.refusals:
            self.refusals -= 1
            raise smtplib.SMTPServerDisconnected("mail server down")
        self.sent.extend(messages)
        return len(messages)


MESSAGE = {"subject": "[Réinsertion] Projet soumis", "body": "…", "from_email": "r@example.ma",
           "to": ["officer@example.ma"]}


def test_e_mails_refused_by_the_mail_server_are_retried_with_a_growing_wait(monkeypatch):
    from reintegration.common import tasks as mail_tasks

    connection = RefusingConnection(refusals=2)
    monkeypatch.setattr(mail_tasks, "get_connection", lambda: connection)
    waits = []
    retry = mail_tasks.send_emails.retry

    def record(*args, **kwargs):
        waits.append(kwargs.get("countdown"))
        return retry(*args, **kwargs)

    monkeypatch.setattr(mail_tasks.send_emails, "retry", record)
    conf = mail_tasks.send_emails.app.conf
    # As a worker runs it (apply, not eager), each refusal is retried after a longer wait.
    conf.task_always_eager = False
    try:
        result = mail_tasks.send_emails.apply(args=[[MESSAGE]], kwargs={"about": "project PRJ-1"})
    finally:
        conf.task_always_eager = True

    assert result.get() == 1 and [m.to for m in connection.sent] == [["officer@example.ma"]]
    assert waits == [30, 60]


def test_inline_a_refused_e_mail_is_logged_and_the_change_stays_made(monkeypatch, caplog):
    from reintegration.common import tasks as mail_tasks

    monkeypatch.setattr(mail_tasks, "get_connection", lambda: RefusingConnection(refusals=9))

    assert mail_tasks.send_emails.delay([MESSAGE], about="project PRJ-1").get() == 0
    assert "Could not send the e-mails about project PRJ-1." in caplog.text


# --- large exports ------------------------------------------------------------------------


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_a_large_export_is_written_by_a_job_and_given_to_its_requester_only(
    export_format, staff, outsider_staff, client_for, temara, rabat, settings,
):
    from openpyxl import load_workbook

    from grants.models import Project

    from .factories import ProjectFactory

    settings.EXPORT_JOB_ROWS = 2
    mine = ProjectFactory.create_batch(3, beneficiary__prefecture=temara, status=Project.Status.SUBMITTED)
    ProjectFactory(beneficiary__prefecture=rabat, status=Project.Status.SUBMITTED)
    ProjectFactory(beneficiary__prefecture=temara)  # a draft, filtered out
    client = client_for(staff)

    response = client.get(reverse("grants:project_list"), {"status": "submitted", "export": export_format})

    job = Job.objects.get(kind=Job.Kind.EXPORT)
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.public_id])
    assert job.status == Job.Status.SUCCEEDED and job.total == 3
    assert job.result_file.name.startswith(f"jobs/{job.public_id}/")
    download = reverse("jobs:result", args=[job.public_id])
    assert download in page(client.get(response["Location"]))
    content = b"".join(client.get(download).streaming_content)
    if export_format == "csv":
        references = {line.split(";")[0] for line in content.decode().lstrip("\ufeff").splitlines()[1:]}
    else:
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        references = {row[0].value for row in list(sheet.iter_rows())[1:]}
    assert references == {project.reference for project in mine}
    # Asked for, then downloaded: both in the access log.
    assert AccessLog.objects.filter(user=staff, action=AccessLog.Action.EXPORT).count() == 2
    assert client_for(outsider_staff).get(download).status_code == 404
