"""The WSGI entry point freezes what a web process keeps for its lifetime (issue #16)."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import gc, io, sys
from cs_platform import wsgi
frozen = gc.get_freeze_count()
status = []
wsgi.application(
    {"REQUEST_METHOD": "GET", "PATH_INFO": "/login/", "SERVER_NAME": "127.0.0.1",
     "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO(),
     "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr},
    lambda s, headers, exc_info=None: status.append(s),
)
print(frozen, status[0])
"""


def test_the_loaded_app_is_out_of_the_collectors_generations_and_still_serves():
    """What was loaded when the process started (modules, settings, URL patterns) is frozen:
    the collector's full passes no longer walk it. The application still answers."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split()
    frozen, status = int(out[0]), out[1]
    assert frozen > 50_000
    assert status == "200"
