"""The Celery application: `celery -A reintegration worker` and `celery -A reintegration beat`
(deploy/reinsertion-worker.service, deploy/reinsertion-beat.service).

Its settings are Django's `CELERY_*` ones (reintegration/settings.py): Redis when
`REDIS_URL` is set, otherwise every task runs inline where it is called. The tasks are the
`tasks.py` modules of the installed apps.
"""

import contextlib
import os
import time

from celery import Celery
from celery.signals import heartbeat_sent, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reintegration.settings")

app = Celery("reintegration")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# What `/health/` reads: the last time a worker said it was alive (reintegration/health.py).
HEARTBEAT_KEY = "jobs:worker-heartbeat"
HEARTBEAT_TIMEOUT = 60


@worker_ready.connect
@heartbeat_sent.connect
def record_heartbeat(**kwargs):
    from django.core.cache import cache

    # The cache down must not stop the worker; /health/ says it is down.
    with contextlib.suppress(Exception):
        cache.set(HEARTBEAT_KEY, time.time(), HEARTBEAT_TIMEOUT * 5)
