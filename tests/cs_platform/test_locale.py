"""Every Japanese catalogue (the core's and each app's) is complete."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    path
    for path in ROOT.glob("**/locale/ja/LC_MESSAGES/django.po")
    if not {".venv", ".local", "node_modules"} & set(path.relative_to(ROOT).parts)
)


def test_every_app_with_strings_has_a_japanese_catalogue():
    names = {path.relative_to(ROOT).parts[0] for path in CATALOGUES}
    assert {"locale", "accounts", "journeys", "healthscore", "touchmodel", "content"} <= names


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_japanese_catalogue_has_no_untranslated_or_fuzzy_message(catalogue):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
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
