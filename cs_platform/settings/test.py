import os
import secrets

# Random per test run; worker subprocesses of a test inherit it through the environment.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, env


def _redis_db_of_this_test_process(url: str) -> str:
    """Parallel pytest processes (pytest-xdist: gw0, gw1, ...) each get a Redis database of their
    own, next to the configured one: broker queues, results and cache never meet. Worker
    subprocesses a test starts inherit PYTEST_XDIST_WORKER, so they land on the same one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    base, _, db = url.rpartition("/")
    number = int(db) if db.isdigit() else 0
    return f"{base}/{(number + int(worker[2:])) % 16}"


REDIS_URL = _redis_db_of_this_test_process(REDIS_URL)
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = CELERY_REDBEAT_REDIS_URL = REDIS_URL

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if os.environ.get("TEST_EMAIL_URL"):
    # A worker subprocess of a test talks SMTP to the test's own sink.
    vars().update(env.email_url("TEST_EMAIL_URL"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Parallel test runs on one server each get their own database.
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DB_NAME", default="test_junkan")}
DATABASES["default"]["CONN_MAX_AGE"] = 0
CELERY_TASK_ALWAYS_EAGER = False
CACHES = {
    "default": {
        "BACKEND": "cs_platform.degraded.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        "KEY_PREFIX": env.str("TEST_DB_NAME", default="test_junkan"),
    }
}

# NOTE: the fuzzers and the isolation matrix send thousands of API requests a minute as one
# user or key; the throttle tests set their own low rates.
API_KEY_THROTTLE_RATE = "100000/min"
API_USER_THROTTLE_RATE = "100000/min"

# Every test client comes from 127.0.0.1: the per-address view rate is tested on its own.
CONTENT_VIEWS_PER_MINUTE = 1_000_000
# Likewise for the public forms' limits: the throttle tests set their own low ones.
SEMINAR_SIGNUPS_PER_ADDRESS_PER_HOUR = 1_000_000
SEMINAR_SIGNUPS_PER_SEMINAR_PER_HOUR = 1_000_000
SEMINAR_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR = 1_000_000
CONTENT_FEEDBACK_PER_ADDRESS_PER_HOUR = 1_000_000
CONTENT_FEEDBACK_PER_ARTICLE_PER_HOUR = 1_000_000
