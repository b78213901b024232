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


def test_contact_words_do_not_shadow_the_same_english_words_elsewhere():
    """Catalogues merge by msgid: accounts' 役職/階層/開始日 carry a context, so the seminar list's
    "Title" and the scorecard preview's band change "From" read right."""
    from django.utils import translation

    with translation.override("ja"):
        assert translation.pgettext("contact job title", "Title") == "役職"
        assert translation.pgettext("contact relationship level", "Level") == "階層"
        assert translation.pgettext("contract start", "From") == "開始日"
        assert translation.gettext("Title") == "タイトル"
        assert translation.gettext("Level") == "レベル"
        assert translation.gettext("From") == "変更前"
