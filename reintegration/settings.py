"""Settings of Réinsertion, read from the environment.

Every value that differs between a laptop and production comes from an environment
variable; see the README for the list. With DJANGO_DEBUG off the app refuses to start
without a secret key rather than fall back to a known one.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value "
            "(or set DJANGO_DEBUG=true for local development)."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")


def database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several kinds of error
        raise ImproperlyConfigured(f"DATABASE_URL is malformed ({exc}).") from exc
    if not config.get("ENGINE") or not config.get("NAME"):
        raise ImproperlyConfigured(
            "DATABASE_URL is malformed: expected e.g. postgres://user@host:5432/dbname."
        )
    if "postgresql" in config["ENGINE"]:
        # No JIT: it compiles each costly report query anew, adding 0.2-0.8 s to pages
        # that run in tens of milliseconds without it (bench/README.md).
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Covering indexes (`Index(include=…)`, grants/models.py) serve PostgreSQL's index-only
# scans; SQLite builds them without their extra columns, which is all it needs, and
# Django's check says so on every command (models.W040). Silenced there only.
SILENCED_SYSTEM_CHECKS = (
    ["models.W040"] if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else []
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "reintegration.common",
    "reintegration.territories",
    "reintegration.accounts",
    "reintegration.sequences",
    "reintegration.audit",
    "reintegration.jobs",
    "reintegration.security",
    "reintegration.demo",
    "beneficiaries",
    "grants",
    "procurement",
    "ceremonies",
    "followup",
    "cases",
    "reintegration.dashboard",
]

MIDDLEWARE = [
    # First: one log line per request, timed over everything below (reintegration/logging.py).
    "reintegration.logging.RequestLogMiddleware",
    # The client's address from nginx's X-Forwarded-For, for axes and the access log.
    "reintegration.proxy.TrustedProxyMiddleware",
    # A NUL character in a URL, or an admin date drill-down that is no date: a 400 before
    # any view reads them.
    "reintegration.security.middleware.MalformedRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Bidi controls (U+202E…) out of every text typed in, before any form reads it.
    "reintegration.common.middleware.StripBidiControlsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view needs a login unless it is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Admins and officers (who approve money) must have entered a one-time code.
    "reintegration.security.middleware.OTPRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A PDF asked for where WeasyPrint cannot load its libraries: a page saying what to install.
    "reintegration.common.middleware.PdfUnavailableMiddleware",
    "reintegration.accounts.middleware.NoStoreForAuthenticatedMiddleware",
    "reintegration.accounts.middleware.SessionIdleTimeoutMiddleware",
    # Last, as django-axes asks: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reintegration.urls"
WSGI_APPLICATION = "reintegration.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reintegration.accounts.context_processors.role",
                "reintegration.navigation.nav_sections",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username and address never reach the password check.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the role and the permissions in one query.
    "reintegration.accounts.backends.AccessBackend",
]

# Login throttling (reintegration/security/throttling.py), failures within 15 minutes:
# 5 for a user name from one address, 10 for a user name from any address (its owner's
# known addresses spared), 20 from one address for any user name. Locks last 15 minutes.
AXES_HANDLER = "reintegration.security.throttling.LoginThrottle"
AXES_FAILURE_LIMIT = 5
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 10
LOGIN_FAILURE_LIMIT_PER_ADDRESS = 20
LOGIN_KNOWN_ADDRESS_DAYS = 90
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"

# Two-factor login (django-otp): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = "Réinsertion"
# How old (seconds) the last one-time code may be for a decision that asks for a fresh one
# (approving a supplier's new bank account): reintegration/security/two_factor.py.
FRESH_CODE_SECONDS = int(os.environ.get("FRESH_CODE_SECONDS", "300"))

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after 30 minutes without activity and when the browser closes.
SESSION_COOKIE_AGE = 30 * 60
# Refreshed at most once a minute by SessionIdleTimeoutMiddleware (not on every request).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "fr"
LANGUAGES = [
    ("fr", _("French")),
    ("ar", _("Arabic")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our corrections to Django's date formats (reintegration/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["reintegration.formats"]
TIME_ZONE = "Africa/Casablanca"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# Uploaded documents are private: there is no MEDIA_URL route, every download goes
# through a view that checks the user's scope.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Documents: a private directory (DJANGO_MEDIA_ROOT), or S3-compatible object storage
# with DJANGO_STORAGE_BACKEND=s3 (DEPLOY.md). Never public: every file goes through a
# view that checks the scope; S3 links are signed and short-lived.
STORAGE_BACKEND = os.environ.get("DJANGO_STORAGE_BACKEND", "filesystem")
if STORAGE_BACKEND == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("DJANGO_S3_BUCKET", ""),
            "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DJANGO_S3_REGION") or None,
            "access_key": os.environ.get("DJANGO_S3_ACCESS_KEY_ID", ""),
            "secret_key": os.environ.get("DJANGO_S3_SECRET_ACCESS_KEY", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured("DJANGO_STORAGE_BACKEND must be filesystem or s3.")

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# PDF fonts are read from disk, source maps only by developer tools: not worth compressing
# (brotli on them made collectstatic take a minute).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br",
    "woff", "woff2", "ttf", "map",
)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "reinsertion@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# SMTP (DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend): see DEPLOY.md.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10

# SMS to beneficiaries (cases/sms.py): the backend's dotted path; the file backend's
# file; the HTTP gateway's address, token and sender name (DEPLOY.md).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "cases.sms.ConsoleBackend")
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", BASE_DIR / "sms.log"))
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "Reinsertion")
SMS_TIMEOUT = 10

# Law 09-08: the CNDP's authorisation number printed on every intake form and PDF.
CNDP_AUTHORISATION = os.environ.get("CNDP_AUTHORISATION", "A-XXX/2024")
# The law's number, given to the notices' translations as a placeholder: each language
# words the notice, the number is isolated once (in Arabic it would read 08-09).
DATA_PROTECTION_LAW = "09-08"
FOUNDATION_NAME = os.environ.get(
    "FOUNDATION_NAME", "Fondation pour la réinsertion des détenus"
)
# The same name in Arabic, for the bilingual certificates.
FOUNDATION_NAME_AR = os.environ.get("FOUNDATION_NAME_AR", "مؤسسة إعادة إدماج السجناء")
# Base of the URL printed in the certificates' QR codes.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Law 09-08: closed files are anonymised after this many years (anonymise_closed_files).
RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", 10))

# Law 09-08: the access log (who displayed, downloaded or exported which file) is kept
# this many whole months, then archived to a gzip CSV in the private storage and removed
# (`manage.py archive_access_log`, daily by Celery beat: reintegration/audit/tasks.py). 12 months
# by default, the ceiling data-protection authorities commonly set for access traces
# (CNIL: 6 months to a year); set it to the period of the foundation's CNDP declaration.
ACCESS_LOG_RETENTION_MONTHS = int(os.environ.get("ACCESS_LOG_RETENTION_MONTHS", 12))
# PostgreSQL: month partitions of the access log created this many months ahead.
ACCESS_LOG_PARTITIONS_AHEAD = int(os.environ.get("ACCESS_LOG_PARTITIONS_AHEAD", 3))

# The dashboard shows figures stored at most this many seconds ago (snapshots in the
# database, per prefecture and filters, refreshed by `manage.py refresh_dashboard` on a
# Celery beat more often than that: DEPLOY.md); past it a page computes them. The page says when
# they were computed and offers to recompute. 0: computed on every request, none stored.
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", 300))

# Redis (DEPLOY.md): with REDIS_URL, e.g. redis://127.0.0.1:6379/0, it is Celery's broker
# and result store and Django's cache, shared by every app server and worker: the rate
# limits, the lists' filter options and the menu count across all of them. Without it (the
# README's `make run`), the jobs run inline in the request that starts them and the cache
# stays in each process's memory: nothing more to install. Sessions stay in the database.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "reintegration.common.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Our keys under a prefix of their own, next to the broker's in the same
            # database: clear() deletes those only (reintegration/common/cache.py).
            "KEY_PREFIX": "reinsertion",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery (reintegration/celery.py reads every CELERY_* setting).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# No broker: a task runs at once, in the process that asks for it.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
# A task is acknowledged once it has run, so a worker killed mid-way leaves it to another
# (every task is idempotent: reintegration/jobs/).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Africa/Casablanca"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Beat (one process for the whole installation: DEPLOY.md) replaces the systemd timer of
# the dashboard: every 4 minutes, within DASHBOARD_CACHE_SECONDS.
CELERY_BEAT_SCHEDULE = {
    "refresh-dashboard": {
        "task": "reintegration.dashboard.tasks.refresh_dashboard",
        "schedule": 240.0,
    },
    # Daily, at night (the settings' TIME_ZONE): partitions ahead, old months archived.
    "maintain-access-log": {
        "task": "reintegration.audit.tasks.maintain_access_log",
        "schedule": crontab(hour=3, minute=17),
    },
}

# No inline script or style anywhere: every script and stylesheet is a static file.
# Images may be data: URIs (the QR code of the authenticator set-up page).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The load balancer asks gunicorn directly over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", 31_536_000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)

# Addresses of the reverse proxies whose X-Forwarded-For is believed (reintegration/proxy.py).
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "127.0.0.1,::1")

# Logs on standard output: one JSON line per request and per error in production,
# plain text in development (reintegration/logging.py).
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("DJANGO_LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "reintegration.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # 4xx warnings repeat the request line; errors (500, with traceback) still pass.
        "django.request": {"level": "ERROR"},
        # runserver's own request lines repeat ours too.
        "django.server": {"level": "WARNING"},
        # WeasyPrint narrates each step of each PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# A list's export of more rows than this is written by a job (reintegration/common/tasks.py):
# the page answers at once and the file is downloaded from the job's page when ready.
EXPORT_JOB_ROWS = int(os.environ.get("EXPORT_JOB_ROWS", 20_000))
