"""Production settings pass Django's deployment checklist with the documented variables."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="cs_platform.settings.production",
        DEBUG="0",
        SECRET_KEY="k3V9-pQ2_zR8#mW5&tY1@bN6*cL4^hJ7%dF0!gS2+xA9=eU3~iO8",
        ALLOWED_HOSTS="junkan.example.com",
        CSRF_TRUSTED_ORIGINS="https://junkan.example.com",
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=os.environ["REDIS_URL"],
        EMAIL_URL="smtp+tls://junkan:secret@smtp.example.com:587",
    )
    return env


def test_check_deploy_passes_with_the_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
