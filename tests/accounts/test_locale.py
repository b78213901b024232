"""The accounts app's Japanese catalogue is complete."""

from __future__ import annotations

import subprocess
from pathlib import Path

import accounts

CATALOGUE = Path(accounts.__file__).parent / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def test_the_accounts_catalogue_has_no_untranslated_or_fuzzy_message():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr
