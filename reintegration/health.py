"""`/health/`: is this server able to work? For the load balancer and the monitoring.

No login, nothing revealed but "ok" or "error" per check: no version, no host name, no
exception text, no address (the reason goes to the log). Never cached.

With Redis (`REDIS_URL`): the shared cache and Celery's broker are checked too, and the
workers' heartbeat (each worker writes the time into the cache every few seconds,
reintegration/celery.py) reads "ok" while the last one is under a minute old. A missing
worker does not make the server unhealthy (it still serves pages; jobs wait in Redis),
so it is reported without turning the status to "error". Without Redis, tasks run inline:
broker and worker read "inline".
"""

import logging
import time
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not healthy"; the log says which
        logger.exception("Health check: the database does not answer.")
        return False
    return True


def storage_ok() -> bool:
    """Writes then deletes a small file where the documents are kept."""
    try:
        name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
        default_storage.delete(name)
    except Exception:  # idem
        logger.exception("Health check: the media storage is not writable.")
        return False
    return True


def cache_ok() -> bool:
    """Writes, reads back and deletes a key in the cache (shared with Redis, or this process's)."""
    key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(key, "ok", 10)
        value = cache.get(key)
        cache.delete(key)
    except Exception:  # idem
        logger.exception("Health check: the cache does not answer.")
        return False
    return value == "ok"


def broker_ok() -> bool:
    from reintegration.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # idem
        logger.exception("Health check: Celery's broker does not answer.")
        return False
    return True


def worker_state() -> str:
    from reintegration.celery import HEARTBEAT_KEY, HEARTBEAT_TIMEOUT

    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception:  # the cache's own check says why
        return "error"
    return "ok" if beat is not None and time.time() - float(beat) < HEARTBEAT_TIMEOUT else "error"


@login_not_required
@require_safe
def health(request):
    checks = {
        "database": "ok" if database_ok() else "error",
        "storage": "ok" if storage_ok() else "error",
        "cache": "ok" if cache_ok() else "error",
    }
    if settings.REDIS_URL:
        checks["broker"] = "ok" if broker_ok() else "error"
    healthy = all(value == "ok" for value in checks.values())
    if settings.REDIS_URL:
        checks["worker"] = worker_state()
    else:
        checks["broker"] = checks["worker"] = "inline"
    response = JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
    response["Cache-Control"] = "no-store"
    return response
