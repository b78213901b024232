"""Journeys' own timeline entries worded from their data in the reader's language
(see `journeys.extensions.register_activity_renderer`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .extensions import register_activity_renderer, task_entry_title
from .models import ActivityKind, FeedbackKind, MeetingType, MilestoneStatus, Phase
from .services.success_plan import success_plan_title


def _phase_change(activity: Any) -> str | None:
    data = activity.data or {}
    phases = Phase.objects.in_bulk([data["from_phase"], data["to_phase"]])
    before, after = phases.get(data["from_phase"]), phases.get(data["to_phase"])
    if before is None or after is None:
        return None
    return _("Phase: %(before)s → %(after)s") % {"before": before.name, "after": after.name}


def _milestone_change(activity: Any) -> str | None:
    data = activity.data or {}
    title = data.get("title") or activity.title.rsplit(":", 1)[0]
    if data.get("event") == "created":
        return _("Milestone added: %(title)s") % {"title": data["title"]}
    if "from" not in data or "to" not in data:
        return None
    return _("Milestone %(title)s: %(before)s → %(after)s") % {
        "title": title,
        "before": MilestoneStatus(data["from"]).label,
        "after": MilestoneStatus(data["to"]).label,
    }


def _task(activity: Any) -> str | None:
    # A task added by a person, done, reopened or reassigned (journeys.services.csm_tasks);
    # the task's own title is worded from its kind + data like on My Work.
    data = activity.data or {}
    event = data.get("event")
    if event is None and (activity.source_key or "").startswith("task_done:"):
        event = "done"  # written before entries named their event
    title = task_entry_title(activity)
    if event == "added":
        return _("Task added: %(title)s") % {"title": title}
    if event == "done":
        return _("Task completed: %(title)s") % {"title": title}
    if event == "reopened":
        return _("Task reopened: %(title)s") % {"title": title}
    if event == "reassigned":
        if not data.get("assignee"):
            return _("Task unassigned: %(title)s") % {"title": title}
        return _("Task reassigned to %(name)s: %(title)s") % {
            "name": data.get("assignee_name") or "?",
            "title": title,
        }
    return None


def _in_every_language(label: Any) -> set[str]:
    out = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            out.add(str(label))
    return out


def _feedback(activity: Any) -> str | None:
    # "<kind>: <the quote's start>" with the kind in the writer's language: reworded while
    # the stored title is still that (in any language).
    kind = (activity.data or {}).get("kind")
    if kind not in FeedbackKind.values:
        return None
    label, quote = FeedbackKind(kind).label, (activity.body or "")[:80]
    if activity.title not in {f"{w}: {quote}" for w in _in_every_language(label)}:
        return None
    return f"{label}: {quote}"


def _meeting(activity: Any) -> str | None:
    # A meeting logged without an agenda is titled with its type, in the writer's language.
    kind = (activity.data or {}).get("type")
    if kind not in MeetingType.values:
        return None
    label = MeetingType(kind).label
    return str(label) if activity.title in _in_every_language(label) else None


def _success_plan(activity: Any) -> str | None:
    # A contact ticked, reopened or commented a step of the shared success plan.
    return success_plan_title(activity.data or {}) or None


def register() -> None:
    register_activity_renderer(ActivityKind.PHASE_CHANGE, _phase_change)
    register_activity_renderer(ActivityKind.MILESTONE_CHANGE, _milestone_change)
    register_activity_renderer(ActivityKind.TASK, _task)
    register_activity_renderer(ActivityKind.SUCCESS_PLAN, _success_plan)
    register_activity_renderer(ActivityKind.FEEDBACK, _feedback)
    register_activity_renderer(ActivityKind.MEETING, _meeting)
