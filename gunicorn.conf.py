"""gunicorn's configuration: `gunicorn -c gunicorn.conf.py reintegration.wsgi`.

Everything that differs between machines comes from the environment (the same file as
Django's, /etc/reinsertion/env in DEPLOY.md).
"""

import multiprocessing
import os

# nginx on the same machine talks to 127.0.0.1:8000. Behind a load balancer on another
# machine: GUNICORN_BIND=0.0.0.0:8000 and FORWARDED_ALLOW_IPS=<the proxy's address>.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: the app is CPU-bound (WeasyPrint PDFs) and holds no long connections.
# Measured on 2 cores (bench/README.md, the list under 20 clients): 5 sync workers
# served 143 requests/s, 3 sync workers 142, 3 threaded workers × 4 threads 128 with
# twice the 99th percentile (the threads of a worker queue for its interpreter lock), so
# keep-alive is not worth threads. Two per core and one: a worker busy holding a
# ceremony (its certificates, about 30 s) leaves the others to the pages.
# One certificate bundle of 100 pages takes about 8 s and 230 MiB: keep
# workers × 300 MiB below the machine's memory.
workers = int(os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 8)))
# A ceremony's bundle of certificates is the slowest request; nginx waits 130 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
# Renew workers now and then: PDF rendering leaves memory fragmented. Rarely and out
# of step, though: a new worker imports the app again (about 0.6 s of CPU, 2.7 s of wall
# time on the 2 shared cores of the bench machine) while the others carry its share.
# After 1,000 requests (± 100), a load of 280 requests/s over 5 workers recycled one
# every 3 to 4 s, in step, and the 99th percentile reached 0.35–3.4 s while the server
# time stayed under 28 ms (issue 24). Now each worker lives 20,000 to 25,000 requests
# (a uniform draw per worker, so they do not restart together): at that load each
# worker lives 6 to 7.5 minutes, one restart about every 80 s across the 5; at a
# national programme's daytime load (a few requests/s) one every few hours. Renewal is
# kept rather than dropped: a worker that grows with PDFs is still renewed.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20_000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 4))

# Requests are logged by the app itself (one JSON line with the user's id); gunicorn's
# access log would repeat them without it. gunicorn's own messages (start, stop, worker
# timeouts) go to stderr in text, or to stdout as JSON lines like the app's.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

debug = os.environ.get("DJANGO_DEBUG", "").lower() in {"1", "true", "yes", "on"}
if os.environ.get("DJANGO_LOG_FORMAT", "text" if debug else "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "reintegration.logging.JsonFormatter"}},
        "handlers": {
            "json_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {
                "level": loglevel.upper(), "handlers": ["json_console"], "propagate": False,
            },
        },
    }

# No runtime control socket (gunicornc): systemd signals suffice, and its default path
# in $HOME is shared by every gunicorn of the user (the test starts its own).
control_socket_disable = True

# Heartbeat files in memory rather than on a disk that might be slow or read-only.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


def post_worker_init(worker):
    """Import the URLconf and every view now rather than on the worker's first request,
    which otherwise takes seconds (WeasyPrint and friends) and can fail a health probe.

    Then set the objects of that import apart from the garbage collector (`gc.freeze`):
    they live as long as the worker, yet each full collection walked all 135,000 of them
    (130 ms on the bench machine, a stalled request every few hundred); it now walks
    only what the requests left."""
    import gc

    from django.urls import resolve

    resolve("/health/")
    gc.freeze()
