"""Settings for the test suite: the real settings with test-only speed-ups."""

import os
import tempfile
import uuid

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
# The suite tests the production settings, whatever the shell or the Makefile (which
# turns debug on for `make run`) says.
os.environ["DJANGO_DEBUG"] = "false"
os.environ.pop("DJANGO_LOG_FORMAT", None)

from reintegration.settings import *  # noqa: E402,F403

# Plain HTTP in tests; production keeps the HTTPS redirect.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# A fast hasher: the suite creates many users; Argon2 is tested on its own.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest storage needs collectstatic; live_server serves from the finders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A Celery worker started by the tests (tests/workers.py) shares the suite's folder.
MEDIA_ROOT = os.environ.get("DJANGO_TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="reinsertion-test-media-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "cases.sms.MemoryBackend"
ALLOWED_HOSTS = ["*"]
# Tasks run inline, as without Redis, even where REDIS_URL is set (CI): a test that holds a
# ceremony finds its certificates when the request returns. The tests of the real worker
# send them to Redis instead (tests/workers.py).
CELERY_TASK_ALWAYS_EAGER = True
# A queue of this run's own (inherited by the worker it starts): another run sharing the
# Redis database never takes its tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ.setdefault("TEST_CELERY_QUEUE", f"test-{uuid.uuid4().hex[:8]}")
