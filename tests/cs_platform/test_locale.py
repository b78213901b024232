"""The core's Japanese catalogue (cs_platform + the shared templates/) is complete."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def test_the_japanese_catalogue_has_no_untranslated_or_fuzzy_message():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


def test_core_strings_are_translated_to_japanese():
    with translation.override("ja"):
        assert translation.gettext("Dashboard") == "ダッシュボード"
        assert translation.gettext("Sign in") == "ログイン"
