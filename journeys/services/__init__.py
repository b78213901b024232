"""Writes of journeys. Apps above journeys import from here (never the submodules' privates)."""

from .activities import activity_record, activity_record_bulk
from .checklists import task_checklist_set_item
from .feedback import feedback_create, feedback_update_status
from .journey_templates import (
    journey_map_apply_template,
    journey_template_delete,
    journey_template_save,
)
from .maps import (
    action_step_create,
    action_step_set_done,
    journey_map_create,
    journey_map_get_or_create,
    journey_template_create,
    milestone_create,
    milestone_set_status,
)
from .meetings import meeting_log
from .phases import DEFAULT_PHASES, phase_transition, phases_seed_defaults
from .tasks import TaskSpec, task_complete, task_create, task_create_bulk, task_reopen

__all__ = [
    "DEFAULT_PHASES",
    "TaskSpec",
    "action_step_create",
    "action_step_set_done",
    "activity_record",
    "activity_record_bulk",
    "feedback_create",
    "feedback_update_status",
    "journey_map_apply_template",
    "journey_map_create",
    "journey_map_get_or_create",
    "journey_template_create",
    "journey_template_delete",
    "journey_template_save",
    "meeting_log",
    "milestone_create",
    "milestone_set_status",
    "phase_transition",
    "phases_seed_defaults",
    "task_checklist_set_item",
    "task_complete",
    "task_create",
    "task_create_bulk",
    "task_reopen",
]
