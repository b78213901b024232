"""Segment rules: the keys a saved segment's `rules` JSON understands.

Built-in keys filter on accounts' own columns and contracts; apps above accounts add keys
(phase, health band, tier …) through `accounts.extensions.register_segment_rule`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .extensions import RuleParam, SegmentRule, segment_rules
from .models import Account, LifecycleStatus, MarketSegment


def _as_int(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("%(key)s must be a whole number."), params={"key": key})
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("%(key)s must be a whole number."), params={"key": key}) from None


def _as_list(key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        raise ValidationError(_("%(key)s must be a list of values."), params={"key": key})
    return [str(v) for v in value]


def _choices_list(allowed: list[str]) -> Callable[[str, Any], list[str]]:
    def clean(key: str, value: Any) -> list[str]:
        values = _as_list(key, value)
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise ValidationError(
                _("%(key)s: unknown value(s) %(values)s; use %(allowed)s."),
                params={"key": key, "values": ", ".join(unknown), "allowed": ", ".join(allowed)},
            )
        return values

    return clean


def _owners(key: str, value: Any) -> list[int]:
    values = _as_list(key, value)
    try:
        return [int(v) for v in values]
    except ValueError:
        raise ValidationError(
            _("%(key)s must be a list of user ids."), params={"key": key}
        ) from None


def _account_ids(key: str, value: Any) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ValidationError(_("%(key)s must be a list of account ids."), params={"key": key})
    found = set(Account.objects.filter(pk__in=value).values_list("pk", flat=True))
    return sorted(found)


def _non_negative(key: str, value: Any) -> int:
    number = _as_int(key, value)
    if number < 0:
        raise ValidationError(_("%(key)s must not be negative."), params={"key": key})
    return number


def _param_clean(key: str, param: RuleParam, value: Any) -> Any:
    name = f"{key}.{param.name}"
    if param.kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(_("%(key)s must be a non-empty text."), params={"key": name})
        if len(value) > 200 or any(ord(c) < 32 for c in value):
            raise ValidationError(
                _("%(key)s must be one line of at most 200 characters."), params={"key": name}
            )
        return value.strip()
    number = _as_int(name, value)
    if param.min_value is not None and number < param.min_value:
        raise ValidationError(
            _("%(key)s must be at least %(min)s."), params={"key": name, "min": param.min_value}
        )
    if param.max_value is not None and number > param.max_value:
        raise ValidationError(
            _("%(key)s must be at most %(max)s."), params={"key": name, "max": param.max_value}
        )
    return number


def _structured_clean(key: str, rule: SegmentRule, value: Any) -> dict[str, Any]:
    """A rule with params: a JSON object of exactly those params, each checked."""
    if not isinstance(value, dict):
        raise ValidationError(
            _("%(key)s must be an object with %(params)s."),
            params={"key": key, "params": ", ".join(p.name for p in rule.params)},
        )
    known = {p.name for p in rule.params}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValidationError(
            _("%(key)s: unknown part(s) %(values)s; use %(allowed)s."),
            params={"key": key, "values": ", ".join(unknown), "allowed": ", ".join(sorted(known))},
        )
    cleaned: dict[str, Any] = {}
    for param in rule.params:
        if value.get(param.name) in (None, ""):
            if param.required:
                raise ValidationError(
                    _("%(key)s is required."), params={"key": f"{key}.{param.name}"}
                )
            continue
        cleaned[param.name] = _param_clean(key, param, value[param.name])
    if rule.clean is not None:
        rule.clean(cleaned)
    return cleaned


def _renewal_within(qs: QuerySet[Account], days: int) -> QuerySet[Account]:
    today = timezone.localdate()
    return qs.filter(
        next_renewal_date__gte=today, next_renewal_date__lte=today + dt.timedelta(days=days)
    )


@dataclass(frozen=True)
class BuiltinRule:
    label: Any
    clean: Callable[[str, Any], Any]
    apply: Callable[[QuerySet[Account], Any], QuerySet[Account]]


# Rules on current_arr / next_renewal_date expect the queryset of `account_list_annotated`.
BUILTIN_RULES: dict[str, BuiltinRule] = {
    "arr_min": BuiltinRule(
        _("ARR at least"), _non_negative, lambda qs, v: qs.filter(current_arr__gte=v)
    ),
    "arr_max": BuiltinRule(
        _("ARR at most"), _non_negative, lambda qs, v: qs.filter(current_arr__lte=v)
    ),
    "industries": BuiltinRule(_("Industries"), _as_list, lambda qs, v: qs.filter(industry__in=v)),
    "market_segments": BuiltinRule(
        _("Market segments"),
        _choices_list(list(MarketSegment.values)),
        lambda qs, v: qs.filter(market_segment__in=v),
    ),
    "owners": BuiltinRule(_("Owners"), _owners, lambda qs, v: qs.filter(owner_id__in=v)),
    "lifecycle_statuses": BuiltinRule(
        _("Lifecycle statuses"),
        _choices_list(list(LifecycleStatus.values)),
        lambda qs, v: qs.filter(lifecycle_status__in=v),
    ),
    "renewal_within_days": BuiltinRule(_("Renewal within (days)"), _non_negative, _renewal_within),
    # Accounts added by hand (bulk action of the account list); applied as "or", see
    # segment_rules_apply.
    "include_ids": BuiltinRule(
        _("Accounts added by hand"), _account_ids, lambda qs, v: qs.filter(pk__in=v)
    ),
}


def known_rule_keys() -> list[str]:
    return [*BUILTIN_RULES, *segment_rules()]


def _rule_clean(key: str, value: Any, registered: dict[str, SegmentRule]) -> Any:
    if key in BUILTIN_RULES:
        return BUILTIN_RULES[key].clean(key, value)
    if key in registered:
        rule = registered[key]
        return _structured_clean(key, rule, value) if rule.params else value
    raise ValidationError(
        _("Unknown rule %(key)s. Known rules: %(known)s."),
        params={"key": key, "known": ", ".join(known_rule_keys())},
    )


def segment_rules_clean(rules: Any) -> dict[str, Any]:
    """Validate a segment's rules; raises ValidationError({"rules": [...]}) naming each problem."""
    if rules in (None, ""):
        return {}
    if not isinstance(rules, dict):
        raise ValidationError({"rules": [_("Rules must be a JSON object of key: value.")]})
    registered = segment_rules()
    cleaned: dict[str, Any] = {}
    problems: list[ValidationError] = []
    for key, value in rules.items():
        try:
            cleaned[key] = _rule_clean(key, value, registered)
        except ValidationError as exc:
            problems.append(exc)
    if (
        not problems
        and "arr_min" in cleaned
        and "arr_max" in cleaned
        and cleaned["arr_min"] > cleaned["arr_max"]
    ):
        problems.append(ValidationError(_("arr_min must not be greater than arr_max.")))
    if problems:
        raise ValidationError({"rules": problems})
    return cleaned


def segment_rules_apply(queryset: QuerySet[Account], rules: dict[str, Any]) -> QuerySet[Account]:
    """Narrow an annotated account queryset by already-validated rules. Accounts added by hand
    (`include_ids`) belong to the segment whatever the other rules say."""
    rules = dict(rules)
    include = rules.pop("include_ids", None) or []
    if include:
        if not rules:
            return queryset.filter(pk__in=include)
        narrowed = segment_rules_apply(queryset, rules)
        return queryset.filter(Q(pk__in=narrowed.values("pk")) | Q(pk__in=include))
    registered = segment_rules()
    for key, value in rules.items():
        if key in BUILTIN_RULES:
            queryset = BUILTIN_RULES[key].apply(queryset, value)
        elif key in registered:
            queryset = registered[key].apply(queryset, value)
        else:
            # A rule whose app was removed matches nothing rather than everything.
            queryset = queryset.filter(Q(pk__in=[]))
    return queryset
