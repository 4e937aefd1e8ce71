"""`/health/`: is this server able to work? For the load balancer and the monitoring.

No login, nothing revealed but "ok" or "error" per check: no version, no host name, no
exception text (the reason goes to the log). Never cached.
"""

import logging
import uuid

from django.contrib.auth.decorators import login_not_required
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


@login_not_required
@require_safe
def health(request):
    checks = {
        "database": "ok" if database_ok() else "error",
        "storage": "ok" if storage_ok() else "error",
    }
    healthy = all(value == "ok" for value in checks.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
    response["Cache-Control"] = "no-store"
    return response
