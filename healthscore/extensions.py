"""Extension points healthscore offers to the apps above it (touchmodel today).

Scores-now listeners: told which accounts were just rescored at event time.

    from healthscore.extensions import register_scores_now_listener

    def on_rescored(account_ids: list[int]) -> None: ...   # the tenant is in scope

    register_scores_now_listener(on_rescored)   # in AppConfig.ready()

touchmodel registers one to evaluate its rules for those accounts at once, instead of at night.
A listener that raises makes the event-time run leave its claim for a retry (rules are claimed
once per episode, so evaluating them again is harmless).

Portfolio sections: apps above healthscore (touchmodel: health by touch tier) add sections to
the portfolio page with `register_portfolio_section(PortfolioSection(...))` in their `ready()`;
healthscore never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from cs_platform.models import Role

ScoresNowListener = Callable[[list[int]], None]

_now_listeners: list[ScoresNowListener] = []


def register_scores_now_listener(fn: ScoresNowListener) -> None:
    if fn not in _now_listeners:
        _now_listeners.append(fn)


def unregister_scores_now_listener(fn: ScoresNowListener) -> None:
    if fn in _now_listeners:
        _now_listeners.remove(fn)


def scores_now_changed(*, account_ids: list[int]) -> None:
    for fn in list(_now_listeners):
        fn(list(account_ids))


@dataclass(frozen=True)
class PortfolioSection:
    """A section of the portfolio dashboard, rendered with `ctx` = `get_context(request)`."""

    key: str
    template: str
    get_context: Callable[[HttpRequest], dict[str, Any]]
    order: int = 100
    min_role: str = Role.VIEWER


_portfolio_sections: dict[str, PortfolioSection] = {}


def register_portfolio_section(section: PortfolioSection) -> None:
    _portfolio_sections[section.key] = section


def portfolio_sections(request: HttpRequest) -> list[dict[str, Any]]:
    """The registered sections this member may see, with their contexts, in order."""
    membership = getattr(request, "membership", None)
    return [
        {"key": s.key, "template": s.template, "context": s.get_context(request)}
        for s in sorted(_portfolio_sections.values(), key=lambda s: s.order)
        if membership is not None and membership.has_role(s.min_role)
    ]
