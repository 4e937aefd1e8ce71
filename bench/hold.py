"""Holding a ceremony of N handovers on Celery workers: the time the page takes to answer,
then the worker's certificates per second, against WeasyPrint alone on the same HTML.

    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/hold.py --handovers 300 --workers 1
    REDIS_URL=... .venv/bin/python bench/hold.py --handovers 300 --workers 2 --ceremonies 2

A database of its own (`reinsertion_bench_hold` on DATABASE_URL's server, dropped and
created again), the test settings (plain static files, a temporary media folder), a worker
started and stopped here (tests/workers.py). `--ceremonies 2` holds two ceremonies of
N/2 at once: one ceremony is one task, so a second worker process serves a second
ceremony (or an export) at the same time, not the same ceremony faster.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))


def prepare_database() -> str:
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x").rsplit("/", 1)[0]
    name = "reinsertion_bench_hold"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    subprocess.run(["psql", f"{server}/postgres", "-qc", drop], check=True)
    subprocess.run(["psql", f"{server}/postgres", "-qc", f'CREATE DATABASE "{name}"'], check=True)
    return f"{server}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--handovers", type=int, default=300)
    parser.add_argument("--workers", type=int, default=1, help="worker processes (--concurrency)")
    parser.add_argument("--ceremonies", type=int, default=1, help="held at once, handovers split among them")
    parser.add_argument("--skip-weasyprint", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is required (the worker takes its tasks from Redis).")
    os.environ["DATABASE_URL"] = prepare_database()
    os.environ["DJANGO_SETTINGS_MODULE"] = "reintegration.settings_test"
    os.environ["DJANGO_TEST_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="reinsertion-bench-hold-")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from ceremonies import documents
    from reintegration.accounts.roles import Role
    from reintegration.common.pdf import html_to_pdf_parts
    from reintegration.jobs.models import Job
    from tests.factories import SKHIRATE_TEMARA, UserFactory, prefecture
    from tests.test_ceremonies import planned_ceremony, ready_project
    from tests.workers import Worker

    call_command("migrate", verbosity=0)
    temara = prefecture(SKHIRATE_TEMARA)
    staff = UserFactory(username="bench_staff", role=Role.FOUNDATION_STAFF, prefectures=[temara])
    started = time.monotonic()
    per_ceremony = args.handovers // args.ceremonies
    ceremonies = [
        planned_ceremony(staff, *(ready_project(last_name=f"Nom{c}{i:03}") for i in range(per_ceremony)),
                         title=f"Cérémonie {c + 1}")
        for c in range(args.ceremonies)
    ]
    print(f"data: {args.ceremonies} × {per_ceremony} ready projects in {time.monotonic() - started:.0f} s")

    worker = Worker(Path(tempfile.mkdtemp()) / "worker.log", concurrency=args.workers)
    worker.start()
    client = Client()
    client.force_login(staff)
    try:
        answers = []
        started = time.monotonic()
        for ceremony in ceremonies:
            began = time.monotonic()
            response = client.post(reverse("ceremonies:hold", args=[ceremony.pk]))
            answers.append(time.monotonic() - began)
            assert response.status_code == 302, response.status_code
        jobs = list(Job.objects.order_by("pk"))
        first_certificate = None
        while True:
            states = [Job.objects.get(pk=job.pk) for job in jobs]
            if first_certificate is None and any(state.done for state in states):
                first_certificate = time.monotonic() - started
            if all(state.is_finished for state in states):
                break
            time.sleep(0.2)
        total = time.monotonic() - started
    finally:
        worker.stop()
    failed = [state.error for state in states if state.status != Job.Status.SUCCEEDED]
    if failed:
        sys.exit(f"failed: {failed}\n{worker.log.read_text()}")
    held = sum(state.total for state in states)
    print(f"answer of the hold page: {', '.join(f'{a * 1000:.0f} ms' for a in answers)}")
    print(f"workers {args.workers}, ceremonies {args.ceremonies}: {held} certificates and "
          f"{len(states)} bundle(s) in {total:.1f} s (first certificate stored after "
          f"{first_certificate:.1f} s: the hold itself), {held / total:.2f} certificates/s overall")

    if not args.skip_weasyprint:
        ceremony = ceremonies[0]
        handovers = list(documents.handovers_for_documents(ceremony))
        for handover in handovers:
            handover.ceremony = ceremony
        began = time.monotonic()
        for start in range(0, len(handovers), 10):
            batch = handovers[start:start + 10]
            html_to_pdf_parts(documents.certificates_html(batch), [f"certificate-{h.pk}" for h in batch])
        alone = time.monotonic() - began
        print(f"WeasyPrint alone, same HTML in batches of 10, one process: {len(handovers)} certificates "
              f"in {alone:.1f} s, {len(handovers) / alone:.2f} certificates/s")
    print(f"load average: {' '.join(f'{value:.1f}' for value in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
