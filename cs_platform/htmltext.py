"""Escaping for HTML written in Python on the hot pages (issue #16)."""

from __future__ import annotations

from html import escape
from typing import Any


def escaped(value: Any) -> str:
    """`conditional_escape(value)`, what a template and `format_html` do to each value: markup
    (`__html__`) as it is, anything else as escaped text; without the lazy check of Django's
    `escape`, which cost more than the escaping itself."""
    if hasattr(value, "__html__"):
        return value.__html__()  # type: ignore[no-any-return]
    return escape(str(value))
