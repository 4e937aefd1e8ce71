"""The benchmark: times each key page in-process, then loads gunicorn on loopback.

Run through `bench/run` (which sets production-like settings and collects static files);
see bench/README.md. Each page is fetched once to count its queries (and check it
answers 200), then `--iterations` times to take the median and 95th percentile of its
server time. A page whose URL does not exist yet is reported as "not available".
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reintegration.settings")

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
# A page under construction may fail: the table says so, the traceback would drown it.
logging.disable(logging.ERROR)

import weasyprint  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, get_resolver, resolve, reverse  # noqa: E402

import reintegration.common.pdf as pdf_pipeline  # noqa: E402

NOT_AVAILABLE = "not available"
LIST_TARGET_MS = 50
DASHBOARD_TARGET_MS = 200
MAX_QUERIES = 12
SLOW_MS = 3000


# --- WeasyPrint, watched: every HTML handed to it is kept for the side-by-side baseline ----
_CAPTURED_HTML: list[str] = []
_WeasyHTML = weasyprint.HTML


class RecordingHTML(_WeasyHTML):
    def __init__(self, *args, **kwargs):
        if kwargs.get("string") is not None:
            _CAPTURED_HTML.append(kwargs["string"])
        super().__init__(*args, **kwargs)


# The PDF pipeline reads `weasyprint.HTML` when it lays a document out, so every PDF is seen.
weasyprint.HTML = RecordingHTML


def weasyprint_alone(html: str) -> bytes:
    return _WeasyHTML(string=html, base_url=pdf_pipeline.PDF_BASE_URL,
                      url_fetcher=pdf_pipeline._static_files_fetcher()).write_pdf()


# --- URLs ---------------------------------------------------------------------------------
def url_parameters(name: str) -> list[list[str]] | None:
    """The parameter names of each pattern called `name` ("ns:name"), None if no such URL."""
    resolver = get_resolver()
    *namespaces, short = name.split(":")
    for namespace in namespaces:
        if namespace not in resolver.namespace_dict:
            return None
        resolver = resolver.namespace_dict[namespace][1]
    found = resolver.reverse_dict.getlist(short)
    if not found:
        return None
    return [list(params) for possibilities, *_rest in found for _fmt, params in possibilities]


def find_url(names: list[str], values: dict) -> str | None:
    """Reverse the first of `names` that exists, filling its parameters from `values`."""
    for name in names:
        patterns = url_parameters(name)
        if patterns is None:
            continue
        for params in sorted(patterns, key=len):
            if all(p in values for p in params):
                try:
                    return reverse(name, kwargs={p: values[p] for p in params})
                except NoReverseMatch:
                    continue
    return None


def all_url_names() -> list[str]:
    names = []

    def walk(resolver, prefix):
        for key in resolver.reverse_dict:
            if isinstance(key, str):
                names.append(prefix + key)
        for namespace, (_p, sub) in resolver.namespace_dict.items():
            walk(sub, f"{prefix}{namespace}:")

    walk(get_resolver(), "")
    return sorted(set(names))


def filter_names(path: str) -> set[str]:
    """The query parameters the list's django-filter FilterSet accepts."""
    view_class = getattr(resolve(path).func, "view_class", None)
    filterset = getattr(view_class, "filterset_class", None)
    return set(filterset.base_filters) if filterset is not None else set()


# --- users and fixtures -----------------------------------------------------------------------
def logged_in(username: str) -> Client:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reintegration.accounts.models import User
    from reintegration.security.two_factor import requires_two_factor

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    if requires_two_factor(user):
        # As the code page does after a right one-time code.
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
            TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    client.get(reverse("home"))  # per-process caches (content types, ...) filled before counting
    return client


@dataclass
class Fixtures:
    prefecture_pk: int
    staff: str
    officer: str
    beneficiary_public_id: str
    cin: str
    last_name: str
    convention_pk: int
    ceremony_pk: int
    bundle_ceremony_pk: int | None
    bundle_size: int
    handover_pk: int
    handover_token: str
    project_public_id: str
    # The pages that engage money (the ledger, issue 16): an officer's review of a submitted
    # project, a cash grant to pay, a convention's lines to order.
    submitted_public_id: str | None = None
    payable_public_id: str | None = None
    ordering_convention_pk: int | None = None
    counts: dict = field(default_factory=dict)


def pick_fixtures() -> Fixtures:
    from beneficiaries.models import Beneficiary
    from ceremonies.models import Ceremony, Handover
    from followup.models import FollowUpVisit
    from grants.models import Convention, EquipmentItem, Project
    from reintegration.territories.models import Prefecture

    prefecture = Prefecture.objects.get(code="04.501")  # Skhirate-Témara, the real case
    handover = (Handover.objects.filter(ceremony__prefecture=prefecture)
                .select_related("project__beneficiary", "ceremony").order_by("pk").first())
    if handover is None:
        raise SystemExit("No handover in Skhirate-Témara: seed the database with seed_bench first.")
    beneficiary = handover.project.beneficiary
    convention = (Convention.objects.annotate(n=Count("projects")).order_by("-n").first())
    bundle = (Ceremony.objects.annotate(n=Count("handovers")).filter(n__gte=50).order_by("pk").first())
    ceremony = (Ceremony.objects.annotate(n=Count("handovers")).filter(n__gte=2, n__lt=50)
                .order_by("pk").first()) or handover.ceremony
    in_prefecture = Project.objects.filter(prefecture=prefecture).order_by("pk")
    submitted = in_prefecture.filter(status=Project.Status.SUBMITTED).first()
    payable = in_prefecture.filter(status=Project.Status.APPROVED, disbursements__isnull=True).first()
    waiting = (
        EquipmentItem.objects.filter(project__prefecture=prefecture, project__status=Project.Status.APPROVED,
                                     purchase_order__isnull=True, status=EquipmentItem.Status.PLANNED)
        .values("project__convention").annotate(n=Count("pk")).order_by("-n").first()
    )
    return Fixtures(
        prefecture_pk=prefecture.pk, staff=f"staff_{prefecture.code}", officer=f"officer_{prefecture.code}",
        beneficiary_public_id=str(beneficiary.public_id), cin=beneficiary.cin,
        last_name=beneficiary.last_name, convention_pk=convention.pk, ceremony_pk=ceremony.pk,
        bundle_ceremony_pk=bundle.pk if bundle else None, bundle_size=bundle.n if bundle else 0,
        handover_pk=handover.pk, handover_token=handover.verification_token,
        project_public_id=str(handover.project.public_id),
        submitted_public_id=str(submitted.public_id) if submitted else None,
        payable_public_id=str(payable.public_id) if payable else None,
        ordering_convention_pk=waiting["project__convention"] if waiting else None,
        counts={
            "beneficiaries": Beneficiary.objects.count(), "projects": Project.objects.count(),
            "equipment lines": EquipmentItem.objects.count(), "ceremonies": Ceremony.objects.count(),
            "handovers": Handover.objects.count(), "visits": FollowUpVisit.objects.count(),
            **years_counts(),
        },
    )


def years_counts() -> dict[str, int]:
    """What `seed_bench --years` adds, counted from the planner's statistics where the
    tables are large (exact counts of 10 million rows take seconds)."""
    from reintegration.audit.partitions import partitions

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(c.reltuples), 0)::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_accesslog'::regclass"
        )
        access = cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(sum(reltuples), 0)::bigint FROM pg_class "
            "WHERE relkind = 'r' AND relname LIKE '%%historical%%'"
        )
        history = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM grants_projectevent")
        events = cursor.fetchone()[0]
    return {"access-log rows (≈)": access, "month partitions": len(partitions()),
            "history rows (≈)": history, "workflow events": events}


def years_fixtures(fx: Fixtures) -> dict:
    """The values the access log's searches and the history pages use: the staff member
    of Skhirate-Témara, the fixture's file, a day three years ago and a month a year ago,
    the file and project with the most versions in history."""
    from django.utils import timezone

    from beneficiaries.models import Beneficiary
    from grants.models import Project

    today = timezone.localdate()
    day = today - timedelta(days=3 * 365)
    month_start = (today - timedelta(days=365)).replace(day=1)
    history = Beneficiary.history.model
    busiest = (history.objects.values("id").annotate(n=Count("history_id")).order_by("-n").first()
               or {"id": None, "n": 0})
    project_history = Project.history.model
    busiest_project = (project_history.objects.values("id").annotate(n=Count("history_id"))
                       .order_by("-n").first() or {"id": None, "n": 0})
    fixture_versions = history.objects.filter(public_id=fx.beneficiary_public_id).count()
    busiest_file = Beneficiary.objects.filter(pk=busiest["id"]).values_list("public_id", flat=True).first()
    return {
        "day": day.isoformat(), "month_start": month_start.isoformat(),
        "month_end": (month_start + timedelta(days=27)).isoformat(),
        "busiest_pk": busiest["id"], "busiest_versions": busiest["n"],
        "busiest_public_id": str(busiest_file) if busiest_file else None,
        "busiest_project_pk": busiest_project["id"], "busiest_project_versions": busiest_project["n"],
        "fixture_versions": fixture_versions,
    }


def bench_task(label: str, target: str, task, repeats: int = 3, keep: bool = False) -> Result:
    """Time `task()` (a command or a service) `repeats` times. Unless `keep`, each run is
    rolled back (PostgreSQL's DDL too), so the data set stays as seeded."""
    from django.db import transaction

    class UndoError(Exception):
        pass

    result = Result(label, "", target)
    times = []
    note = ""
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    note = task() or note
                    elapsed = (time.perf_counter() - started) * 1000
                    if not keep:
                        raise UndoError
            except UndoError:
                pass
            except Exception as exc:  # noqa: BLE001 - the table says what broke
                result.note, result.ok = f"{type(exc).__name__}: {exc}"[:160], False
                return result
        times.append(elapsed)
    result.median_ms, result.p95_ms, result.queries = statistics.median(times), max(times), len(queries)
    result.note = note
    return result


# --- measuring ----------------------------------------------------------------------------------
@dataclass
class Result:
    label: str
    url: str | None
    target: str
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    note: str = ""
    ok: bool | None = None

    def row(self) -> str:
        def ms(value):
            return "" if value is None else f"{value:,.1f}"
        verdict = {True: "met", False: "**not met**", None: ""}[self.ok]
        if self.url is None:
            return f"| {self.label} | {NOT_AVAILABLE} | | | {self.target} | |"
        queries = "" if self.queries is None else str(self.queries)
        note = f" ({self.note})" if self.note else ""
        return (f"| {self.label} | {ms(self.median_ms)} | {ms(self.p95_ms)} | {queries} | "
                f"{self.target} | {verdict}{note} |")


def consume(response) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def fetch_once(client: Client, url: str) -> tuple[int, int, str, float]:
    """(status, queries, problem, milliseconds) of one request, queries counted."""
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        try:
            response = client.get(url)
            consume(response)
        except Exception as exc:  # a page under construction may still break
            return 500, len(queries), f"{type(exc).__name__}: {exc}"[:120], 0.0
    elapsed = (time.perf_counter() - started) * 1000
    problem = ""
    if response.status_code != 200:
        problem = f"HTTP {response.status_code}"
        if response.status_code in (301, 302):
            problem += f" to {response.get('Location', '')[:60]}"
    return response.status_code, len(queries), problem, elapsed


def time_page(client: Client, url: str, iterations: int) -> list[float]:
    times = []
    for _ in range(iterations):
        started = time.perf_counter()
        consume(client.get(url))
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench_page(label, client, url, iterations, target_ms=LIST_TARGET_MS) -> Result:
    result = Result(label, url, f"< {target_ms} ms, ≤ {MAX_QUERIES} queries")
    if url is None:
        return result
    status, result.queries, problem, first_ms = fetch_once(client, url)
    if status != 200:
        result.note, result.ok = problem, False
        return result
    if first_ms > 20 * SLOW_MS:
        # Far off its target: the first request says as much as twenty.
        times = [first_ms]
        result.note = f"1 request only: {first_ms / 1000:.0f} s"
    else:
        if first_ms > SLOW_MS:
            iterations = min(iterations, 2)
            result.note = f"{iterations} requests only: over {SLOW_MS / 1000:.0f} s each"
        times = time_page(client, url, iterations)
    result.median_ms, result.p95_ms = statistics.median(times), percentile(times, 0.95)
    result.ok = result.median_ms < target_ms and result.queries <= MAX_QUERIES
    return result


def bench_dashboard(url, auditor, staff, iterations) -> list[Result]:
    """The dashboard as its readers meet it: the timer's `refresh_dashboard` first (timed:
    every prefecture's and the country's figures, stored), then each page reading its
    snapshot; then each page computing its figures itself, as without a fresh snapshot
    or after "Compute them again" (`?refresh=1`, which computes and stores every time)."""
    from django.core.management import call_command

    print("  dashboard: the timer's refresh ...", flush=True)
    refresh = Result("Dashboard figures, full refresh (the timer, every 4 min)", url or "",
                     "reference: within the 5 min of DASHBOARD_CACHE_SECONDS")
    times = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            call_command("refresh_dashboard", verbosity=0)
            times.append((time.perf_counter() - started) * 1000)
    refresh.median_ms, refresh.p95_ms = statistics.median(times), max(times)
    refresh.queries = len(queries)
    results = [refresh]
    for label, client in (("national", auditor), ("one prefecture (its staff)", staff)):
        print(f"  dashboard, {label} ...", flush=True)
        results.append(bench_page(f"Dashboard, {label}", client, url, iterations, DASHBOARD_TARGET_MS))
    for label, client in (("national", auditor), ("one prefecture (its staff)", staff)):
        print(f"  dashboard, {label}, computed on request ...", flush=True)
        cold = bench_page(f"Dashboard, {label}, computed on request (no fresh snapshot)", client,
                          url and f"{url}?refresh=1", max(3, iterations // 4), DASHBOARD_TARGET_MS)
        cold.target, cold.ok = "reference: the timer keeps pages off this path", None
        results.append(cold)
    return results


def bench_side_by_side(client_ours, ours, client_admin, admin, iterations) -> list[Result]:
    """Our list and Django admin's change list, alternated in one run."""
    mine = Result("Beneficiaries list (ours), side by side", ours, "ratio ≤ 1.0 vs admin")
    theirs = Result("Beneficiaries change list (Django admin)", admin, "reference")
    if ours is None or admin is None:
        if admin is None:
            theirs.note = "no ModelAdmin for Beneficiary"
        return [mine, theirs]
    for result, client in ((mine, client_ours), (theirs, client_admin)):
        status, result.queries, problem, _ms = fetch_once(client, result.url)
        if status != 200:
            result.note, result.ok = problem, False
            return [mine, theirs]
    t_ours, t_admin = [], []
    for _ in range(iterations):
        t_ours += time_page(client_ours, ours, 1)
        t_admin += time_page(client_admin, admin, 1)
    for result, times in ((mine, t_ours), (theirs, t_admin)):
        result.median_ms, result.p95_ms = statistics.median(times), percentile(times, 0.95)
    ratio = mine.median_ms / theirs.median_ms
    mine.note = f"ratio {ratio:.2f}"
    mine.ok = ratio <= 1.0
    return [mine, theirs]


def bench_pdf(label, client, url, iterations, limit_s=None, render_at_hold=None) -> Result:
    target = "≤ 1.5 × WeasyPrint alone" + (f", < {limit_s:.0f} s" if limit_s else "")
    result = Result(label, url, target)
    if url is None:
        return result
    _CAPTURED_HTML.clear()
    status, result.queries, problem, _ms = fetch_once(client, url)
    if status != 200:
        result.note, result.ok = problem, False
        return result
    captured = list(_CAPTURED_HTML)
    times = time_page(client, url, iterations)
    result.median_ms, result.p95_ms = statistics.median(times), percentile(times, 0.95)
    if render_at_hold is not None:
        # Served from the file stored when the ceremony was held (or by the first download
        # above, for a ceremony held before documents were stored): the rendering happens
        # once, then, so that is what is compared with WeasyPrint alone.
        # WeasyPrint's time for one page varies by half from one run to the next on a
        # shared machine: the one-page comparison takes the median of 9 alternate runs.
        return compare_render_at_hold(result, render_at_hold, limit_s,
                                      repeats=9 if iterations > 3 else 1)
    if not captured:
        result.note = "no HTML reached WeasyPrint: baseline not measured"
        return result
    alone = []
    for _ in range(iterations):
        started = time.perf_counter()
        for html in captured:
            weasyprint_alone(html)
        alone.append((time.perf_counter() - started) * 1000)
    baseline = statistics.median(alone)
    ratio = result.median_ms / baseline
    result.note = f"WeasyPrint alone {baseline:,.0f} ms, ratio {ratio:.2f}"
    result.ok = ratio <= 1.5 and (limit_s is None or result.median_ms < limit_s * 1000)
    return result


def compare_render_at_hold(result: Result, render_at_hold, limit_s, repeats: int) -> Result:
    """Time the app's own rendering of the stored document (`render_at_hold()`: what
    holding the ceremony does, less writing the files), then WeasyPrint alone on every
    HTML it handed over, `repeats` times each (medians); the download itself must still
    answer within `limit_s`."""
    app, alone = [], []
    for _ in range(repeats):  # alternately, so that both meet the same load
        _CAPTURED_HTML.clear()
        started = time.perf_counter()
        render_at_hold()
        app.append((time.perf_counter() - started) * 1000)
        captured = list(_CAPTURED_HTML)
        started = time.perf_counter()
        for html in captured:
            weasyprint_alone(html)
        alone.append((time.perf_counter() - started) * 1000)
    app_ms, alone_ms = statistics.median(app), statistics.median(alone)
    ratio = app_ms / alone_ms
    result.note = (f"served as stored; rendered once when the ceremony is held: {app_ms:,.0f} ms, "
                   f"WeasyPrint alone {alone_ms:,.0f} ms, ratio {ratio:.2f}")
    result.ok = ratio <= 1.5 and (limit_s is None or result.median_ms < limit_s * 1000)
    return result


def certificate_render(handover_pk: int):
    """Holding a ceremony renders its certificates this way (ceremonies.documents)."""
    from ceremonies import documents
    from ceremonies.models import Handover

    def render():
        handover = Handover.objects.select_related("ceremony").get(pk=handover_pk)
        html = documents.certificates_html([handover])
        pdf_pipeline.html_to_pdf_parts(html, [f"certificate-{handover.pk}"])
    return render


def bundle_render(ceremony_pk: int):
    """Holding a ceremony renders its certificates in one pass, then the minutes, then
    joins them (ceremonies.documents.store_certificates and store_bundle)."""
    from ceremonies import documents
    from ceremonies.models import Ceremony

    def render():
        ceremony = Ceremony.objects.get(pk=ceremony_pk)
        handovers = list(documents.handovers_for_documents(ceremony))
        parts = pdf_pipeline.html_to_pdf_parts(documents.certificates_html(handovers),
                                               [f"certificate-{h.pk}" for h in handovers])
        context = {**documents._common_context(), "ceremony": ceremony,
                   "guests": list(ceremony.guests.all()), "summary": documents.ceremony_summary(ceremony)}
        minutes = pdf_pipeline.html_to_pdf(
            pdf_pipeline.render_html("ceremonies/pdf/bundle.html", context, language="fr"))
        pdf_pipeline.concatenate([minutes, *parts])
    return render


# --- the CSV export, in a fresh process so that its memory is its own -------------------------
def export_probe(url: str, username: str) -> dict:
    client = logged_in(username)
    consume(client.get(reverse("home")))  # imports and first queries out of the way
    clear = Path("/proc/self/clear_refs")
    clear.write_text("5")  # resets the peak resident size (VmHWM)
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    response = client.get(url)
    stream = iter(response.streaming_content) if response.streaming else iter([response.content])
    first = next(stream, b"")
    first_ms = (time.perf_counter() - started) * 1000
    size, lines = len(first), first.count(b"\n")
    for chunk in stream:
        size += len(chunk)
        lines += chunk.count(b"\n")
    total_ms = (time.perf_counter() - started) * 1000
    peak_mb = (_status_kb("VmHWM") - before) / 1024
    # Second pass under tracemalloc: what Python itself held at most.
    tracemalloc.start()
    consume(client.get(url))
    python_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {"status": response.status_code, "streaming": bool(response.streaming),
            "content_type": response.get("Content-Type", ""), "first_ms": first_ms,
            "total_ms": total_ms, "bytes": size, "lines": lines, "rss_peak_mb": peak_mb,
            "python_peak_mb": python_peak_mb}


def profile(url: str, username: str) -> None:
    """Print each query of one request with its time: where a slow page spends it."""
    client = logged_in(username)
    consume(client.get(url))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        consume(response)
        total = (time.perf_counter() - started) * 1000
    in_sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    print(f"{url}: HTTP {response.status_code}, {total:.1f} ms, {len(queries)} queries "
          f"taking {in_sql:.1f} ms")
    for query in queries.captured_queries:
        print(f"{float(query['time']) * 1000:9.1f} ms  {query['sql'][:400]}")


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def bench_export(url: str | None, username: str) -> Result:
    result = Result("CSV export, 100,000 rows: first bytes", url,
                    "streamed, peak memory increase < 100 MB")
    if url is None:
        return result
    out = subprocess.run([sys.executable, __file__, "--export-probe", url, "--user", username],
                         capture_output=True, text=True, timeout=900, check=False)
    try:
        probe = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        result.note, result.ok = f"probe failed: {out.stderr.strip()[-200:]}", False
        return result
    if probe["status"] != 200:
        result.note, result.ok = f"HTTP {probe['status']}", False
        return result
    result.median_ms = probe["first_ms"]
    result.note = (f"{probe['lines'] - 1:,} rows, {probe['bytes'] / 2**20:.1f} MB in "
                   f"{probe['total_ms'] / 1000:.1f} s; "
                   f"{'streamed' if probe['streaming'] else 'NOT streamed'}; "
                   f"peak RSS +{probe['rss_peak_mb']:.0f} MB, Python heap peak "
                   f"{probe['python_peak_mb']:.0f} MB")
    result.ok = probe["streaming"] and probe["rss_peak_mb"] < 100
    return result


# --- gunicorn under load ------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_command(port: int) -> list[str]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    base = [gunicorn, "reintegration.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    for candidate in (REPO / "gunicorn.conf.py", REPO / "deploy" / "gunicorn.conf.py"):
        if candidate.exists():
            return [*base, "--config", str(candidate)]
    return [*base, "--workers", "4"]


def session_cookie(username: str) -> str:
    client = logged_in(username)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def bench_load(path: str | None, username: str, seconds: int, connections: int) -> Result:
    result = Result(f"gunicorn, {connections} clients for {seconds} s: beneficiaries list", path,
                    "≥ 100 requests/s, no error")
    if path is None:
        return result
    port = free_port()
    command = gunicorn_command(port)
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}{path}"
    try:
        cookie = session_cookie(username)
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        # Workers take seconds to boot on a busy machine: wait up to a minute.
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                    if response.status == 200 and response.url == url:
                        break
                    raise SystemExit(f"gunicorn answered {response.status} at {response.url}")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer within 60 s") from None
                time.sleep(0.5)
        # One request per connection first, so wrk measures warm workers.
        run_threads(url, cookie, 2, connections)
        cpu_before, load_before = load_cpu_seconds(server.pid), os.getloadavg()[0]
        rps, errors, detail = (run_wrk if shutil.which("wrk") else run_threads)(
            url, cookie, seconds, connections)
        cpu_after, load_after = load_cpu_seconds(server.pid), os.getloadavg()[0]
    except Exception as exc:
        result.note, result.ok = f"{type(exc).__name__}: {exc}"[:200], False
        return result
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    result.note = f"{rps:,.0f} requests/s, {errors} errors; {detail}; `{' '.join(command[1:])}`"
    if rps and cpu_before is not None:
        # What each request cost the two cores, whatever else ran on them meanwhile.
        per_request = {"gunicorn": 0.0, "postgres": 0.0}
        for pid, (kind, used) in cpu_after.items():
            per_request[kind] += (used - cpu_before.get(pid, (kind, 0.0))[1]) * 1000 / (rps * seconds)
        # Workers renewed during the run (max_requests): gunicorn processes that are new.
        renewed = sum(1 for pid, (kind, _used) in cpu_after.items()
                      if kind == "gunicorn" and pid not in cpu_before)
        result.note += f"; {renewed} workers renewed during the run"
        result.note += (f"; CPU per request: gunicorn {per_request['gunicorn']:.1f} ms, "
                        f"PostgreSQL {per_request['postgres']:.1f} ms; "
                        f"load average {load_before:.1f} → {load_after:.1f}")
    result.median_ms = None
    result.ok = rps >= 100 and errors == 0
    return result


def load_cpu_seconds(server_pid: int) -> dict[int, tuple[str, float]] | None:
    """CPU seconds (user + system) used so far by each process of the gunicorn started as
    `server_pid` (its session: master and workers) and each PostgreSQL backend of the
    bench's database, by process id; None without /proc or PostgreSQL."""
    if not os.path.exists("/proc/self/stat") or connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        backends = {row[0] for row in cursor.fetchall()}
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        # After the command's name: state, ppid, pgrp, session, ..., utime (12th), stime.
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        if int(fields[3]) == server_pid:
            used[int(entry)] = ("gunicorn", seconds)
        elif int(entry) in backends:
            used[int(entry)] = ("postgres", seconds)
    return used


def run_wrk(url, cookie, seconds, connections):
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
         "--latency", "-H", f"Cookie: {cookie}", url],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    ).stdout
    rps, errors, latency = 0.0, 0, ""
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            rps = float(words[1])
        elif "Non-2xx or 3xx responses" in line:
            errors += int(words[-1])
        elif line.strip().startswith("Socket errors"):
            errors += sum(int(part.split()[-1]) for part in line.split(":", 1)[1].split(","))
        elif line.strip().startswith("50%") and not latency:
            latency = f"latency p50 {words[1]}"
        elif line.strip().startswith("99%"):
            latency += f", p99 {words[1]}"
    return rps, errors, f"wrk, {latency}"


def run_threads(url, cookie, seconds, connections):
    deadline = time.monotonic() + seconds
    done, errors, lock, latencies = [0], [0], threading.Lock(), []

    def worker():
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                    response.read()
                    ok = response.status == 200
            except Exception:
                ok = False
            with lock:
                done[0] += ok
                errors[0] += not ok
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    detail = "Python threads (wrk not installed)"
    if latencies:
        detail += (f", latency p50 {percentile(latencies, 0.5):.0f} ms, "
                   f"p99 {percentile(latencies, 0.99):.0f} ms")
    return done[0] / seconds, errors[0], detail


# --- the run ---------------------------------------------------------------------------------
def run(args) -> list[Result]:
    fx = pick_fixtures()
    print(f"Data set: {', '.join(f'{v:,} {k}' for k, v in fx.counts.items())}", flush=True)
    auditor = logged_in("bench_auditor")
    staff = logged_in(fx.staff)
    officer = logged_in(fx.officer)
    admin = logged_in("bench_admin")
    n = args.iterations
    results = []

    def wanted(label: str) -> bool:
        return not args.only or any(word.lower() in label.lower() for word in args.only)

    def page(label, names, client, url_values=None, query="", target_ms=LIST_TARGET_MS):
        url = find_url(names, url_values or {})
        if not wanted(label):
            return url
        if url is not None and query:
            url = f"{url}?{query}"
        print(f"  {label} ...", flush=True)
        results.append(bench_page(label, client, url, n, target_ms))
        return url

    ben_list = page("Beneficiaries list, no filter", ["beneficiaries:list"], auditor)
    if ben_list:
        accepted = filter_names(ben_list)
        search = next((p for p in ("q", "search", "query", "text") if p in accepted), "q")
        pref = "prefecture" if "prefecture" in accepted or not accepted else next(
            (p for p in accepted if "prefecture" in p), "prefecture")
    else:
        search, pref = "q", "prefecture"
    page("Beneficiaries list, prefecture + status", ["beneficiaries:list"], auditor,
         query=f"{pref}={fx.prefecture_pk}&status=in_programme")
    page("Beneficiaries list, search by name", ["beneficiaries:list"], auditor,
         query=f"{search}={fx.last_name}")
    page("Beneficiaries list, search by CIN", ["beneficiaries:list"], auditor, query=f"{search}={fx.cin}")
    page("Beneficiaries list, page 500", ["beneficiaries:list"], auditor, query="page=500")
    page("Beneficiary detail", ["beneficiaries:detail"], auditor, {"public_id": fx.beneficiary_public_id})
    page("Projects list", ["grants:project_list"], auditor)
    page("Project detail", ["grants:project_detail"], auditor, {"public_id": fx.project_public_id})
    page("Review queue (officer of one prefecture)", ["grants:review_queue"], officer)
    page("Conventions list", ["grants:convention_list"], auditor)
    page("Convention detail (largest)", ["grants:convention_detail"], auditor, {"pk": fx.convention_pk})
    page("Ceremonies list", ["ceremonies:list"], auditor)
    page("Ceremony detail", ["ceremonies:detail", "ceremonies:ceremony_detail"], auditor,
         {"pk": fx.ceremony_pk, "ceremony_pk": fx.ceremony_pk})
    page("Follow-up visits list", ["grants:visit_list"], auditor)
    # The pages that commit, engage and spend money, with the ledger's figures they show.
    page("Review page, approval (officer)", ["grants:project_review"], officer,
         {"public_id": fx.submitted_public_id})
    page("Cash grant payment page (staff)", ["grants:disbursement_create"], staff,
         {"public_id": fx.payable_public_id})
    page("New purchase order, a convention's lines (staff)", ["grants:purchase_order_create_lines"], staff,
         {"convention_pk": fx.ordering_convention_pk})
    page("Convention ledger, recomputed (largest)", ["dashboard:convention_ledger"], auditor,
         {"pk": fx.convention_pk}, target_ms=DASHBOARD_TARGET_MS)
    results += bench_years(args, fx, auditor, admin, wanted, page)
    if wanted("Dashboard figures, full refresh; Dashboard, national, one prefecture (its staff), "
              "computed on request"):
        results += bench_dashboard(find_url(["dashboard"], {}), auditor, staff, n)

    admin_url = find_url(["admin:beneficiaries_beneficiary_changelist"], {})
    if wanted("Django admin side by side"):
        print("  side by side with Django admin ...", flush=True)
        results += bench_side_by_side(auditor, ben_list, admin, admin_url, n)

    # The list's own export (`?export=csv`, reintegration.common.exports.ExportMixin), else
    # an export URL wherever its owner put it (not the privacy export of one person).
    view_class = getattr(resolve(ben_list).func, "view_class", None) if ben_list else None
    export_names = [name for name in all_url_names() if "export" in name
                    and not name.startswith(("security:", "admin:"))]
    export_names.sort(key=lambda name: ("benefic" not in name, "csv" not in name, name))
    export_url = find_url(export_names, {key: "csv" for key in ("format", "fmt", "extension")}
                          | {key: "beneficiaries" for key in ("list", "kind", "name", "model", "what")})
    if export_url and "csv" not in export_url:
        export_url += "?format=csv"
    if view_class is not None and hasattr(view_class, "export_columns"):
        export_url = f"{ben_list}?export=csv"
    if wanted("CSV export"):
        print("  CSV export ...", flush=True)
        results.append(bench_export(export_url, "bench_auditor"))

    if not args.skip_pdf and wanted("Certificate PDF, ceremony bundle PDF"):
        token_values = {"pk": fx.handover_pk, "handover_pk": fx.handover_pk,
                        "token": fx.handover_token, "ceremony_pk": fx.ceremony_pk}
        certificate = find_url(["ceremonies:certificate", "ceremonies:certificate_pdf",
                                "ceremonies:handover_certificate", "ceremonies:handover_pdf"], token_values)
        print("  certificate PDF ...", flush=True)
        results.append(bench_pdf("Certificate PDF (one page)", staff, certificate, max(3, n // 4),
                                 render_at_hold=certificate_render(fx.handover_pk)))
        bundle = None
        if fx.bundle_ceremony_pk:
            bundle = find_url(["ceremonies:bundle", "ceremonies:bundle_pdf", "ceremonies:ceremony_bundle",
                               "ceremonies:certificates_pdf"],
                              {"pk": fx.bundle_ceremony_pk, "ceremony_pk": fx.bundle_ceremony_pk})
        print("  bundle PDF ...", flush=True)
        results.append(bench_pdf(f"Ceremony bundle ({fx.bundle_size} certificates)", admin, bundle, 3,
                                 limit_s=5, render_at_hold=bundle_render(fx.bundle_ceremony_pk)
                                 if fx.bundle_ceremony_pk else None))
    if not args.skip_load and wanted("gunicorn load"):
        print("  gunicorn under load ...", flush=True)
        results.append(bench_load(ben_list, "bench_auditor", args.seconds, args.connections))
    return results, fx


def bench_years(args, fx, auditor, admin, wanted, page) -> list[Result]:
    """The pages and commands that read what time accumulates (issue 24): the access
    log's searches, a file's history and timeline, the archive of the access log, the
    anonymisation of a file, check_ledger."""
    from django.core.management import call_command

    yx = years_fixtures(fx)
    staff_user = fx.staff
    page("Access log, newest first", ["audit:list"], auditor)
    page("Access log, filtered by user", ["audit:list"], auditor, query=f"user={staff_user}")
    page("Access log, filtered by file", ["audit:list"], auditor,
         query=f"object_id={fx.beneficiary_public_id}")
    page("Access log, filtered by one day (3 years ago)", ["audit:list"], auditor,
         query=f"since={yx['day']}&until={yx['day']}")
    page("Access log, user and a month (a year ago)", ["audit:list"], auditor,
         query=f"user={staff_user}&since={yx['month_start']}&until={yx['month_end']}")
    page(f"File timeline: beneficiary detail, the file with the most versions ({yx['busiest_versions']})",
         ["beneficiaries:detail"], auditor, {"public_id": yx["busiest_public_id"]})
    page(f"File history (Django admin), the file with the most versions ({yx['busiest_versions']})",
         ["admin:beneficiaries_beneficiary_history"], admin, {"object_id": yx["busiest_pk"]})
    page(f"Project history (Django admin), the project with the most versions "
         f"({yx['busiest_project_versions']})",
         ["admin:grants_project_history"], admin, {"object_id": yx["busiest_project_pk"]})
    results = []
    if wanted("Archive of the access log's oldest month"):
        from reintegration.audit.models import AccessLog
        from reintegration.audit.partitions import archive_expired, current_month, partitions

        months = sorted(partitions())
        print("  archive of the oldest month ...", flush=True)
        if months:
            oldest = months[0]
            this = current_month()
            retention = (this.year - oldest.year) * 12 + this.month - oldest.month - 1
            rows = AccessLog.objects.filter(at__lt=f"{months[1]:%Y-%m-%d}T00:00:00Z").count()

            def archive():
                archived = archive_expired(retention_months=retention)
                from django.core.files.storage import default_storage

                for item in archived:
                    default_storage.delete(item.path)
                return f"{sum(a.rows for a in archived):,} rows of {len(archived)} month(s), {rows:,} counted"

            results.append(bench_task("Archive of the access log's oldest month (gzip CSV, drop)",
                                      "reference: nightly, one month at a time", archive))
    if wanted("Anonymisation of one file"):
        from beneficiaries.models import Beneficiary
        from reintegration.security.anonymisation import anonymise_beneficiary

        print("  anonymisation of one file ...", flush=True)
        beneficiary = Beneficiary.objects.get(public_id=yx["busiest_public_id"] or fx.beneficiary_public_id)
        results.append(bench_task(
            f"Anonymisation of one file ({yx['busiest_versions']} versions; rolled back)",
            "reference: anonymise_closed_files, per file",
            lambda: anonymise_beneficiary(beneficiary=beneficiary) and "", repeats=1,
        ))
    if wanted("check_ledger"):
        print("  check_ledger ...", flush=True)
        results.append(bench_task("check_ledger (every convention and project)", "reference",
                                  lambda: call_command("check_ledger", stdout=io.StringIO()),
                                  repeats=1))
    return results


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = _meminfo_gb()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        db = cursor.fetchone()[0].split(" on ")[0]
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.platform()}, "
            f"Python {platform.python_version()}, Django {django.get_version()}, {db}")


def _meminfo_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def report(results: list[Result], fx: Fixtures, iterations: int, load_before: float) -> str:
    load_after = os.getloadavg()[0]
    lines = [
        f"Run of {time.strftime('%Y-%m-%d %H:%M')} on {machine()}; load average "
        f"{load_before:.1f} at the start, {load_after:.1f} at the end (2 would fill both cores).",
        f"Data set: {', '.join(f'{v:,} {k}' for k, v in fx.counts.items())}. "
        f"{iterations} requests per page after one that counts the queries; server time in-process "
        f"through Django's test client, DEBUG off.",
        "",
        "| page | median ms | p95 ms | queries | target | verdict |",
        "|---|---:|---:|---:|---|---|",
    ]
    lines += [result.row() for result in results]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20, help="length of the load test")
    parser.add_argument("--connections", type=int, default=20, help="concurrent clients of the load test")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--only", nargs="*",
                        help="measure only the pages whose label holds one of these words")
    parser.add_argument("--output", help="also write the markdown table to this file")
    parser.add_argument("--profile", metavar="URL",
                        help="list the queries of one request to URL (with --user)")
    parser.add_argument("--export-probe", help=argparse.SUPPRESS)
    parser.add_argument("--user", default="bench_auditor", help="who requests, for --profile")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.user)
        return
    if args.export_probe:
        print(json.dumps(export_probe(args.export_probe, args.user)))
        return
    if connection.vendor != "postgresql":
        print("Warning: the targets are for PostgreSQL; DATABASE_URL points elsewhere.", file=sys.stderr)
    load_before = os.getloadavg()[0]
    results, fx = run(args)
    text = report(results, fx, args.iterations, load_before)
    print()
    print(text)
    if args.output:
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
