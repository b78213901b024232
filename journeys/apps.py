from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.apps import AppConfig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .extensions import task_titles


def _meeting_label(meeting: Any) -> str:
    first_line = (meeting.agenda or "").strip().splitlines()[:1]
    day = f"{timezone.localtime(meeting.occurred_at):%Y-%m-%d}"
    return " · ".join([meeting.account.name, day, *first_line])


def _activity_label(activity: Any) -> str:
    day = f"{timezone.localtime(activity.occurred_at):%Y-%m-%d}"
    return " · ".join([activity.account.name, day, activity.title])


def _task_label_data(task: Any) -> dict[str, Any]:
    # A generated task (a health alert, a milestone at risk, a rule) is named in the trash,
    # the change log and the audit log in each reader's language, from its kind and data.
    return {"kind": task.kind, "data": task.data} if task.kind else {}


def _task_label_words(items: list[dict[str, Any]]) -> list[str | None]:
    tasks = [
        SimpleNamespace(pk=n, kind=item.get("kind") or "", data=item.get("data") or {}, title="")
        for n, item in enumerate(items)
    ]
    titles = task_titles(tasks)
    return [titles[n] or None for n in range(len(items))]


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Journeys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import plugins

        plugins.register()

        from . import activity_titles

        activity_titles.register()

        from cs_platform.trash.extensions import register_trashable

        from .models import ActionStep, Activity, JourneyTemplate, Meeting, Milestone, Task

        for model in (Milestone, ActionStep, JourneyTemplate):
            register_trashable(model)
        register_trashable(Task, label_data=_task_label_data, label_words=_task_label_words)
        from .services import meeting_cancel_notify, meeting_restore_notify

        # A future meeting's customers get the calendar cancellation when it is deleted, and
        # the invitation again when it is restored.
        register_trashable(
            Meeting,
            label=_meeting_label,
            on_delete=meeting_cancel_notify,
            on_restore=meeting_restore_notify,
        )
        # A meeting's timeline entry goes to the trash with it (journeys.services.meeting_delete).
        register_trashable(Activity, label=_activity_label)

        from cs_platform.audit.tracking import audit_track

        from .models import Phase

        audit_track(Phase, name="phase")
        audit_track(JourneyTemplate, name="journey_template")

    def on_tenant_created(self, tenant: Any) -> None:
        from .services import phases_seed_defaults

        phases_seed_defaults()
