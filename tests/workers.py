"""Real processes for the tests of the shared parts: a Celery worker on Redis, and
gunicorn servers, each reading the test database (committed rows only: the tests that use
them are transactional). Both need `REDIS_URL` (CI sets it for the PostgreSQL pass) and
PostgreSQL (SQLite's test database lives in the test process's memory)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

BASE = Path(settings.BASE_DIR)


def require_redis_and_postgres() -> None:
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the shared cache and the Celery worker are tested on Redis")
    if connection.vendor != "postgresql":
        pytest.skip("a worker reads the test database: PostgreSQL (DATABASE_URL) needed")


def test_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def environment(**extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GUNICORN_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "reintegration.settings_test",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_LOG_LEVEL": "WARNING",
    })
    env.update(extra)
    return env


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Stop the process and its children (it leads a session of its own)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


class Worker:
    """`celery -A reintegration worker` on this run's queue (settings_test), so that
    nothing else sharing the Redis database (another run) takes this test's tasks."""

    def __init__(self, log: Path, concurrency: int = 1):
        self.log = log
        self.concurrency = concurrency
        self.queue = settings.CELERY_TASK_DEFAULT_QUEUE
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from reintegration.celery import app

        name = f"{self.queue}-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "reintegration", "worker", "-Q", self.queue,
                 "-n", name, "--concurrency", str(self.concurrency), "--without-mingle",
                 "--without-gossip", "-l", "WARNING"],
                cwd=BASE, env=environment(), stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        app.conf.task_always_eager = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the Celery worker exited:\n{self.log.read_text()}")
            if app.control.ping(destination=[name], timeout=0.5):
                return
        pytest.fail(f"the Celery worker did not answer within 60 s:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        from reintegration.celery import app

        if self.process is not None:
            stop(self.process, sig)
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def start_gunicorn(port: int, log: Path, workers: int = 2) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "reintegration.wsgi"],
            cwd=BASE, env=environment(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers)),
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
