"""DRF's own error messages that its Japanese catalogue leaves untranslated.

Listed here (never called) so `makemessages` keeps them in the core catalogue (`locale/`,
first in LOCALE_PATHS, so it wins over DRF's): an API error in Japanese has no English
sentence in it (tests/cs_platform/test_api_language.py walks every endpoint for that)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

DRF_MESSAGES_TRANSLATED_HERE = (
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Datetime value out of range."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop(
        'Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.'
    ),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Invalid input."),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("This dictionary may not be empty."),
)
