"""Reads of journeys. Apps above journeys import from here."""

from .activities import activity_count_by_account, activity_list_for_account
from .maps import journey_map_for_account, journey_template_list, milestone_progress_by_account
from .phases import (
    CurrentPhase,
    FunnelRow,
    account_in_phase_q,
    accounts_in_phase,
    accounts_with_phase_id,
    current_phase_by_account,
    phase_current_for_account,
    phase_first,
    phase_funnel,
    phase_history_for_account,
    phase_list,
    phase_median_days,
)
from .work import (
    account_list_owned_by,
    action_step_list_open_for_user,
    feedback_list,
    meeting_list_for_account,
    renewal_list_for_user,
    task_list_for_account,
    task_list_open_for_user,
)

__all__ = [
    "CurrentPhase",
    "FunnelRow",
    "account_in_phase_q",
    "account_list_owned_by",
    "accounts_in_phase",
    "accounts_with_phase_id",
    "action_step_list_open_for_user",
    "activity_count_by_account",
    "activity_list_for_account",
    "current_phase_by_account",
    "feedback_list",
    "journey_map_for_account",
    "journey_template_list",
    "meeting_list_for_account",
    "milestone_progress_by_account",
    "phase_current_for_account",
    "phase_first",
    "phase_funnel",
    "phase_history_for_account",
    "phase_list",
    "phase_median_days",
    "renewal_list_for_user",
    "task_list_for_account",
    "task_list_open_for_user",
]
