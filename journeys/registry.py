"""What journeys adds to the core pages and the account pages (filled in below)."""

from __future__ import annotations


def register_all() -> None:
    pass
