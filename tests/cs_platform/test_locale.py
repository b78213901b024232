"""Every Japanese catalogue (the core's and each app's) is complete."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
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


SKIPPED = (".venv", ".local", "node_modules", ".git", "tests", "bench", "staticfiles", "media")


@pytest.mark.slow
def test_every_message_in_the_source_has_a_japanese_translation(tmp_path):
    """makemessages over a copy of the source: each message it finds that no catalogue of the
    copy translates must still be translated at run time (Django merges every app's
    catalogue, so a message may live in another app's)."""
    tree = tmp_path / "tree"
    shutil.copytree(
        ROOT, tree, ignore=shutil.ignore_patterns(*SKIPPED, "*.mo", "__pycache__", ".*_cache")
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-obsolete"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        check=True,
        timeout=300,
    )
    missing = []
    with translation.override("ja"):
        for path in tree.glob("**/locale/ja/LC_MESSAGES/django.po"):
            catalogue = polib.pofile(str(path))
            for entry in catalogue.untranslated_entries() + catalogue.fuzzy_entries():
                if entry.msgid_plural:
                    text = (
                        translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 2)
                        if entry.msgctxt
                        else translation.ngettext(entry.msgid, entry.msgid_plural, 2)
                    )
                    translated = text != entry.msgid_plural
                elif entry.msgctxt:
                    translated = translation.pgettext(entry.msgctxt, entry.msgid) != entry.msgid
                else:
                    translated = translation.gettext(entry.msgid) != entry.msgid
                if not translated:
                    where = entry.occurrences[0][0] if entry.occurrences else "?"
                    missing.append(f"{where}: {entry.msgid!r}")
    assert not missing, "No Japanese translation for:\n" + "\n".join(sorted(missing))
