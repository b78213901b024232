"""Contact phone numbers: one rule for the form, the API, the CSV import and Segment's
`phone` trait.

A number is written the way people write it (03-1234-5678, +81 3 1234 5678, (03) 1234-5678,
090 1234 5678, full-width digits from a Japanese spreadsheet): it is stored NFKC-normalised
(full-width → half-width), with runs of spaces collapsed, and accepted when it has 7 to 15
digits (E.164 allows at most 15) separated only by spaces, hyphens, dots or parentheses, with
an optional leading + and an optional extension ("ext. 12", "x12", "内線12").
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 32
NUMBER = re.compile(r"^\+?[0-9][0-9 ().\-]*[0-9]$|^\+?\([0-9][0-9 ().\-]*[0-9]$")
EXTENSION = re.compile(r"\s*(?:ext\.?|x|内線)\s*([0-9]{1,6})$", re.IGNORECASE)
DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "ー": "-", "−": "-"})


def phone_normalise(value: str) -> str:
    """The stored spelling: NFKC, dashes unified, spaces collapsed, trimmed."""
    text = unicodedata.normalize("NFKC", value or "").translate(DASHES)
    return " ".join(text.split())


def phone_problem(value: str) -> str | None:
    """Why a normalised number is not accepted (None: it is, or it is blank)."""
    if not value:
        return None
    if len(value) > MAX_LENGTH:
        return str(_("A phone number has at most %(max)d characters.") % {"max": MAX_LENGTH})
    number = EXTENSION.sub("", value)
    digits = sum(ch.isdigit() for ch in number)
    if not NUMBER.match(number) or "+" in number[1:] or not 7 <= digits <= 15:
        return str(
            _("%(value)s is not a phone number (7 to 15 digits, e.g. 03-1234-5678).")
            % {"value": value}
        )
    return None


def validate_phone(value: str) -> None:
    """The model field's validator (so full_clean refuses a bad number wherever it came from)."""
    problem = phone_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_phone")
