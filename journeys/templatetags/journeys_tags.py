from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from journeys.extensions import activity_title as render

register = template.Library()

# Currencies without minor units; everything else stores cents.
_ZERO_DECIMAL = {"JPY", "KRW"}
_SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}


@register.filter
def money(minor_units: int | None, currency: str = "JPY") -> str:
    """ARR and prices are stored in minor units; show them in the currency's major unit."""
    if minor_units is None:
        return "—"
    currency = (currency or "JPY").upper()
    amount = minor_units if currency in _ZERO_DECIMAL else minor_units / 100
    decimals = 0 if currency in _ZERO_DECIMAL else 2
    symbol = _SYMBOLS.get(currency, currency + " ")
    return f"{symbol}{number_format(amount, decimal_pos=decimals, force_grouping=True)}"


@register.filter
def activity_title(activity: Any) -> str:
    """`{{ a|activity_title }}`: the entry worded in the reader's language (journeys.extensions)."""

    return render(activity)
