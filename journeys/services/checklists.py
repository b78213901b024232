"""Ticking items of a task's checklist (a JSON list of {"text", "done"})."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..models import Task


@transaction.atomic
def task_checklist_set_item(*, task: Task, index: int, done: bool) -> Task:
    """Set item `index` of the task's checklist done or not (row-locked: concurrent ticks)."""
    locked = Task.objects.select_for_update().get(pk=task.pk)
    checklist = list(locked.checklist or [])
    if not 0 <= index < len(checklist):
        raise ValidationError({"index": _("There is no such checklist item.")})
    item = checklist[index]
    if isinstance(item, str):
        item = {"text": item, "done": False}
    checklist[index] = {**item, "done": bool(done)}
    locked.checklist = checklist
    locked.save(update_fields=["checklist"])
    task.checklist = checklist
    return task
