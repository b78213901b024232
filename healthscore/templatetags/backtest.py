"""Template filters of the backtest page."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    """0.0423 → "4.2%" (localised); None → "—"."""
    if rate is None:
        return "—"
    return f"{number_format(rate * 100, decimal_pos=1)}%"
