"""Scorecards: the definition format, its validation, publishing and the default scorecard.

A definition (the draft of a `Scorecard`, frozen in a `ScorecardVersion`) is JSON:

    {"bands": {"green": 70, "amber": 40},
     "groups": [{"key": "usage", "label": "Usage", "weight": 60}, ...],
     "components": [
        {"key": "active_users", "label": "Active users", "measure": "active_user_ratio",
         "params": {"days": 30}, "weight": 40, "group": "usage",
         "scheme": {"type": "ranges", "ranges": [{"min": 0, "points": 0},
                                                  {"min": 30, "points": 60}, ...]}},
        {"key": "renewal", "measure": "days_to_renewal", "weight": 15, "group": null,
         "scheme": {"type": "rag", "green": 120, "amber": 60, "higher_is_better": true}},
     ]}

Weights of the ungrouped components plus the groups sum to 100; inside a group the
components' weights sum to 100. A component's `key` is its identity: scores store points by key,
so moving a component to another group keeps its history.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from cs_platform.audit.services import audit_diff, audit_record
from cs_platform.models import Tenant, User

from ..engine.measures import JOURNEY_PROGRESS_BASES
from ..engine.measures_catalog import MEASURES, SCHEME_TYPES
from ..models import HealthSettings, KeyEvent, Scorecard, ScorecardVersion

if TYPE_CHECKING:
    from accounts.models import Segment

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
WEIGHT_TOLERANCE = 0.01


def _ranges(steps: list[tuple[float, float]]) -> dict[str, Any]:
    return {"type": "ranges", "ranges": [{"min": m, "points": p} for m, p in steps]}


def default_definition() -> dict[str, Any]:
    """A sensible starting scorecard (green ≥ 70, amber ≥ 40).

    The journey map is central to the method (the customer's own milestones, agreed with
    them): whether they are reached on time is a component of its own. An account with no
    milestone judged yet gets 70 points for it (no news is not bad news)."""
    return {
        "bands": {"green": 70, "amber": 40},
        "groups": [
            {"key": "usage", "label": _("Product usage"), "weight": 50},
            {"key": "relationship", "label": _("Relationship"), "weight": 25},
        ],
        "components": [
            {
                "key": "active_users",
                "label": _("Active users"),
                "measure": "active_user_ratio",
                "params": {"days": 30},
                "group": "usage",
                "weight": 35,
                "scheme": _ranges([(0, 0), (10, 30), (30, 60), (50, 80), (70, 100)]),
            },
            {
                "key": "active_days",
                "label": _("Active days in 30"),
                "measure": "active_days",
                "params": {"days": 30},
                "group": "usage",
                "weight": 25,
                "scheme": _ranges([(0, 0), (4, 30), (10, 60), (16, 80), (22, 100)]),
            },
            {
                "key": "breadth",
                "label": _("Feature breadth"),
                "measure": "feature_breadth",
                "params": {"days": 30},
                "group": "usage",
                "weight": 20,
                "scheme": _ranges([(0, 0), (20, 40), (50, 70), (80, 100)]),
            },
            {
                "key": "trend",
                "label": _("Usage trend"),
                "measure": "usage_trend",
                "params": {"days": 30},
                "group": "usage",
                "weight": 20,
                "scheme": {"type": "rag", "green": -5, "amber": -25, "higher_is_better": True},
            },
            {
                "key": "relationship",
                "label": _("Relationship coverage"),
                "measure": "relationship_coverage",
                "params": {"days": 90},
                "group": "relationship",
                "weight": 50,
                "scheme": _ranges([(0, 0), (30, 40), (60, 70), (90, 100)]),
            },
            {
                "key": "engagement",
                "label": _("Content and seminars"),
                "measure": "engagement",
                "params": {"days": 30},
                "group": "relationship",
                "weight": 20,
                "scheme": _ranges([(0, 0), (1, 50), (3, 80), (6, 100)]),
            },
            {
                "key": "survey",
                "label": _("Survey score"),
                "measure": "survey_score",
                "params": {"days": 180},
                "group": "relationship",
                "weight": 30,
                "scheme": {
                    "type": "rag",
                    "green": 9,
                    "amber": 7,
                    "higher_is_better": True,
                    "missing": 50,
                },
            },
            {
                "key": "journey",
                "label": _("Milestones on time"),
                "measure": "journey_progress",
                # The milestones due in the last quarter: a share over all of them moves
                # too little once an account has a history (demo backtest, churn in 90
                # days: the component's AUC 0.599 over all, 0.617 over 180 days, 0.641 over 90).
                "params": {"days": 90},
                "group": None,
                "weight": 10,
                "scheme": {
                    **_ranges([(0, 0), (50, 30), (70, 60), (85, 80), (95, 100)]),
                    "missing": 70,
                },
            },
            {
                "key": "renewal",
                "label": _("Days to renewal"),
                "measure": "days_to_renewal",
                "params": {},
                "group": None,
                "weight": 15,
                "scheme": {
                    "type": "rag",
                    "green": 120,
                    "amber": 45,
                    "higher_is_better": True,
                    "missing": 100,
                },
            },
        ],
    }


def _number(value: Any, where: str, errors: list[str]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.append(_("%(where)s must be a number.") % {"where": where})
        return None
    return float(value)


def _check_scheme(key: str, scheme: Any, errors: list[str]) -> None:
    if not isinstance(scheme, dict) or scheme.get("type") not in SCHEME_TYPES:
        errors.append(_("Component %(key)s: the scheme must be ranges or rag.") % {"key": key})
        return
    if "missing" in scheme:
        _number(scheme["missing"], f"{key}.scheme.missing", errors)
    if scheme["type"] == "ranges":
        _check_ranges(key, scheme.get("ranges"), errors)
        return
    green = _number(scheme.get("green"), f"{key}.green", errors)
    amber = _number(scheme.get("amber"), f"{key}.amber", errors)
    higher = scheme.get("higher_is_better", True)
    if green is not None and amber is not None and (green < amber if higher else green > amber):
        errors.append(
            _("Component %(key)s: the green threshold must be beyond the amber one.") % {"key": key}
        )


def _check_ranges(key: str, ranges: Any, errors: list[str]) -> None:
    if not isinstance(ranges, list) or not ranges:
        errors.append(_("Component %(key)s: give at least one range.") % {"key": key})
        return
    mins = []
    for step in ranges:
        if not isinstance(step, dict):
            errors.append(_("Component %(key)s: a range is not an object.") % {"key": key})
            return
        low = _number(step.get("min"), f"{key}.ranges.min", errors)
        points = _number(step.get("points"), f"{key}.ranges.points", errors)
        if points is not None and not 0 <= points <= 100:
            errors.append(_("Component %(key)s: points must be 0–100.") % {"key": key})
        if low is not None:
            mins.append(low)
    if mins != sorted(set(mins)):
        errors.append(_("Component %(key)s: range minimums must increase.") % {"key": key})


def _check_params(key: str, measure: Any, params: Any, errors: list[str]) -> None:
    if not isinstance(params, dict):
        errors.append(_("Component %(key)s: params must be an object.") % {"key": key})
        params = {}
    if "days" in params:
        days = params["days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            errors.append(_("Component %(key)s: days must be 1–365.") % {"key": key})
    if measure == "journey_progress" and params.get("basis", "on_time") not in (
        JOURNEY_PROGRESS_BASES
    ):
        errors.append(_("Component %(key)s: basis must be on_time or attainment.") % {"key": key})
    if measure == "event_count" and not (
        isinstance(params.get("event"), str) and params.get("event")
    ):
        errors.append(_("Component %(key)s: name the event to count.") % {"key": key})


def _check_component(comp: Any, group_keys: set[str], errors: list[str]) -> str | None:
    if not isinstance(comp, dict):
        errors.append(_("A component must be an object."))
        return None
    key = comp.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        errors.append(_("Component key %(key)r must be a lower-case identifier.") % {"key": key})
        return None
    if comp.get("measure") not in MEASURES:
        errors.append(
            _("Component %(key)s: unknown measure %(measure)r.")
            % {"key": key, "measure": comp.get("measure")}
        )
    _check_params(key, comp.get("measure"), comp.get("params") or {}, errors)
    group = comp.get("group")
    if group is not None and group not in group_keys:
        errors.append(
            _("Component %(key)s: unknown group %(group)r.") % {"key": key, "group": group}
        )
    weight = _number(comp.get("weight"), f"{key}.weight", errors)
    if weight is not None and weight < 0:
        errors.append(_("Component %(key)s: the weight must not be negative.") % {"key": key})
    _check_scheme(key, comp.get("scheme"), errors)
    return key


def _check_weights(definition: dict[str, Any], errors: list[str]) -> None:
    groups = definition.get("groups") or []
    comps = [c for c in definition.get("components") or [] if isinstance(c, dict)]

    def weight(item: dict[str, Any]) -> float:
        value = item.get("weight")
        return float(value) if isinstance(value, int | float) else 0.0

    top = sum(weight(c) for c in comps if c.get("group") is None) + sum(
        weight(g) for g in groups if isinstance(g, dict)
    )
    if abs(top - 100) > WEIGHT_TOLERANCE:
        errors.append(
            _("Weights of groups and ungrouped components must sum to 100 (they sum to %(s)s).")
            % {"s": f"{top:g}"}
        )
    for group in groups:
        if not isinstance(group, dict):
            continue
        members = [c for c in comps if c.get("group") == group.get("key")]
        if not members:
            errors.append(_("Group %(key)s has no components.") % {"key": group.get("key")})
            continue
        total = sum(weight(c) for c in members)
        if abs(total - 100) > WEIGHT_TOLERANCE:
            errors.append(
                _("Weights inside group %(key)s must sum to 100 (they sum to %(s)s).")
                % {"key": group.get("key"), "s": f"{total:g}"}
            )


def _check_groups(groups: Any, errors: list[str]) -> set[str]:
    group_keys: set[str] = set()
    if not isinstance(groups, list):
        errors.append(_("Groups must be a list."))
        return group_keys
    for group in groups:
        key = group.get("key") if isinstance(group, dict) else None
        if not isinstance(key, str) or not _KEY.match(key) or key in group_keys:
            errors.append(_("Group key %(key)r is missing, invalid or repeated.") % {"key": key})
            continue
        group_keys.add(key)
        _number(group.get("weight"), f"group {key}.weight", errors)
    return group_keys


def _check_components(components: Any, group_keys: set[str], errors: list[str]) -> None:
    if not isinstance(components, list) or not components:
        errors.append(_("A scorecard needs at least one component."))
        return
    seen: set[str] = set()
    for comp in components:
        key = _check_component(comp, group_keys, errors)
        if key is not None and key in seen:
            errors.append(_("Component key %(key)s is repeated.") % {"key": key})
        if key is not None:
            seen.add(key)


def scorecard_definition_validate(*, definition: Any) -> dict[str, Any]:
    """Raise ValidationError listing every problem; returns the definition unchanged."""
    errors: list[str] = []
    if not isinstance(definition, dict):
        raise ValidationError({"definition": [_("The definition must be an object.")]})
    bands = definition.get("bands") or {}
    green = _number(bands.get("green"), "bands.green", errors)
    amber = _number(bands.get("amber"), "bands.amber", errors)
    if green is not None and amber is not None and not 0 <= amber < green <= 100:
        errors.append(_("Bands need 0 ≤ amber < green ≤ 100."))
    group_keys = _check_groups(definition.get("groups") or [], errors)
    _check_components(definition.get("components"), group_keys, errors)
    if not errors:
        _check_weights(definition, errors)
    if errors:
        raise ValidationError({"definition": errors})
    return definition


@transaction.atomic
def scorecard_publish(*, scorecard: Scorecard, user: User | None = None) -> ScorecardVersion:
    """Freeze the draft as the next version and make it current."""
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    definition = scorecard_definition_validate(definition=scorecard.draft)
    last = ScorecardVersion.objects.filter(scorecard=scorecard).aggregate(n=Max("number"))["n"] or 0
    version = ScorecardVersion.objects.create(
        scorecard=scorecard, number=last + 1, definition=definition, published_by=user
    )
    previous = scorecard.current_version
    scorecard.current_version = version
    scorecard.save(update_fields=["current_version", "updated_at"])
    audit_record(
        action="scorecard.published",
        target=scorecard,
        changes=audit_diff(
            {
                "version": previous.number if previous else None,
                "definition": (previous.definition if previous else {}),
            },
            {"version": version.number, "definition": definition},
        ),
    )
    return version


@transaction.atomic
def scorecard_create(
    *,
    name: str,
    draft: dict[str, Any] | None = None,
    priority: int = 100,
    is_default: bool = False,
    is_active: bool = True,
    phase_keys: list[str] | None = None,
    market_segments: list[str] | None = None,
    description: str = "",
    segment: Segment | None = None,
    publish: bool = False,
    user: User | None = None,
) -> Scorecard:
    scorecard = Scorecard.objects.create(
        name=name,
        draft=draft if draft is not None else default_definition(),
        priority=priority,
        is_default=is_default,
        is_active=is_active,
        phase_keys=phase_keys or [],
        market_segments=market_segments or [],
        description=description,
        segment=segment,
    )
    if publish:
        scorecard_publish(scorecard=scorecard, user=user)
        scorecard.refresh_from_db()
    return scorecard


# What `scorecard_update` may change; the rest (versions, timestamps) belongs to other services.
SCORECARD_FIELDS = (
    "name",
    "description",
    "priority",
    "is_default",
    "is_active",
    "phase_keys",
    "market_segments",
    "segment",
    "draft",
)


@transaction.atomic
def scorecard_update(*, scorecard: Scorecard, data: dict[str, Any]) -> Scorecard:
    """Change the given fields (keys of `SCORECARD_FIELDS`; others are ignored) of a scorecard
    under a row lock, in one transaction. A `draft` is validated first (`ValidationError` with a
    `definition` list, nothing saved). Returns the fresh scorecard.

    The editor page and the API both save through here: a draft is never written unchecked.
    """
    changes = {name: data[name] for name in SCORECARD_FIELDS if name in data}
    if "draft" in changes:
        changes["draft"] = scorecard_definition_validate(definition=changes["draft"])
    for name in ("phase_keys", "market_segments"):
        if name in changes:
            changes[name] = list(changes[name] or [])
    card = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    for name, value in changes.items():
        setattr(card, name, value)
    card.save(update_fields=[*changes, "updated_at"])
    return card


DEFAULT_KEY_EVENTS = [
    ("login", gettext_noop("Login")),
    ("report_viewed", gettext_noop("Report viewed")),
    ("integration_connected", gettext_noop("Integration connected")),
    ("member_invited", gettext_noop("Member invited")),
]


def healthscore_tenant_defaults(*, tenant: Tenant) -> None:
    """Settings, a default published scorecard and a few key events for a new tenant."""
    HealthSettings.objects.get_or_create(tenant=tenant)
    # Stored labels are data, written once in the tenant's language.
    with override(tenant.default_language):
        if not Scorecard.objects.filter(is_default=True).exists():
            scorecard_create(name=_("Default scorecard"), is_default=True, publish=True)
        for name, label in DEFAULT_KEY_EVENTS:
            KeyEvent.objects.get_or_create(name=name, defaults={"label": _(label)})
