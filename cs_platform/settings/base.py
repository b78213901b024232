"""Every setting lives here; dev, test and production only override a few.

Values come from the environment (12-factor) through one `environ.Env`, which fails loudly on
a missing or malformed value.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
_local_env = BASE_DIR / ".env"
if _local_env.exists():
    environ.Env.read_env(str(_local_env))

SECRET_KEY = env.str("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Junkan's domain apps, lowest layer first, written once: each may serve staff pages
# (<app>/urls.py at /t/<slug>/<app>/), public pages (<app>/public_urls.py) and an API
# (<app>/api/urls.py); cs_platform.urls and cs_platform.api.routers mount what each has.
DOMAIN_APPS = [
    "webhooks",
    "accounts",
    "journeys",
    "healthscore",
    "touchmodel",
    "content",
    "tracking",
    "calendars",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "cs_platform",
    *DOMAIN_APPS,
    "demo",  # only `manage.py seed_demo`; production code never imports it
]

MIDDLEWARE = [
    # First: serves verified custom domains of Learn & Support (see its docstring).
    "content.middleware.SiteDomainMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # django-csp's, with the policy's header built once per process.
    "cs_platform.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The API speaks Accept-Language only (ja when asked, else en), whatever the UI cookie says.
    "cs_platform.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's, taking the session's device from the signed-in user's read.
    "cs_platform.signin.middleware.OTPMiddleware",
    # Who is acting and from where, for the audit log (cs_platform.audit.context).
    "cs_platform.audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cs_platform.middleware.TenantMiddleware",
    # After the tenant's membership is known: unverified two-factor sessions go to the code page.
    "cs_platform.signin.middleware.TwoFactorMiddleware",
    "cs_platform.middleware.ValidationErrorMiddleware",
    # Last: turns a sign-in refused by the lockout into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cs_platform.urls"
WSGI_APPLICATION = "cs_platform.wsgi.application"

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
                "cs_platform.context_processors.tenancy",
            ],
        },
    },
]
# Django's form templates, with the widgets pages render by the hundred written in Python
# (the same HTML; issue #16).
FORM_RENDERER = "cs_platform.formrender.FastFormRenderer"

DATABASES = {"default": env.db_url("DATABASE_URL")}
# The application's role owns no table and has no BYPASSRLS, so row-level security holds
# (cs_platform/rls.py); `migrate` and named maintenance log in as the owner of the tables.
# Unset: one role does both, and row-level security only holds if it is no superuser.
DATABASE_OWNER = env.db_url("DATABASE_OWNER_URL", default=env.str("DATABASE_URL"))
# The role row-level security applies to; `migrate` grants it the data privileges.
DATABASE_APP_ROLE = DATABASES["default"]["USER"]
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# Checked at each request's first use, without a round trip (cs_platform/dbbackend/base.py).
DATABASES["default"]["ENGINE"] = "cs_platform.dbbackend"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind a transaction-pooling PgBouncer (docs/scaling.md): no cursor outlives a transaction.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DB_DISABLE_SERVER_SIDE_CURSORS", default=False
)
# A database that is away answers within seconds (503 + Retry-After), not a hung request.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
    "DB_CONNECT_TIMEOUT", default=5
)
# Session settings of every connection. JIT off: PostgreSQL compiles a plan when its *estimated*
# cost is high, and the pages' plans (a correlated subquery per row under a LIMIT) estimate high
# and run in milliseconds: compiling cost 0.6 s of each account-list view at 100,000 accounts
# (docs/scaling.md). Behind PgBouncer, which refuses startup options, set it blank and put
# `ALTER ROLE … SET jit = off` on the application's role instead.
if session_options := env.str("DB_SESSION_OPTIONS", default="-c jit=off"):
    DATABASES["default"]["OPTIONS"]["options"] = session_options
# What a client told "503, service briefly unavailable" should wait before retrying.
SERVICE_RETRY_AFTER_SECONDS = env.int("SERVICE_RETRY_AFTER_SECONDS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
# Redis down is a cache miss, not an error page (cs_platform/degraded.py).
CACHES = {
    "default": {
        "BACKEND": "cs_platform.degraded.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "junkan",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}

AUTH_USER_MODEL = "cs_platform.User"
# Sign-in lockout (django-axes): after SIGNIN_FAILURE_LIMIT failures for one account, or from
# one IP address, further sign-ins there are refused for SIGNIN_LOCKOUT_MINUTES (each failure
# during the lockout restarts it). /login/ and /admin/ both authenticate through it. The
# attempts live in the database (Django admin › Axes › Access attempts: delete = unlock; a
# tenant admin unlocks members at Settings › Sign-in locks). Django's user_login_failed still
# fires for every refused attempt, so the audit log records lockouts too.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, reading a session's user with their memberships in one statement.
    "cs_platform.signin.backends.SignedInUserBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGNIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "cs_platform.signin.selectors.signin_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cs_platform.signin.views.locked_out"
# Successful sign-ins are in the audit log; axes keeps only the failures.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every command and worker start
# Two-factor sign-in (cs_platform/signin/two_factor.py): the name authenticator apps show.
OTP_TOTP_ISSUER = "Junkan"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 2.1.1: at least 12 characters (docs/security.md).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: the UI speaks Japanese and English; datetimes are stored in UTC and
# shown in the tenant's time zone (activated per request by TenantMiddleware).
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries installed by npm (scripts/bootstrap.sh), served under static/vendor/.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "cs_platform.staticstorage.ManifestStaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Junkan <noreply@junkan.local>")
# NOTE: well below JOB_LEASE_SECONDS, so a slow SMTP server is not taken for a dead worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

SESSION_COOKIE_HTTPONLY = True
# Every page view reads its session: from Redis, with the database behind it (the rows stay the
# record, and Redis down is a cache miss, cs_platform.degraded).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response: scripts only from our own static files
# (no inline script, no eval), nothing framed, forms post only to us. Styles allow inline
# attributes: bar widths and chart heights are data-driven `style` attributes, and htmx adds its
# indicator style element; no script can be injected through a style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

API_KEY_THROTTLE_RATE = env.str("API_KEY_THROTTLE_RATE", default="600/min")
API_USER_THROTTLE_RATE = env.str("API_USER_THROTTLE_RATE", default="1200/min")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cs_platform.api.authentication.ApiKeyAuthentication",
        "cs_platform.api.authentication.TenantSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cs_platform.api.permissions.TenantRolePermission"],
    "DEFAULT_PAGINATION_CLASS": "cs_platform.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "cs_platform.api.filters.StrictFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "cs_platform.api.filters.StrictSearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "cs_platform.api.schema.JunkanAutoSchema",
    # JSON only: one request format to document, validate and fuzz.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "cs_platform.api.exceptions.json_exception_handler",
    # Per API key and per signed-in user (cs_platform/api/throttles.py reads the rates below).
    "DEFAULT_THROTTLE_CLASSES": [
        "cs_platform.api.throttles.ApiKeyRateThrottle",
        "cs_platform.api.throttles.UserRateThrottle",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Junkan API",
    "DESCRIPTION": "Multi-tenant customer success platform. Authenticate with a session or "
    "`Authorization: Api-Key <key>`. Messages (errors included) are in Japanese when "
    "`Accept-Language` asks for `ja` first among the languages Junkan speaks, in English "
    "otherwise (docs/api-contract.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar), its start-up script served
    # as a file (SpectacularSwaggerSplitView): /api/docs/ works under the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKeyAuth": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Api-Key <key>`; keys are issued per tenant by an admin, each "
                "with one scope. `read`: every read a CS manager may make (GET), and the audit "
                "log; `write`: those reads but the audit log, and every write below admin level; "
                "`ingest`: the "
                "ingestion endpoints only (`POST /api/v1/events/`, the Segment endpoints), "
                "nothing else. No scope allows what needs an admin (API keys, webhooks, "
                "settings). A request beyond the key's scope is a 403 whose `detail` names the "
                "scope it needs.",
            }
        }
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # The error bodies every operation documents (cs_platform.api.schema).
        "cs_platform.api.schema.add_error_components",
    ],
    "SECURITY": [{"ApiKeyAuth": []}, {"cookieAuth": []}],
    # One schema name per choice set that several serializers share.
    # `check --deploy` and `spectacular --fail-on-warn` fail on a choice set without one name.
    "ENUM_NAME_OVERRIDES": {
        "TierEnum": "touchmodel.models.Tier",
        "BandEnum": "healthscore.models.Band",
        "BusinessPotentialEnum": "accounts.models.BusinessPotential",
        "JobStatusEnum": "healthscore.models.JobStatus",
        "WebhookEventTypeEnum": "webhooks.events.EVENT_TYPES",
        "WebhookBandEnum": "webhooks.events.BANDS",
    },
}

# Celery: JSON only, at-least-once delivery for idempotent tasks, bounded everything.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 30 * 60
CELERY_TASK_TIME_LIMIT = 35 * 60
# NOTE: must exceed the longest task's hard time limit, or Redis redelivers a running task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="default")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One beat: RedBeat holds a lock in Redis, so a second beat process waits instead of doubling
# the schedule.
CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
CELERY_REDBEAT_REDIS_URL = REDIS_URL
CELERY_REDBEAT_LOCK_TIMEOUT = 5 * 60
CELERY_BEAT_SCHEDULE: dict = {
    "heartbeat": {"task": "cs_platform.heartbeat", "schedule": timedelta(minutes=1)},
    "trash-purge": {"task": "cs_platform.trash_purge", "schedule": timedelta(hours=1)},
    "data-versions-compact": {
        "task": "cs_platform.data_versions_compact",
        "schedule": timedelta(hours=1),
    },
    "audit-purge": {"task": "cs_platform.audit_purge", "schedule": timedelta(days=1)},
    "clear-sessions": {"task": "cs_platform.clear_sessions", "schedule": timedelta(days=1)},
    "seminar-signups-expire": {
        "task": "touchmodel.seminar_signups_expire",
        "schedule": timedelta(hours=1),
    },
}

# Leases of long jobs (cs_platform/leases.py): a worker that stops renewing its lease for
# JOB_LEASE_SECONDS is taken for dead, and the sweep (every JOB_LEASE_SWEEP_SECONDS) hands its
# work to another worker. Tests set these to seconds.
JOB_LEASE_SECONDS = env.float("JOB_LEASE_SECONDS", default=120)
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", default=30)
JOB_LEASE_SWEEP_SECONDS = env.float("JOB_LEASE_SWEEP_SECONDS", default=60)
JOB_REQUEUE_AFTER_SECONDS = env.float("JOB_REQUEUE_AFTER_SECONDS", default=240)
JOB_MAX_STALLS = env.int("JOB_MAX_STALLS", default=5)
# Beat sends `cs_platform.heartbeat` every minute; a heartbeat older than this means no worker
# (or no beat) runs: /healthz answers 503 and the pages that start background work say so.
WORKER_HEARTBEAT_STALE_SECONDS = env.float("WORKER_HEARTBEAT_STALE_SECONDS", default=180)

# Deleted objects stay restorable in the trash this many days, then the purge removes them.
TRASH_RETENTION_DAYS = env.int("TRASH_RETENTION_DAYS", default=30)

# Learn & Support views: one per visitor and article in the window; an address beyond the
# per-minute rate is not counted (the page is still served).
CONTENT_VIEW_WINDOW_SECONDS = env.int("CONTENT_VIEW_WINDOW_SECONDS", default=30 * 60)
CONTENT_VIEWS_PER_MINUTE = env.int("CONTENT_VIEWS_PER_MINUTE", default=60)

# Public forms (docs/public-endpoints.md): attempts per hour beyond which the page answers 429.
# Seminar registration: per client address and per seminar; a registration then waits for its
# address to confirm a link valid SEMINAR_SIGNUP_CONFIRM_HOURS.
SEMINAR_SIGNUPS_PER_ADDRESS_PER_HOUR = env.int("SEMINAR_SIGNUPS_PER_ADDRESS_PER_HOUR", default=10)
SEMINAR_SIGNUPS_PER_SEMINAR_PER_HOUR = env.int("SEMINAR_SIGNUPS_PER_SEMINAR_PER_HOUR", default=100)
SEMINAR_SIGNUP_CONFIRM_HOURS = env.int("SEMINAR_SIGNUP_CONFIRM_HOURS", default=48)
# Confirmation mails one address receives per hour at most, whoever asks for them.
SEMINAR_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR = env.int(
    "SEMINAR_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR", default=5
)
# Learn & Support "Was this helpful?" answers and comments: per client address and per article.
CONTENT_FEEDBACK_PER_ADDRESS_PER_HOUR = env.int("CONTENT_FEEDBACK_PER_ADDRESS_PER_HOUR", default=20)
CONTENT_FEEDBACK_PER_ARTICLE_PER_HOUR = env.int(
    "CONTENT_FEEDBACK_PER_ARTICLE_PER_HOUR", default=200
)

# CSV import limits: a file beyond them is refused whole, with the reason; a job stores at
# most IMPORT_MAX_ERRORS_STORED of its errors (the summary still counts them all).
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=100)
IMPORT_MAX_ERRORS_STORED = env.int("IMPORT_MAX_ERRORS_STORED", default=1_000)

# The audit log keeps events this many days (default two years); a daily beat task purges older
# ones, the only deletion the database allows besides deleting a whole tenant.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)
# The request header that carries the client's address when a trusted proxy sets it (the
# WSGI name, e.g. HTTP_X_REAL_IP); unset, the audit log records REMOTE_ADDR.
AUDIT_CLIENT_IP_HEADER = env.str("AUDIT_CLIENT_IP_HEADER", default="")

# Absolute links in e-mails (unsubscribe, Learn & Support, seminar pages).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")
# Outbound webhook deliveries go to this Celery queue when set (run a worker with -Q on it so
# slow receivers never hold up other work); unset, they share the default queue.
WEBHOOKS_QUEUE = env.str("WEBHOOKS_QUEUE", default=None)

# Learn & Support custom domains: the host name customers point their domain's CNAME at.
CONTENT_DOMAIN_CNAME_TARGET = env.str("CONTENT_DOMAIN_CNAME_TARGET", default="")

# Health score engine.
HEALTH_EVENT_RETENTION_MONTHS = env.int("HEALTH_EVENT_RETENTION_MONTHS", default=25)
HEALTH_INGEST_MAX_BODY_BYTES = env.int("HEALTH_INGEST_MAX_BODY_BYTES", default=16 * 1024 * 1024)
HEALTH_RECOMPUTE_CHUNK_SIZE = env.int("HEALTH_RECOMPUTE_CHUNK_SIZE", default=5000)
# Event-time scoring: events, phase changes, meetings, reads … mark accounts dirty; a worker
# rescores them (the "now" score) and evaluates the rules, debounced by this many seconds.
HEALTH_EVENT_TIME_SCORING = env.bool("HEALTH_EVENT_TIME_SCORING", default=True)
HEALTH_NOW_DEBOUNCE_SECONDS = env.float("HEALTH_NOW_DEBOUNCE_SECONDS", default=5.0)
# The queue of the event-time task: a worker that also runs 15-minute nightly chunks delays it,
# so a deployment may give it a worker of its own (`celery worker -Q now`).
HEALTH_NOW_QUEUE = env.str("HEALTH_NOW_QUEUE", default="default")

# Size of `manage.py seed_demo` (1.0: 3,000 / 1,500 / 1,000 accounts with 90 days of usage).
DEMO_SCALE = env.float("DEMO_SCALE", default=1.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
