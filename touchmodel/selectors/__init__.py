"""Reads of touchmodel."""

from .calendar import seminar_calendar_event, seminar_calendar_row, seminar_calendar_rows
from .effect import effect_chain, program_effect, programs_touches, rule_effect
from .planner import (
    capacity_inputs,
    capacity_overview,
    planner_chart,
    program_list,
    program_measured,
)
from .rules import firing_list, rule_list, rule_plan, rule_test, why_text
from .signups import seminar_signups_pending_count
from .tiers import account_tier_get, health_by_tier, tier_counts, tier_of_accounts

__all__ = [
    "account_tier_get",
    "capacity_inputs",
    "capacity_overview",
    "effect_chain",
    "firing_list",
    "health_by_tier",
    "planner_chart",
    "program_effect",
    "program_list",
    "program_measured",
    "programs_touches",
    "rule_effect",
    "rule_list",
    "rule_plan",
    "rule_test",
    "seminar_calendar_event",
    "seminar_calendar_row",
    "seminar_calendar_rows",
    "seminar_signups_pending_count",
    "tier_counts",
    "tier_of_accounts",
    "why_text",
]
