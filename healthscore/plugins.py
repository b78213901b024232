"""What healthscore plugs into the extension points of the apps below it: the navigation and
the tenant dashboard (cs_platform); Account 360, the account list's column and filters and the
segment rules (accounts); the timeline's listeners and renderers and the milestone checks
(journeys). Called once from `HealthscoreConfig.ready()` (`register()`).

The extension points healthscore itself offers are in `healthscore.extensions`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from accounts.extensions import (
    AccountListExtension,
    AccountPanel,
    SegmentRule,
    account_panel_key,
    register_account_panel,
    register_list_extension,
    register_segment_rule,
)
from accounts.models import Account
from cs_platform.datacache import cached_for_data_version
from cs_platform.extensions import (
    DashboardPanel,
    NavItem,
    register_dashboard_panel,
    register_nav_item,
)
from cs_platform.formpage import lazy_details, next_query
from cs_platform.models import Role
from cs_platform.permissions import can
from cs_platform.urlutils import tenant_reverse
from journeys.extensions import (
    MilestoneCheck,
    register_activity_listener,
    register_activity_renderer,
    register_milestone_check,
    register_task_descriptions,
    register_task_titles,
)

from . import selectors
from .extensions import PortfolioSection, register_portfolio_section, register_scores_now_listener
from .models import Band, HealthScore, HealthScoreNow, LatestScore, SurveyResponse
from .panel_html import components_html
from .segments import register as register_behaviour_rules
from .selectors import pages as page_selectors
from .selectors.account_page import AccountHealth, account_health_ahead, account_health_read
from .selectors.milestones import milestone_checks_for, milestone_risk_days, milestones_at_risk
from .services.alerts import alert_task_description, alert_title
from .services.milestones import (
    milestone_risk_description,
    milestone_risk_evaluate,
    milestone_risk_title,
)
from .services.now import accounts_mark_dirty

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


SURVEYS_SHOWN = 5


def _health_read(request: HttpRequest, account: Account) -> AccountHealth:
    """What the account's health panels show, read once per page view in one call."""
    days = page_selectors.health_range_from(request.GET.get("health_range"))
    return account_health_read(account_id=account.pk, days=days, surveys=SURVEYS_SHOWN)


def _health_ahead(request: HttpRequest, account: Account) -> None:
    """Announce the health panels' read, sent with the page's other first-view reads."""
    days = page_selectors.health_range_from(request.GET.get("health_range"))
    account_health_ahead(account_id=account.pk, days=days, surveys=SURVEYS_SHOWN)


def header_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    _health_read(request, account)  # the scores below with the panels' other reads
    return {
        "account": account,
        "current": selectors.health_current(account=account),
        # The intra-day score (event-time scoring), while newer than the nightly one.
        "now": selectors.health_now(account=account),
    }


def health_panel_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    days = page_selectors.health_range_from(request.GET.get("health_range"))
    health = _health_read(request, account)
    explanation = health.explanation
    chart = health.chart
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
        "components_html": components_html(components),
        "movers": [m for m in movers if m["contribution_change"]][:3],
        "labels": chart["labels"],
        "datasets": [{"label": str(_("Health score")), "data": chart["scores"]}],
        "markers": chart["markers"],
        "alerts": health.alerts,
    }


def surveys_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    add_survey = None
    if can(request, "survey_response.create"):  # the form comes when its <details> opens
        url = tenant_reverse(request, "healthscore:survey_add", pk=account.pk)
        add_survey = lazy_details(
            url=url + next_query(request), summary=_("Record a survey or NPS answer")
        )
    return {
        "account": account,
        "responses": _health_read(request, account).surveys,
        "add_survey": add_survey,
    }


def milestones_at_risk_context(request: HttpRequest) -> dict[str, Any]:
    # Every open milestone against every account's score: computed again when the data version
    # moves (milestones, scores, accounts), the day turns, the window changes or an intra-day
    # score arrives (intra-day scores do not move the data version).
    newest = selectors.health_now_newest()
    stamp = newest.timestamp() if newest is not None else ""
    key = f"{timezone.localdate().isoformat()}:{milestone_risk_days()}:{stamp}"
    return cached_for_data_version("healthscore.milestones_at_risk", milestones_at_risk, key=key)


def _milestone_check(milestones: list[Milestone]) -> dict[int, dict[str, Any]]:

    return milestone_checks_for(milestones)


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    # Scores and accounts raise the data version.
    summary = page_selectors.portfolio_summary
    return cached_for_data_version("healthscore.portfolio_summary", summary)


def _milestones_after_now(account_ids: list[int]) -> None:
    """Accounts rescored at event time: their milestones may have turned at risk."""
    milestone_risk_evaluate(account_ids=account_ids)


def _alert_entry(activity: Any) -> str | None:
    """A health alert on the timeline, worded in the reader's language from its data."""
    data = activity.data or {}
    if data.get("kind") != "red" and "previous" not in data:
        return None  # written before the previous score was kept: the stored title
    return alert_title(kind=data["kind"], score=float(data["score"]), previous=data.get("previous"))


def _latest(field: str) -> Subquery:
    """The latest nightly score's `field`: one row per account (LatestScore, kept by trigger)."""
    return Subquery(LatestScore.objects.filter(account=OuterRef("pk")).values(field)[:1])


def _now(field: str) -> Subquery:
    """The intra-day score's `field`, while it is for a later day than the latest nightly."""
    newer_daily = HealthScore.objects.filter(account=OuterRef("account"), day__gte=OuterRef("day"))
    return Subquery(
        HealthScoreNow.objects.filter(account=OuterRef("pk"))
        .exclude(Exists(newer_daily))
        .values(field)[:1]
    )


def annotate_health(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """`health_band` and `health_score`: each account's latest score; `health_now_score`,
    `health_now_band` and `health_now_at`: its intra-day score, if newer."""
    return queryset.annotate(
        health_band=_latest("band"),
        health_score=_latest("score"),
        health_now_score=_now("score"),
        health_now_band=_now("band"),
        health_now_at=_now("computed_at"),
    )


def fill_health(accounts: Sequence[Account]) -> None:
    """What `band_column` shows, for one page of the list (one query): each account's latest
    nightly score, and its intra-day score while that is for a later day."""
    ids = [a.pk for a in accounts]
    if not ids:
        return
    latest, newer = page_selectors.list_scores(account_ids=ids)
    for account in accounts:
        day, score, band, _at = latest.get(account.pk, (None, None, None, None))
        account.health_band, account.health_score = band, score  # type: ignore[attr-defined]
        now_row = newer.get(account.pk)
        if now_row is not None and (day is None or now_row[0] > day):
            _day, now_score, now_band, at = now_row
        else:
            now_score = now_band = at = None
        account.health_now_score = now_score  # type: ignore[attr-defined]
        account.health_now_band = now_band  # type: ignore[attr-defined]
        account.health_now_at = at  # type: ignore[attr-defined]


def _whole(score: Any) -> str:
    """`score|floatformat:0`: half away from zero, as floatformat rounds a score (the list
    shows 50 of them; floatformat localises and checks every argument first)."""
    if type(score) is float and 0 <= score < 1000:
        whole = Decimal(repr(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return str(int(whole))
    return floatformat(score, 0)


def _latest_cell(band: str, score: Any) -> str:
    """The latest score in its band's colour (a float score's cell kept in the process: the
    list writes 50 a view, of a few thousand scores)."""
    if type(band) is str and type(score) is float:
        return _latest_float_cell(band, score)
    return f'<span class="band-{escape(band)}">{escape(_whole(score))}</span>'


@functools.lru_cache(maxsize=4096)
def _latest_float_cell(band: str, score: float) -> str:
    return f'<span class="band-{escape(band)}">{escape(_whole(score))}</span>'


def band_column(accounts: Sequence[Account]) -> list[str]:
    """The account list's health cells of one page (each as healthscore/_band_cell.html
    renders it): the latest score in its band's colour, and the intra-day one while it is
    newer."""
    not_scored = f'<span class="muted">{escape(gettext("not scored"))}</span>'
    cells = []
    for account in accounts:
        band = getattr(account, "health_band", None)
        now_score = getattr(account, "health_now_score", None)
        latest = ""
        if band:
            latest = _latest_cell(band, getattr(account, "health_score", None))
        elif now_score is None:
            latest = not_scored
        now = ""
        if now_score is not None:
            at = getattr(account, "health_now_at", None)
            now = format_html(
                ' <span class="muted" data-testid="health-now-cell" title="{}">{} '
                '<span class="band-{}">{}</span></span>',
                gettext("Now, at %(time)s")
                % {"time": date_format(timezone.localtime(at), "H:i") if at else ""},
                gettext("now"),
                getattr(account, "health_now_band", ""),
                _whole(now_score),
            )
        cells.append(latest + now)  # each part escaped above
    return cells


def _band_choices() -> list[tuple[str, str]]:
    return list(_fixed_choices(get_language())["band"])


# The band's rank as healthscore keeps it on the account row (`list_health_rank`, migration
# 0024, from LatestScore): the list sorted by health shows the accounts at risk first.
BAND_RANKS = {Band.RED: 1, Band.AMBER: 2, Band.GREEN: 3}


def filter_band(queryset: QuerySet[Account], value: Any) -> QuerySet[Account]:
    """Accounts whose latest nightly score is in one of the bands: the band's rank kept on
    the account row, which the list's indexes serve with any sort."""
    bands = [b for b in (value if isinstance(value, list) else [value]) if b in Band.values]
    return queryset.filter(list_health_rank__in=[BAND_RANKS[b] for b in bands])


# The account list's "score change" filter: the latest score against the last one at least
# SCORE_CHANGE_DAYS before it. Applied only when chosen (two correlated subqueries).
SCORE_CHANGE_DAYS = 30
SCORE_CHANGES = {
    "drop10": (None, -10),
    "drop5": (None, -5),
    "rise5": (5, None),
    "rise10": (10, None),
}


_SCORE_CHANGE_LABELS = [
    ("drop10", _("Fell 10+ points in 30 days")),
    ("drop5", _("Fell 5+ points in 30 days")),
    ("rise5", _("Rose 5+ points in 30 days")),
    ("rise10", _("Rose 10+ points in 30 days")),
]


@functools.lru_cache(maxsize=8)
def _fixed_choices(language: str | None) -> dict[str, tuple[tuple[str, str], ...]]:
    """The bands' and score changes' options, translated once per language (`language`: the
    active one, the cache's key; the account list offers them on every view)."""
    return {
        "band": tuple((value, str(label)) for value, label in Band.choices),
        "score_change": tuple((value, str(label)) for value, label in _SCORE_CHANGE_LABELS),
    }


def _score_change_choices() -> list[tuple[str, str]]:
    return list(_fixed_choices(get_language())["score_change"])


def filter_score_change(queryset: QuerySet[Account], value: Any) -> QuerySet[Account]:
    if value not in SCORE_CHANGES:
        return queryset.none()
    latest = HealthScore.objects.filter(account=OuterRef("pk")).order_by("-day")
    earlier = HealthScore.objects.filter(
        account=OuterRef("pk"),
        day__lte=OuterRef("score_change_latest_day") - dt.timedelta(days=SCORE_CHANGE_DAYS),
    ).order_by("-day")
    queryset = queryset.annotate(
        score_change_latest_day=Subquery(latest.values("day")[:1]),
        score_change_latest=Subquery(latest.values("score")[:1]),
    ).annotate(score_change_earlier=Subquery(earlier.values("score")[:1]))
    change = F("score_change_latest") - F("score_change_earlier")
    rise, fall = SCORE_CHANGES[value]
    if rise is not None:
        return queryset.alias(score_change=change).filter(score_change__gte=rise)
    return queryset.alias(score_change=change).filter(score_change__lte=fall)


# Timeline entries that cannot move a score or fire a rule: written by the scoring and the
# playbooks themselves, so marking on them would only loop.
_NOT_MARKING = {"health_alert", "tier_change", "task"}


def _on_activities(account_ids: set[int], kinds: set[str]) -> None:
    """journeys' timeline was written (phase change, milestone, meeting, article read …)."""
    if kinds - _NOT_MARKING:
        accounts_mark_dirty(account_ids=account_ids)


def _on_survey_response(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A survey answer (the survey measure) was saved or deleted."""
    accounts_mark_dirty(account_ids=[instance.account_id], tenant_id=instance.tenant_id)


def _alert_task_titles(tasks: list[Any]) -> dict[int, str]:
    # A health-alert task: data = {"kind", "score", "previous"} of its HealthAlert.
    return {
        t.pk: alert_title(
            kind=t.data["kind"], score=float(t.data["score"]), previous=t.data.get("previous")
        )
        for t in tasks
    }


def _milestone_task_titles(tasks: list[Any]) -> dict[int, str]:
    # A milestone-at-risk task: data = {"milestone", "title"} (the title as the CSM wrote it).
    return {t.pk: milestone_risk_title(t.data["title"]) for t in tasks}


def _alert_task_descriptions(tasks: list[Any]) -> dict[int, str]:
    return {t.pk: alert_task_description() for t in tasks}


def _milestone_task_descriptions(tasks: list[Any]) -> dict[int, str]:
    # Tasks made before the data kept the figures ("score", "target", "due") are left out:
    # they show their stored description.
    return {
        t.pk: milestone_risk_description(
            score=float(t.data["score"]),
            target=int(t.data["target"]),
            due=dt.date.fromisoformat(t.data["due"]),
        )
        for t in tasks
        if {"score", "target", "due"} <= t.data.keys()
    }


def register() -> None:
    register_activity_listener(_on_activities)
    register_task_titles("health_alert", _alert_task_titles)
    register_task_titles("milestone_at_risk", _milestone_task_titles)
    register_task_descriptions("health_alert", _alert_task_descriptions)
    register_task_descriptions("milestone_at_risk", _milestone_task_descriptions)
    post_save.connect(_on_survey_response, sender=SurveyResponse, dispatch_uid="health_survey_now")
    post_delete.connect(
        _on_survey_response, sender=SurveyResponse, dispatch_uid="health_survey_now_del"
    )
    register_behaviour_rules()
    register_list_extension(
        AccountListExtension(
            key="health_band",
            label=_("Health"),
            choices=_band_choices,
            apply=filter_band,
            annotate=annotate_health,
            template="healthscore/_band_cell.html",
            column=band_column,
            sort_key="list_health_rank",
            fill=fill_health,
            order=30,
        )
    )
    register_list_extension(
        AccountListExtension(
            key="score_change",
            label=_("Score change"),
            choices=_score_change_choices,
            apply=filter_score_change,
            order=35,
        )
    )
    register_segment_rule(
        SegmentRule(
            key="health_band",
            label=_("Health band"),
            apply=filter_band,
            help_text=_("Accounts whose latest health score is in one of these bands."),
            choices=_band_choices,
        )
    )
    register_activity_renderer("health_alert", _alert_entry)
    register_scores_now_listener(_milestones_after_now)
    register_milestone_check(
        # The intra-day score the verdicts read moves the account's score version, which
        # the journey map is kept under (`scores=True`), and so does the tenant's latest
        # scored day (every account's: healthscore 0035): no stamp.
        MilestoneCheck(key="health_target", check=_milestone_check)
    )
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
            read_ahead=_health_ahead,
            slot="side",
            order=40,
            # The answers and their contacts move the account's version.
            cache_key=account_panel_key,
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
            read_ahead=_health_ahead,
            slot="header",
            order=20,
            # The nightly and intra-day scores move the account's score version.
            cache_key=account_panel_key,
            scores=True,
        )
    )
    register_account_panel(
        AccountPanel(
            key="healthscore_health",
            template="healthscore/panels/health.html",
            get_context=health_panel_context,
            read_ahead=_health_ahead,
            slot="main",
            order=20,
            # Reads the nightly scores and the alerts (they move the account's score version),
            # the scorecard versions (the account's version); the range asked is in the
            # page's address.
            cache_key=lambda request, account: timezone.localdate().isoformat(),
            scores=True,
        )
    )
