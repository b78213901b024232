"""Extension points journeys offers to the apps above it.

Activity listeners: the timeline is where everything that happens to an account meets (a
phase change, a milestone, a meeting, a seminar attended, an article read …). An app above
journeys that must react to "something happened to these accounts" registers a listener
instead of journeys importing it: healthscore marks the accounts dirty for event-time scoring
(`healthscore.services.now`), which journeys may not import (healthscore sits above it).

    from journeys.extensions import register_activity_listener

    def on_activities(account_ids: set[int], kinds: set[str]) -> None: ...

    register_activity_listener(on_activities)   # in AppConfig.ready()

Listeners are called once per write (one call for a bulk write), inside the writer's
transaction, with the tenant in scope: what they write commits or rolls back with the
activity. They must be cheap and set-based.

Meeting programmes: touchmodel offers the touch programmes a logged meeting may belong to, so
the effect chain counts 1:1 meetings; journeys stores the chosen id and checks it is offered.

Meeting listeners: a logged meeting that lies ahead, its later changes of time or place and
its deletion are told to the listeners (touchmodel e-mails the customer attendees a calendar
invitation, update or cancellation), inside the writer's transaction, with the meeting's row
still present (its `ical_sequence` already raised for an update or cancellation).

Milestone checks: healthscore compares each milestone's target score with the account's
current score and says "on track", "at risk" or "missed"; journeys shows the result on the
journey map without knowing where scores live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.utils.translation import get_language

if TYPE_CHECKING:
    from .models import Milestone

ActivityListener = Callable[[set[int], set[str]], None]

_listeners: list[ActivityListener] = []


def register_activity_listener(fn: ActivityListener) -> None:
    if fn not in _listeners:
        _listeners.append(fn)


def unregister_activity_listener(fn: ActivityListener) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


def activities_recorded(*, account_ids: Iterable[int], kinds: Iterable[str]) -> None:
    """Tell the listeners that activities of `kinds` were written for `account_ids`."""
    ids = {int(a) for a in account_ids}
    if not ids:
        return
    found = set(kinds)
    for fn in list(_listeners):
        fn(ids, found)


@dataclass(frozen=True)
class MilestoneCheck:
    """`check(milestones)` → {milestone_id: {"state", "label", "detail", "tone"}}, tone being
    green, amber or red; milestones it has nothing to say about are left out. Called once
    per page, for all the map's milestones together."""

    key: str
    check: Callable[[list[Milestone]], dict[int, dict[str, Any]]]
    order: int = 100
    # What the verdicts on an account's milestones read besides the tables the data version,
    # the account's version or its score version watches and the day, as text: Account 360
    # keeps the journey map under it (`milestone_checks_stamp`). The journey map is kept
    # under the account's score version (its scores, the tenant's latest scored day), which
    # a check judging by the score needs.
    stamp: Callable[[int], str] | None = None


_milestone_checks: dict[str, MilestoneCheck] = {}
_meeting_programs: dict[str, Callable[[], list[tuple[int, str]]]] = {}


def register_milestone_check(check: MilestoneCheck) -> None:
    _milestone_checks[check.key] = check


def milestone_checks(milestones: list[Milestone]) -> dict[int, list[dict[str, Any]]]:
    """Every registered check's verdicts, per milestone id (an empty list when none)."""
    results: dict[int, list[dict[str, Any]]] = {m.pk: [] for m in milestones}
    if not milestones:
        return results
    for registered in sorted(_milestone_checks.values(), key=lambda c: c.order):
        for milestone_id, verdict in registered.check(milestones).items():
            results.setdefault(milestone_id, []).append({"key": registered.key, **verdict})
    return results


def milestone_checks_stamp(account_id: int) -> str:
    """Every registered check's `stamp` for the account's milestones, joined."""
    return ":".join(
        check.stamp(account_id)
        for check in sorted(_milestone_checks.values(), key=lambda c: c.order)
        if check.stamp is not None
    )


def register_meeting_programs(key: str, choices: Callable[[], list[tuple[int, str]]]) -> None:
    """`choices()` → [(programme id, name)] a meeting may be logged against."""
    _meeting_programs[key] = choices


def meeting_program_choices() -> list[tuple[int, str]]:
    return [choice for choices in _meeting_programs.values() for choice in choices()]


MEETING_SCHEDULED = "scheduled"
MEETING_UPDATED = "updated"
MEETING_CANCELLED = "cancelled"
# Back from the trash: the customers were sent the cancellation and get the invitation again.
MEETING_RESTORED = "restored"

MeetingListener = Callable[[int, str], None]

_meeting_listeners: list[MeetingListener] = []


def register_meeting_listener(fn: MeetingListener) -> None:
    """`fn(meeting_id, change)`, change being MEETING_SCHEDULED, _UPDATED, _CANCELLED
    or _RESTORED."""
    if fn not in _meeting_listeners:
        _meeting_listeners.append(fn)


def meeting_changed(*, meeting_id: int, change: str) -> None:
    for fn in list(_meeting_listeners):
        fn(meeting_id, change)


# Activity titles in the reader's language ---------------------------------------------------
# A timeline entry stores what happened (its kind and `data`: ids, codes, numbers) besides a
# title written once in whatever language the writer ran in. A renderer registered for a kind
# words the entry from its data in the language active when it is read; None (data from before
# the renderer, or not enough of it) falls back to the stored title.

ActivityRenderer = Callable[[Any], "str | None"]

_renderers: dict[str, ActivityRenderer] = {}


def register_activity_renderer(kind: str, renderer: ActivityRenderer) -> None:
    """`renderer(activity) -> str | None`: the entry's title in the active language."""
    _renderers[kind] = renderer


def activity_title(activity: Any) -> str:
    shown = getattr(activity, "_shown_title", None)
    if shown is not None and getattr(activity, "_shown_language", None) == get_language():
        return shown
    renderer = _renderers.get(activity.kind)
    if renderer is not None:
        try:
            text = renderer(activity)
        except (KeyError, TypeError, ValueError):
            text = None
        if text:
            return text
    return activity.title


# Task titles: a task an app generates (a health alert, a milestone at risk, a rule firing)
# stores what happened (`Task.kind` + `Task.data`) beside a title in the tenant's language;
# the app that knows the kind words the title for each reader. `titles(tasks)` gets all the
# tasks of its kind shown on one page together (one query at most for all of them) and
# returns {task.pk: title in the active language}; tasks it leaves out show their stored title.
TaskTitles = Callable[[list[Any]], dict[int, str]]

_task_titles: dict[str, TaskTitles] = {}


def register_task_titles(kind: str, titles: TaskTitles) -> None:
    _task_titles[kind] = titles


def task_titles(tasks: Iterable[Any]) -> dict[int, str]:
    """{task.pk: title in the active language} of `tasks` (the stored title when nobody
    words the task's kind, or its data no longer fits)."""
    return _worded_by_kind(list(tasks), _task_titles, stored=lambda task: task.title)


def _worded_by_kind(
    tasks: list[Any],
    registry: dict[str, TaskTitles],
    *,
    stored: Callable[[Any], str],
    rewrite: Callable[[Any], bool] = lambda task: True,
) -> dict[int, str]:
    """{task.pk: text}: each kind's tasks worded together by the app registered for the kind,
    the stored text for the others (and where the wording fails or says nothing)."""
    shown = {task.pk: stored(task) for task in tasks}
    by_kind: dict[str, list[Any]] = {}
    for task in tasks:
        if task.kind in registry and rewrite(task):
            by_kind.setdefault(task.kind, []).append(task)
    for kind, group in by_kind.items():
        try:
            worded = registry[kind](group)
        except (KeyError, TypeError, ValueError):
            continue
        shown.update({pk: text for pk, text in worded.items() if text and pk in shown})
    return shown


# Task descriptions, likewise: `descriptions(tasks)` → {task.pk: description in the active
# language}. A description someone rewrote (`data["description_edited"]`) stays as written.
_task_descriptions: dict[str, TaskTitles] = {}


def register_task_descriptions(kind: str, descriptions: TaskTitles) -> None:
    _task_descriptions[kind] = descriptions


def task_descriptions(tasks: Iterable[Any]) -> dict[int, str]:
    """{task.pk: description in the active language} of `tasks` (the stored description when
    nobody words the task's kind, its data no longer fits, or a person rewrote it)."""
    return _worded_by_kind(
        list(tasks),
        _task_descriptions,
        stored=lambda task: task.description,
        rewrite=lambda task: not (task.data or {}).get("description_edited"),
    )


def tasks_titled(tasks: Iterable[Any]) -> list[Any]:
    """`tasks` as a list, each with `shown_title` and `shown_description` worded in the
    active language."""
    tasks = list(tasks)
    titles, descriptions = task_titles(tasks), task_descriptions(tasks)
    language = get_language()
    for task in tasks:
        task._shown_title, task._shown_language = titles[task.pk], language
        task._shown_description = (descriptions[task.pk], language)
    return tasks


# A task on the timeline (added, done, reopened, reassigned): the entry keeps the task's kind
# and data (`task_kind`, `task_data`) so its title is worded like the task's, even once the
# task is gone. `activities_titled` words a page of entries at once (one call per task kind).


def task_entry_stand_in(activity: Any) -> Any:
    """The task an entry is about, as `task_titles` reads it (pk, kind, data, title)."""
    data = activity.data or {}
    return SimpleNamespace(
        pk=activity.pk,
        kind=data.get("task_kind") or "",
        data=data.get("task_data") or {},
        title=data.get("task_title") or activity.title,
    )


def activities_titled(activities: Iterable[Any]) -> list[Any]:
    """`activities` as a list, each worded in the active language (`activity_title`), the
    task entries' task titles worded together."""
    activities = list(activities)
    tasks = [task_entry_stand_in(a) for a in activities if a.kind == "task"]
    titles = task_titles(tasks)
    language = get_language()
    for activity in activities:
        if activity.kind == "task":
            activity._task_title = (titles[activity.pk], language)
        activity._shown_title = None
        activity._shown_title, activity._shown_language = activity_title(activity), language
    return activities


def task_entry_title(activity: Any) -> str:
    """The title of the task a timeline entry is about, in the active language."""
    title, language = getattr(activity, "_task_title", (None, None))
    if title is not None and language == get_language():
        return title
    return task_titles([task_entry_stand_in(activity)])[activity.pk]


# Feedback categories: a category may be a name an app above journeys knows in several
# languages (content files an article's feedback under the article's section, by the section's
# name in the workspace language). `names(categories)` → {category: its name in the active
# language} for the categories it knows; the others show as stored.
CategoryNames = Callable[[set[str]], dict[str, str]]

_category_names: list[CategoryNames] = []


def register_feedback_category_names(fn: CategoryNames) -> None:
    if fn not in _category_names:
        _category_names.append(fn)


def feedback_category_names(categories: Iterable[str]) -> dict[str, str]:
    """{category: name in the active language} of `categories` (as stored when nobody knows
    it), one call per registered app for all of them."""
    wanted = {c for c in categories if c}
    shown = {c: c for c in wanted}
    for fn in list(_category_names):
        if wanted:
            shown.update({c: name for c, name in fn(wanted).items() if c in shown and name})
    return shown
