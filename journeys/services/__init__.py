"""Writes of journeys. Apps above journeys import from here (never the submodules' privates)."""

from .activities import activity_record, activity_record_bulk
from .checklists import task_checklist_set_item
from .csm_tasks import TaskSpec, task_complete, task_create, task_create_bulk, task_reopen
from .edits import (
    TOUCH_KINDS,
    action_step_delete,
    meeting_delete,
    meeting_update,
    milestone_delete,
    milestone_update,
    task_delete,
    task_update,
    touch_log,
)
from .feedback import feedback_create, feedback_update, feedback_update_status
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
    journey_map_update,
    journey_template_create,
    milestone_create,
    milestone_set_status,
)
from .meetings import meeting_cancel_notify, meeting_log, meeting_restore_notify
from .phases import (
    DEFAULT_PHASES,
    phase_create,
    phase_transition,
    phase_update,
    phases_seed_defaults,
)
from .success_plan import (
    action_step_customer_comment,
    action_step_customer_set_done,
    step_visible_to_customer,
    step_writable_by,
    success_plan_share_set,
)

__all__ = [
    "DEFAULT_PHASES",
    "TOUCH_KINDS",
    "TaskSpec",
    "action_step_create",
    "action_step_customer_comment",
    "action_step_customer_set_done",
    "action_step_delete",
    "action_step_set_done",
    "activity_record",
    "activity_record_bulk",
    "feedback_create",
    "feedback_update",
    "feedback_update_status",
    "journey_map_apply_template",
    "journey_map_create",
    "journey_map_get_or_create",
    "journey_map_update",
    "journey_template_create",
    "journey_template_delete",
    "journey_template_save",
    "meeting_cancel_notify",
    "meeting_delete",
    "meeting_log",
    "meeting_restore_notify",
    "meeting_update",
    "milestone_create",
    "milestone_delete",
    "milestone_set_status",
    "milestone_update",
    "phase_create",
    "phase_transition",
    "phase_update",
    "phases_seed_defaults",
    "step_visible_to_customer",
    "step_writable_by",
    "success_plan_share_set",
    "task_checklist_set_item",
    "task_complete",
    "task_create",
    "task_create_bulk",
    "task_delete",
    "task_reopen",
    "task_update",
    "touch_log",
]
