"""Production running: gunicorn with the production settings, health, logs, e-mails."""

import gzip
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory

from grants.models import Review
from grants.notifications import notify_project_decided, notify_project_submitted
from reintegration import health
from reintegration.accounts.roles import Role
from reintegration.common.bidi import isolate
from reintegration.logging import JsonFormatter, RequestLogMiddleware
from reintegration.proxy import TrustedProxyMiddleware
from tests.test_translations import untranslated_text

from .factories import BeneficiaryFactory, ProjectFactory, UserFactory

BASE = Path(settings.BASE_DIR)


# --- /health/ -----------------------------------------------------------------------


ALL_OK = {"status": "ok", "database": "ok", "storage": "ok", "cache": "ok"}


def checked(answer: dict) -> dict:
    """The checks every server makes; the broker's and the workers' are tested with Redis
    (tests/test_jobs_worker.py)."""
    assert set(answer) == {"status", "database", "storage", "cache", "broker", "worker"}
    return {key: answer[key] for key in ("status", "database", "storage", "cache")}


class BrokenConnection:
    def cursor(self):
        raise OperationalError("could not connect to server at 10.0.0.5")


def test_health_answers_ok_without_login_and_is_never_cached(client, db):
    response = client.get("/health/")

    assert response.status_code == 200
    assert checked(response.json()) == ALL_OK
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_health_answers_503_when_the_database_is_down_without_saying_why(client, db, monkeypatch):
    monkeypatch.setattr(health, "connection", BrokenConnection())

    response = client.get("/health/")

    assert response.status_code == 503
    assert checked(response.json()) == {**ALL_OK, "status": "error", "database": "error"}
    assert b"10.0.0.5" not in response.content


def test_health_answers_503_when_the_media_storage_is_not_writable(client, db, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.MEDIA_ROOT = str(blocker / "media")

    response = client.get("/health/")

    assert response.status_code == 503
    assert checked(response.json()) == {**ALL_OK, "status": "error", "storage": "error"}


def test_health_leaves_no_file_in_the_media_storage(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)

    client.get("/health/")

    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_health_accepts_only_reads(client, db):
    assert client.post("/health/").status_code == 405


# --- logs ---------------------------------------------------------------------------


def request_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(record))
        for record in caplog.records
        if record.name == "reintegration.request"
    ]


def test_each_request_writes_one_json_line_with_the_user_id_and_no_personal_data(
    client_for, staff, caplog
):
    staff.first_name, staff.last_name = "Nadia", "Bennani"
    staff.save()
    client = client_for(staff)

    with caplog.at_level(logging.INFO, logger="reintegration.request"):
        client.get("/?q=Bennani")

    (line,) = request_lines(caplog)
    assert set(line) == {
        "time", "level", "logger", "message", "method", "path", "status", "duration_ms", "user_id",
    }
    assert line["method"] == "GET"
    assert line["path"] == "/"
    assert line["status"] == 200
    assert line["user_id"] == staff.pk
    assert isinstance(line["duration_ms"], float)
    written = json.dumps(line)
    assert "Bennani" not in written and "Nadia" not in written and "staff" not in written


def test_anonymous_requests_are_logged_without_user(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="reintegration.request"):
        client.get("/login/")

    (line,) = request_lines(caplog)
    assert line["user_id"] is None
    assert line["status"] == 200


def test_a_server_error_is_logged_as_an_error_line(rf, caplog):
    def broken_view(request):
        return HttpResponse(status=500)

    request = rf.get("/somewhere/")
    with caplog.at_level(logging.INFO, logger="reintegration.request"):
        RequestLogMiddleware(broken_view)(request)

    (line,) = request_lines(caplog)
    assert line["level"] == "ERROR"
    assert line["status"] == 500


def test_an_exception_is_logged_by_class_and_frames_not_by_its_message():
    try:
        raise ValueError("Key (cin)=(AB123456) already exists.")
    except ValueError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
            ("/beneficiaries/new/",), sys.exc_info(),
        )

    line = JsonFormatter().format(record)

    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["exception"] == "ValueError"
    assert parsed["message"] == "Internal Server Error: /beneficiaries/new/"
    assert any("test_production.py" in frame for frame in parsed["traceback"])
    assert "AB123456" not in line


def test_logs_are_json_when_debug_is_off():
    assert not settings.DEBUG
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"


# --- the client's address behind nginx ------------------------------------------------


def address_seen(remote_addr: str, forwarded_for: str | None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)
    return TrustedProxyMiddleware(lambda r: r.META["REMOTE_ADDR"])(request)


def test_the_client_address_comes_from_the_local_proxy_header():
    assert address_seen("127.0.0.1", "203.0.113.9") == "203.0.113.9"


def test_a_forwarded_header_from_an_untrusted_address_is_ignored():
    assert address_seen("198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_the_right_most_untrusted_address_wins_over_a_spoofed_one():
    assert address_seen("127.0.0.1", "10.6.6.6, 203.0.113.9") == "203.0.113.9"


def test_without_forwarded_header_the_address_is_unchanged():
    assert address_seen("127.0.0.1", None) == "127.0.0.1"


# --- e-mail notifications -----------------------------------------------------------


@pytest.fixture
def project_link(settings):
    """The link an e-mail must carry: the public base URL and the project's page."""
    return lambda project: settings.PUBLIC_BASE_URL + project.get_absolute_url()


@pytest.fixture
def project(temara, staff):
    beneficiary = BeneficiaryFactory(first_name="Youssef", last_name="Tazi", cin="AB123456")
    return ProjectFactory(
        beneficiary=beneficiary, prefecture=temara, created_by=staff, title="Atelier de couture"
    )


def test_a_submission_mails_the_officers_of_the_prefecture_in_their_language(
    project, officer, outsider_officer, mailoutbox, project_link
):
    officer.language = "ar"
    officer.save()

    sent = notify_project_submitted(project)

    assert sent == 1
    (message,) = mailoutbox
    assert message.to == [officer.email]
    # Plain text: the application's name and the reference are isolated (LRI…PDI), so the
    # Arabic subject starts, and reads, right to left.
    assert message.subject == (
        f"{isolate('[Réinsertion]')} المشروع {isolate(project.reference)} في انتظار دراستكم"
    )
    assert "عُرض عليكم المشروع" in message.body
    assert "Atelier de couture" in message.body
    assert project_link(project) in message.body


def test_a_decision_mails_the_creator_and_the_staff_of_the_prefecture_in_french_by_default(
    project, staff, outsider_staff, officer, mailoutbox, project_link, temara
):
    colleague = UserFactory(role=Role.FOUNDATION_STAFF, prefectures=[temara], language="en")

    sent = notify_project_decided(project, Review.Decision.RETURN, "CIN AB123456 illisible")

    assert sent == 2
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {staff.email, colleague.email}
    french = by_address[staff.email]
    assert french.subject == (
        f"{isolate('[Réinsertion]')} Projet {isolate(project.reference)} renvoyé pour correction"
    )
    assert "a été renvoyé pour correction" in french.body
    assert project_link(project) in french.body
    assert by_address[colleague.email].subject == (
        f"{isolate('[Réinsertion]')} Project {isolate(project.reference)} returned for correction"
    )


@pytest.mark.parametrize("decision, subject_word", [
    (Review.Decision.APPROVE, "approuvé"), (Review.Decision.REJECT, "rejeté"),
])
def test_each_decision_has_its_own_subject(project, staff, mailoutbox, project_link, decision, subject_word):
    notify_project_decided(project, decision, "")

    (message,) = mailoutbox
    assert message.subject == f"{isolate('[Réinsertion]')} Projet {isolate(project.reference)} {subject_word}"


def test_a_message_holds_nothing_personal_beyond_the_project_reference_and_title(
    project, staff, mailoutbox, project_link
):
    notify_project_decided(project, Review.Decision.REJECT, "Youssef Tazi, CIN AB123456: doublon")

    (message,) = mailoutbox
    for personal in ("Youssef", "Tazi", "AB123456", "doublon", project.beneficiary.file_number):
        assert personal not in message.subject and personal not in message.body


def test_users_without_email_inactive_or_without_the_prefecture_get_nothing(
    project, officer, outsider_officer, mailoutbox, project_link, temara
):
    officer.email = ""
    officer.save()
    UserFactory(role=Role.PREFECTURE_OFFICER, prefectures=[temara], is_active=False)

    assert notify_project_submitted(project) == 0
    assert mailoutbox == []


def test_a_mail_server_failure_does_not_break_the_workflow(project, officer, project_link, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    # Handed to the mail task (inline here, a worker retries it: tests/test_jobs.py), which
    # logs the failure instead of raising it.
    assert notify_project_submitted(project) == 1
    assert f"Could not send the e-mails about project {project.reference}." in caplog.text


def test_the_email_templates_hold_no_text_outside_translation_tags():
    templates = sorted(
        [*(BASE / "grants/templates/grants/email").glob("*.txt"),
         *(BASE / "procurement/templates/procurement/email").glob("*.txt")]
    )
    assert len(templates) == 12  # project submitted, decided; bank change and amendment requested, decided
    for template in templates:
        assert untranslated_text(template.read_text(encoding="utf-8")) == [], template.name


# --- media storage chosen by the environment ----------------------------------------


def run_with_settings(code: str, **environ: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="reintegration.settings", DJANGO_SECRET_KEY="x" * 50, **environ)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE, env=env, capture_output=True, text=True, timeout=60,
    )


def test_documents_go_to_private_s3_storage_when_configured():
    result = run_with_settings(
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.default_acl); print(s.url('documents/id.pdf'))",
        DJANGO_STORAGE_BACKEND="s3", DJANGO_S3_BUCKET="reinsertion-documents",
        DJANGO_S3_ENDPOINT_URL="https://s3.example.ma", DJANGO_S3_REGION="us-east-1",
        DJANGO_S3_ACCESS_KEY_ID="key", DJANGO_S3_SECRET_ACCESS_KEY="secret",
    )

    assert result.returncode == 0, result.stderr
    description, url = [line for line in result.stdout.splitlines() if not line.startswith("{")]
    assert description == "S3Storage reinsertion-documents private"
    # Never a public address: a signed link that expires.
    assert url.startswith("https://s3.example.ma/reinsertion-documents/documents/id.pdf?")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url


def test_an_unknown_storage_backend_stops_start_up():
    result = run_with_settings("", DJANGO_STORAGE_BACKEND="ftp")

    assert result.returncode != 0
    assert "DJANGO_STORAGE_BACKEND must be filesystem or s3" in result.stderr


# --- gunicorn with the production settings ------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def production_environment(tmp_path: Path, port: int) -> dict:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    database_url = (
        f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_"))
    }
    env.update({
        "DJANGO_SETTINGS_MODULE": "reintegration.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
    })
    return env


def wait_until_up(process: subprocess.Popen, url: str, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer within {seconds} s:\n{log.read_text()}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_login_page_static_files_and_health_with_production_settings(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("production runs on PostgreSQL; set DATABASE_URL to run this test")
    port = free_port()
    env = production_environment(tmp_path, port)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE, env=env, check=True, timeout=300, capture_output=True,
    )
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed_css = manifest["paths"]["css/app.css"]
    assert hashed_css != "css/app.css"

    log = tmp_path / "gunicorn.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "reintegration.wsgi"],
            cwd=BASE, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            wait_until_up(gunicorn, f"{base}/health/", log)

            status, _headers, body = fetch(f"{base}/login/")
            assert status == 200
            assert b'name="password"' in body

            status, headers, body = fetch(f"{base}/static/{hashed_css}", {"Accept-Encoding": "gzip"})
            assert status == 200
            assert headers["Content-Encoding"] == "gzip"
            assert "immutable" in headers["Cache-Control"]
            assert gzip.decompress(body) == (tmp_path / "static" / hashed_css).read_bytes()

            status, headers, body = fetch(f"{base}/health/")
            assert status == 200
            assert checked(json.loads(body)) == ALL_OK
            assert headers["Cache-Control"] == "no-store"
        finally:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
                gunicorn.wait(timeout=10)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert {"path": "/login/", "status": 200} in [
        {"path": line.get("path"), "status": line.get("status")} for line in lines
    ]
