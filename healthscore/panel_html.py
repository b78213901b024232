"""Account 360's health panel: its "Why this score" rows made in Python (issue #16).

Each row took four `floatformat` filters and a dozen template lookups; at 100,000 accounts the
panel's template was the largest part of an account's first view. The markup is what the loop
in healthscore/panels/health.html wrote; tests/healthscore/test_panel_html.py holds the two
side by side, and `fixed` against `floatformat` itself.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe

from cs_platform.htmltext import escaped as _e

_STEPS = {0: Decimal(1), 1: Decimal("0.1")}


def fixed(value: Any, places: int, separator: str | None = None) -> str:
    """`value|floatformat:places` (0 or 1 places) for an int or a float, without the
    filter's parsing and number formatting per call; anything else through the filter
    (`separator`: the language's decimal separator, when the caller read it already)."""
    if (
        type(value) not in (int, float)
        or places not in _STEPS
        or settings.USE_THOUSAND_SEPARATOR
        or not math.isfinite(value)
    ):
        return floatformat(value, places)  # type: ignore[no-any-return]
    number = Decimal(str(value))
    if places == 0 and number == number.to_integral_value():
        return str(int(number))
    rounded = number.quantize(_STEPS[places], ROUND_HALF_UP)
    if not rounded:
        rounded = abs(rounded)  # the filter writes no sign on a zero
    if separator is None:
        separator = get_format("DECIMAL_SEPARATOR")
    return f"{rounded:f}".replace(".", separator)


def components_html(components: list[dict[str, Any]]) -> SafeString:
    """The rows of the "Why this score" table, as the template's loop wrote them."""
    rows = []
    separator = get_format("DECIMAL_SEPARATOR")  # once for the table, not per number
    for c in components:
        group = c.get("group_label")
        label = _e(c.get("label", ""))
        if group:
            label += f' <span class="muted">· {_e(group)}</span>'
        value = c.get("value")
        unit = _e(c.get("unit_label", ""))
        shown = "—" if value is None else f"{_e(fixed(value, 1, separator))} {unit}"
        points = _e(fixed(c.get("points"), 0, separator)) or "—"
        contribution = _e(fixed(c.get("contribution"), 1, separator)) or "—"
        rows.append(
            f"\n      <tr><td>{label}</td>\n"
            f'      <td class="health-num">{shown}</td>\n'
            f'      <td class="health-num">{points}</td>\n'
            f'      <td class="health-num">{_e(fixed(c.get("weight"), 1, separator))}%</td>\n'
            f'      <td class="health-num">{contribution}</td></tr>\n    '
        )
    # NOTE: safe: every value is escaped (_e).
    return mark_safe("".join(rows))
