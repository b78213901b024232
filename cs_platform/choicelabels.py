"""`get_<field>_display()` that translates only the label it shows (issue #16).

Django's `Model._get_FIELD_display` makes the field's choices into a dict on every call, and
making it hashes each (lazy) label, which translates it: a field of five choices costs six
`gettext` calls per label shown. Account 360's first view showed about ten such labels (the
account's lifecycle, segment, potential and maturity, its touch tier, its health band…).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


def choice_labels(field: models.Field) -> dict[Any, Any]:
    """`{value: label}` of `field`'s choices as `_get_FIELD_display` makes it, the labels
    left lazy (translated when shown); made once per field while its choices are the same
    list (choices given as a callable are read again on every call, as Django does)."""
    choices = field.choices
    kept = field.__dict__.get("_choice_labels")
    if kept is not None and kept[0] is choices:
        return kept[1]  # type: ignore[no-any-return]
    labels = {make_hashable(value): label for value, label in field.flatchoices}
    if isinstance(choices, list | tuple):
        field._choice_labels = (choices, labels)  # type: ignore[attr-defined]
    return labels


class ChoiceLabels:
    """A model whose `get_<field>_display()` reads `choice_labels` (the same value as
    Django's: the label shown, else the value itself)."""

    def _get_FIELD_display(self, field: models.Field) -> Any:
        value = getattr(self, field.attname)
        return force_str(choice_labels(field).get(make_hashable(value), value), strings_only=True)
