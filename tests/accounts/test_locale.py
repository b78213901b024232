"""The accounts app's Japanese words (every catalogue's completeness is checked in
tests/cs_platform/test_locale.py)."""

from __future__ import annotations

from django.utils import translation


def test_contact_words_do_not_shadow_the_same_english_words_elsewhere():
    """Catalogues merge by msgid: accounts' 役職/階層/開始日 carry a context, so the seminar list's
    "Title" and the scorecard preview's band change "From" read right."""
    with translation.override("ja"):
        assert translation.pgettext("contact job title", "Title") == "役職"
        assert translation.pgettext("contact relationship level", "Level") == "階層"
        assert translation.pgettext("contract start", "From") == "開始日"
        assert translation.gettext("Title") == "タイトル"
        assert translation.gettext("Level") == "レベル"
        assert translation.gettext("From") == "変更前"
