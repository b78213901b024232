"""What the health pages add to the navigation, the tenant dashboard and Account 360, and the
extension point of the portfolio page.

Called once from `HealthscoreConfig.ready()` (`register_pages()`). The account-list column,
filter and segment rule are registered by `healthscore.extensions`.

Apps above healthscore (touchmodel: health by touch tier) add sections to the portfolio page
with `register_portfolio_section(PortfolioSection(...))` in their `ready()`; healthscore never
imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.extensions import AccountPanel, register_account_panel
from accounts.models import Account
from cs_platform.extensions import (
    DashboardPanel,
    NavItem,
    register_dashboard_panel,
    register_nav_item,
)
from cs_platform.models import Role
from journeys.extensions import MilestoneCheck, register_milestone_check

from . import page_selectors, selectors

if TYPE_CHECKING:
    from journeys.models import Milestone

BAND_COLOURS = {"green": "#2f9e6a", "amber": "#e0a526", "red": "#d64545"}
UNIT_LABELS = {
    "%": "%",
    "days": _("days"),
    "events": _("events"),
    "activities": _("activities"),
    "points": _("points"),
}


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


def header_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    return {
        "account": account,
        "current": selectors.health_current(account=account),
        # The intra-day score (event-time scoring), while newer than the nightly one.
        "now": selectors.health_now(account=account),
    }


def health_panel_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    days = page_selectors.health_range_from(request.GET.get("health_range"))
    explanation = selectors.health_explanation(account=account)
    chart = page_selectors.account_health_chart(account=account, days=days)
    components = []
    for comp in (explanation or {}).get("components", []):
        components.append({**comp, "unit_label": UNIT_LABELS.get(comp["unit"], comp["unit"])})
    movers = (explanation or {}).get("moved_most", [])
    return {
        "account": account,
        "range": days,
        "ranges": page_selectors.RANGES,
        "explanation": explanation,
        "components": components,
        "movers": [m for m in movers if m["contribution_change"]][:3],
        "labels": chart["labels"],
        "datasets": [{"label": str(_("Health score")), "data": chart["scores"]}],
        "markers": chart["markers"],
        "alerts": list(selectors.health_alert_list(account=account, open_only=True)[:10]),
    }


SURVEYS_SHOWN = 5


def surveys_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    from django.utils import timezone

    from cs_platform.permissions import can

    from .forms import SurveyResponseForm

    can_edit = can(request, "survey_response.create")
    return {
        "account": account,
        "responses": list(selectors.survey_response_list(account=account)[:SURVEYS_SHOWN]),
        "form": SurveyResponseForm(
            account=account, initial={"responded_on": timezone.localdate()}, auto_id="survey_%s"
        )
        if can_edit
        else None,
    }


def milestones_at_risk_context(request: HttpRequest) -> dict[str, Any]:
    from .selectors.milestones import milestones_at_risk

    return milestones_at_risk()


def _milestone_check(milestones: list[Milestone]) -> dict[int, dict[str, Any]]:
    from .selectors.milestones import milestone_checks_for

    return milestone_checks_for({m.pk for m in milestones}, {m.account_id for m in milestones})


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    return page_selectors.portfolio_summary()


def _milestones_after_now(account_ids: list[int]) -> None:
    """Accounts rescored at event time: their milestones may have turned at risk."""
    from .services.milestones import milestone_risk_evaluate

    milestone_risk_evaluate(account_ids=account_ids)


def _alert_entry(activity: Any) -> str | None:
    """A health alert on the timeline, worded in the reader's language from its data."""
    from .services.alerts import alert_title

    data = activity.data or {}
    if data.get("kind") != "red" and "previous" not in data:
        return None  # written before the previous score was kept: the stored title
    return alert_title(kind=data["kind"], score=float(data["score"]), previous=data.get("previous"))


def register_pages() -> None:
    from journeys.extensions import register_activity_renderer

    from .extensions import register_scores_now_listener

    register_activity_renderer("health_alert", _alert_entry)
    register_scores_now_listener(_milestones_after_now)
    register_milestone_check(MilestoneCheck(key="health_target", check=_milestone_check))
    register_portfolio_section(
        PortfolioSection(
            key="healthscore_milestones",
            template="healthscore/panels/milestones_at_risk.html",
            get_context=milestones_at_risk_context,
            order=50,
        )
    )
    register_nav_item(NavItem("healthscore:portfolio", _("Health"), 30, Role.VIEWER))
    register_nav_item(NavItem("healthscore:scorecards", _("Scorecards"), 92, Role.ADMIN))
    register_nav_item(NavItem("healthscore:key_events", _("Key events"), 93, Role.ADMIN))
    register_account_panel(
        AccountPanel(
            key="healthscore_surveys",
            template="healthscore/panels/surveys.html",
            get_context=surveys_context,
            slot="side",
            order=40,
        )
    )
    register_dashboard_panel(
        DashboardPanel(
            key="healthscore",
            template="healthscore/panels/dashboard.html",
            get_context=dashboard_context,
            order=20,
        )
    )
    register_account_panel(
        AccountPanel(
            key="healthscore_header",
            template="healthscore/panels/header.html",
            get_context=header_context,
            slot="header",
            order=20,
        )
    )
    register_account_panel(
        AccountPanel(
            key="healthscore_health",
            template="healthscore/panels/health.html",
            get_context=health_panel_context,
            slot="main",
            order=20,
        )
    )
