"""Holdfast settings, read from the environment (and an optional `.env`) by django-environ.

With nothing set, Holdfast runs on SQLite with distribution files in `./media`, so a newcomer
needs no services. See README.md for the table of settings.
"""

import base64
import hashlib
import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The default key is for local development only; `manage.py check --deploy` flags it.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="django-insecure-holdfast-development-key-do-not-use-in-production",
)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS. Off by default, so `make run` serves http://127.0.0.1:8000; production turns each on
# (README, "Production"), and `manage.py check --deploy` names whatever is still off.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
# Behind a proxy that ends TLS: the header it sets and the value that means HTTPS, e.g.
# "HTTP_X_FORWARDED_PROTO,https". Only when the proxy always sets (or strips) that header.
_proxy_ssl_header = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured(
            "DJANGO_SECURE_PROXY_SSL_HEADER must be a header and a value, "
            "e.g. 'HTTP_X_FORWARDED_PROTO,https'."
        )
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)

# Content-Security-Policy (django-csp 4): scripts, styles, images and fonts from this site
# only, no inline script or <style> (templates use static files), no frames, forms posted back
# here. One inline style attribute is allowed by its hash: django-simple-history's history
# list has `style="border-top: 0"`. DJANGO_CSP_REPORT_ONLY=true sends the policy as
# Content-Security-Policy-Report-Only (browsers report, block nothing) to try a change first.
HISTORY_PAGINATOR_STYLE = "border-top: 0"


def _csp_hash(source):
    return f"'sha256-{base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()}'"


_csp = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-hashes'", _csp_hash(HISTORY_PAGINATOR_STYLE)],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}
if env.bool("DJANGO_CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp
else:
    CONTENT_SECURITY_POLICY = _csp

INSTALLED_APPS = [
    "registry.apps.HoldfastAdminConfig",  # django.contrib.admin with Holdfast's sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "registry",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "registry.two_factor.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction starts, so two requests that both read then
    # write serialise instead of failing half-way (SQLite has no SELECT ... FOR UPDATE).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# An optional read replica (a streaming replica of the PostgreSQL primary). The simple pages,
# the root index and the change feed read from it (registry.replica.reader()); everything else,
# and every write, uses the primary. Tests point it at the test database (Django's TEST MIRROR).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.sqlite3":
        DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
        DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASE_ROUTERS = ["registry.replica.PrimaryRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://holdfast")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")

MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Distribution files (File.blob, which uses the default storage): the local folder MEDIA_ROOT, or
# with HOLDFAST_FILES_STORAGE=s3 a bucket of any S3-compatible object store (django-storages).
# Downloads then redirect to a presigned URL valid for AWS_QUERYSTRING_EXPIRE seconds, or, with
# HOLDFAST_FILES_ACCEL_REDIRECT, are handed to the proxy. Credentials: AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY from the environment (or the machine's role when unset).
HOLDFAST_FILES_STORAGE = env.str("HOLDFAST_FILES_STORAGE", default="local")
if HOLDFAST_FILES_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured("HOLDFAST_FILES_STORAGE must be 'local' or 's3'.")
if HOLDFAST_FILES_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "registry.storage.DistributionStorage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "location": env.str("AWS_LOCATION", default=""),
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default=None),
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
        },
    }
# How long caches may keep a file's bytes and metadata file when no CDN purge is configured
# (HOLDFAST_CDN_PURGE_URL). With a purge, files are cached for a year as immutable.
HOLDFAST_FILES_MAX_AGE = env.int("HOLDFAST_FILES_MAX_AGE", default=3600)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="holdfast@localhost")
# Seconds an SMTP connection may take: a person's act tries its mail right after commit, so a
# mail server that hangs must not hang the request (the outbox retries what timed out).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# E-mail goes through the outbox (registry/outbox.py): written in the transaction of the change,
# sent right after it commits and again by the scheduler (advance_workflows, send_outbox) until
# the mail server takes it. A failed attempt waits HOLDFAST_OUTBOX_RETRY_SECONDS, doubling after
# each failure up to HOLDFAST_OUTBOX_RETRY_MAX_SECONDS, then keeps retrying at that interval.
HOLDFAST_OUTBOX_RETRY_SECONDS = env.int("HOLDFAST_OUTBOX_RETRY_SECONDS", default=60)
HOLDFAST_OUTBOX_RETRY_MAX_SECONDS = env.int("HOLDFAST_OUTBOX_RETRY_MAX_SECONDS", default=6 * 3600)

# CDN purge: when a removal, quarantine, purge or restore changes what a project's pages and
# files show, the outbox POSTs to this URL once per surrogate key ({key} is replaced), e.g.
# https://api.fastly.com/service/SERVICE_ID/purge/{key}, with these headers (comma-separated
# NAME=VALUE, e.g. Fastly-Key=TOKEN). Empty (the default): no CDN, nothing is queued.
HOLDFAST_CDN_PURGE_URL = env.str("HOLDFAST_CDN_PURGE_URL", default="")
HOLDFAST_CDN_PURGE_HEADERS = env.dict("HOLDFAST_CDN_PURGE_HEADERS", default={})
HOLDFAST_CDN_PURGE_TIMEOUT = env.float("HOLDFAST_CDN_PURGE_TIMEOUT", default=10.0)

# History is evidence: it can be read in the admin, never reverted (a revert would bypass policy).
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Holdfast ---------------------------------------------------------------------------------------

# The deletion policy preset (see registry/policy/presets.py): proposal-2022, pep763, npm,
# crates-io, rubygems, immutable or pypi-2025. Each parameter of the preset can be overridden with
# HOLDFAST_POLICY_<PARAMETER>, e.g. HOLDFAST_POLICY_PROJECT_WINDOW_DAYS=3; an unknown preset or
# parameter stops start-up (system check holdfast.E001).
HOLDFAST_POLICY = env.str("HOLDFAST_POLICY", default="proposal-2022")
vars().update(
    {key: value for key, value in os.environ.items() if key.startswith("HOLDFAST_POLICY_")}
)

# Critical projects: the most downloaded share of live projects over the last 30 days, in
# percent (the top 1% by default), recomputed by the scheduler (manage.py advance_workflows).
# A preset's critical_needs_admin parameter can make their deletions need a registry admin.
HOLDFAST_CRITICAL_PROJECTS_PERCENT = env.float("HOLDFAST_CRITICAL_PROJECTS_PERCENT", default=1.0)

# Maintainers' pages: Django's own login and logout views, then "your projects".
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "registry:projects"
LOGOUT_REDIRECT_URL = "login"

# The URL name of the page where a maintainer asks the registry admins for a deletion exception
# (it takes the project's normalised name as `name`). None: pages tell them to write instead.
HOLDFAST_EXCEPTION_REQUEST_URL_NAME = "moderation:exception-new"
# The page where an owner deprecates a project and schedules its removal (moderation's staged
# removal); the registry's project page links to it. None: no such action is offered.
HOLDFAST_STAGED_REMOVAL_URL_NAME = "moderation:staged-new"

# Sign-in (the maintainers' login page and the admin's, counted together) and upload tokens:
# how many failed attempts each account and each client address may make, as "count/period"
# like the public forms' rate. Over the limit even the right password or token is refused until
# the window ends (429 with Retry-After). Counted in the default cache (CACHE_URL).
HOLDFAST_SIGN_IN_ACCOUNT_RATE = env.str("HOLDFAST_SIGN_IN_ACCOUNT_RATE", default="10/15m")
HOLDFAST_SIGN_IN_ADDRESS_RATE = env.str("HOLDFAST_SIGN_IN_ADDRESS_RATE", default="30/h")
HOLDFAST_TOKEN_ADDRESS_RATE = env.str("HOLDFAST_TOKEN_ADDRESS_RATE", default="30/h")

# Trusted reporters (moderation's /api/reports/): how many reports each reporter may file, as
# "count/period"; and how many distinct active trusted reporters' open malware reports on one
# project quarantine it at once.
HOLDFAST_REPORTER_RATE = env.str("HOLDFAST_REPORTER_RATE", default="120/h")
HOLDFAST_QUARANTINE_REPORTERS = env.int("HOLDFAST_QUARANTINE_REPORTERS", default=2)

# Staff two-factor sign-in: support staff and registry admins give a one-time code from an
# authenticator app (TOTP) after their password; `manage.py staff_totp USERNAME` sets one up.
# Off by default (the demo); turn it on in production.
HOLDFAST_STAFF_2FA = env.bool("HOLDFAST_STAFF_2FA", default=False)
OTP_TOTP_ISSUER = "Holdfast"
# The admin shows a device's secret only while it is being added.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Public moderation forms (takedown notices, abuse reports, replies): how many POSTs one client
# address may make to each form, as "count/period" with s, m, h or d ("5/h", "20/10m"). Counted
# in the default cache, so several web processes need a shared one (CACHE_URL). Behind proxies,
# set how many of them append to X-Forwarded-For (0: use the connection's address). The
# throttled page tells people to write to HOLDFAST_MODERATION_EMAIL instead.
HOLDFAST_PUBLIC_FORM_RATE = env.str("HOLDFAST_PUBLIC_FORM_RATE", default="10/h")
HOLDFAST_TRUSTED_PROXY_COUNT = env.int("HOLDFAST_TRUSTED_PROXY_COUNT", default=0)
HOLDFAST_MODERATION_EMAIL = env.str("HOLDFAST_MODERATION_EMAIL", default=DEFAULT_FROM_EMAIL)

# Uploads (/legacy/): the largest file accepted, and how long a release accepts new files after
# it was created (PyPI has refused late artifacts since July 2026).
HOLDFAST_MAX_FILE_SIZE = env.int("HOLDFAST_MAX_FILE_SIZE", default=100 * 1024 * 1024)
HOLDFAST_RELEASE_UPLOAD_WINDOW_DAYS = env.int("HOLDFAST_RELEASE_UPLOAD_WINDOW_DAYS", default=14)

# Production: let the proxy serve file bytes. With e.g. "/protected-files/", /files/<name>
# answers with `X-Accel-Redirect: /protected-files/<stored path>` (nginx `internal` location).
HOLDFAST_FILES_ACCEL_REDIRECT = env.str("HOLDFAST_FILES_ACCEL_REDIRECT", default=None)

# Moderation: service-level targets per queue (hours until a new request is due), and the
# stages of a staged removal (each at least 7 days).
HOLDFAST_SLA_HOURS = {
    "takedown": env.int("HOLDFAST_SLA_TAKEDOWN_HOURS", default=72),
    "exception": env.int("HOLDFAST_SLA_EXCEPTION_HOURS", default=120),
    "abuse": env.int("HOLDFAST_SLA_ABUSE_HOURS", default=24),
    "name": env.int("HOLDFAST_SLA_NAME_HOURS", default=120),
}
HOLDFAST_STAGED_DEPRECATED_DAYS = env.int("HOLDFAST_STAGED_DEPRECATED_DAYS", default=30)
HOLDFAST_STAGED_PENDING_DAYS = env.int("HOLDFAST_STAGED_PENDING_DAYS", default=30)
# PEP 541 name requests: how long contacted owners have to answer ("keep my project"), and how
# long without a release makes a project abandoned.
HOLDFAST_NAME_REACHABILITY_DAYS = env.int("HOLDFAST_NAME_REACHABILITY_DAYS", default=42)
HOLDFAST_NAME_ABANDONED_DAYS = env.int("HOLDFAST_NAME_ABANDONED_DAYS", default=365)
# A new project whose name is within a small edit distance of one of this many most downloaded
# projects is flagged to staff as a possible typosquat (0 turns the check off).
HOLDFAST_TYPOSQUAT_TOP = env.int("HOLDFAST_TYPOSQUAT_TOP", default=1000)
# Where notification emails point (private follow links).
HOLDFAST_SITE_URL = env.str("HOLDFAST_SITE_URL", default="http://127.0.0.1:8000")
