"""What journeys' Account 360 panels read of one account, in one statement (issue #16)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from accounts.models import Account, Contact
from cs_platform.leancalls import Call, lean_call_ahead, lean_call_once
from cs_platform.leanread import lean_json_model, lean_json_models, lean_prefetched
from cs_platform.models import User
from cs_platform.requestmemo import request_memoized

from ..models import (
    ActionStep,
    Activity,
    FeedbackItem,
    JourneyMap,
    Milestone,
    Phase,
    PhaseTransition,
    Task,
)
from .phases import CurrentPhase, phase_list

# How many rows each panel shows (the timeline reads one more: is there a "Full timeline"?).
TIMELINE_PANEL_SIZE = 15
TASKS_PANEL_SIZE = 50
PHASE_HISTORY_PANEL_SIZE = 30
FEEDBACK_PANEL_SIZE = 10


@dataclass(frozen=True)
class AccountPanelReads:
    """An account's rows as the panels show them (actors, owners and phases loaded; not the
    timeline entries' contacts, which no panel shows):
    `current` phase, `journey_map` (milestones and their steps prefetched, or None), its open
    `tasks`, its newest `activities` (up to TIMELINE_PANEL_SIZE + 1), newest phase
    `transitions` and `feedback`."""

    current: CurrentPhase | None
    journey_map: JourneyMap | None
    tasks: list[Task]
    activities: list[Activity]
    transitions: list[PhaseTransition]
    feedback: list[FeedbackItem]


def account_panel_reads(*, account: Account) -> AccountPanelReads:
    """The account's panel rows: one call of `junkan_journeys_account_panels` (journeys 0018,
    0021: a PL/pgSQL function, its plans kept per connection), once per page view, sent with
    the page's other first-view reads announced (`cs_platform.leancalls`)."""
    return request_memoized(("journeys.account_panel_reads", account.pk), lambda: _read(account))


def account_panel_reads_ahead(*, account: Account) -> None:
    """Announce the page view's `account_panel_reads` (sent with the first read asked for)."""
    lean_call_ahead(lambda: _call(account))


def _call(account: Account) -> Call:
    return (
        ("journeys.account_panels", account.pk),
        "junkan_journeys_account_panels(%(tenant)s, %(account)s, %(activities)s, %(tasks)s,"
        " %(transitions)s, %(feedback)s)",
        {
            "account": account.pk,
            "activities": TIMELINE_PANEL_SIZE + 1,
            "tasks": TASKS_PANEL_SIZE,
            "transitions": PHASE_HISTORY_PANEL_SIZE,
            "feedback": FEEDBACK_PANEL_SIZE,
        },
    )


def _made(model: type[Any], rows: list[dict[str, Any] | None]) -> list[Any]:
    """The instances of `rows` made together (`lean_json_models`), None where a row is None
    (a LEFT JOIN's missing row)."""
    made = iter(lean_json_models(model, [row for row in rows if row is not None]))
    return [None if row is None else next(made) for row in rows]


def _joined(instances: list[Any], name: str, related: list[Any]) -> None:
    """Each instance's foreign key `name` read already: the matching one of `related` (what
    assigning it does, without the descriptor's checks on every row)."""
    if instances:
        field = instances[0]._meta.get_field(name)
        for instance, value in zip(instances, related, strict=True):
            field.set_cached_value(instance, value)


def _members(instances: list[Any], name: str, users: dict[int, User]) -> None:
    """Each instance's member `name` (a foreign key to a user, or None) from `users`, the
    members the read named, each made once (journeys 0021)."""
    if instances:
        attname = instances[0]._meta.get_field(name).attname
        _joined(instances, name, [users.get(getattr(i, attname)) for i in instances])


def _read(account: Account) -> AccountPanelReads:
    row = lean_call_once(lambda: _call(account))
    phase, map_row, milestone_rows, steps, tasks, activities, transitions, feedback, users = (
        row[column]
        for column in (
            "phase",
            "journey_map",
            "milestones",
            "steps",
            "tasks",
            "activities",
            "transitions",
            "feedback",
            "users",
        )
    )
    members = {user.pk: user for user in lean_json_models(User, users)}
    phases = _phases_by_id(
        [phase[0]] if phase else [],
        [t["to_phase_id"] for t in transitions],
        [t["from_phase_id"] for t in transitions if t["from_phase_id"] is not None],
    )
    tasks_made = lean_json_models(Task, tasks)
    _members(tasks_made, "assignee", members)
    # NOTE: an entry's contact is not read (no panel shows it): `activity.contact` would query.
    activities_made = lean_json_models(Activity, activities)
    _members(activities_made, "actor", members)
    transitions_made = lean_json_models(PhaseTransition, transitions)
    _members(transitions_made, "actor", members)
    _joined(transitions_made, "to_phase", [phases[t.to_phase_id] for t in transitions_made])
    _joined(
        transitions_made,
        "from_phase",
        [None if t.from_phase_id is None else phases[t.from_phase_id] for t in transitions_made],
    )
    return AccountPanelReads(
        current=_current(account, phase, phases),
        journey_map=_journey_map(map_row, milestone_rows, steps, members),
        tasks=tasks_made,
        activities=activities_made,
        transitions=transitions_made,
        feedback=lean_json_models(FeedbackItem, feedback),
    )


def _phases_by_id(*ids: list[int]) -> dict[int, Phase]:
    """The tenant's phases by id (`phase_list`, kept); a phase it does not hold yet (added
    since it was kept under the versions this view read) from the database."""
    phases = {p.pk: p for p in phase_list()}
    missing = {pk for group in ids for pk in group} - phases.keys()
    if missing:
        phases.update(Phase.objects.in_bulk(missing))
    return phases


def _current(
    account: Account, phase: list[Any] | None, phases: dict[int, Phase]
) -> CurrentPhase | None:
    """As `phase_current_for_account`: no phase row is the first phase since the account's
    creation."""
    if phase is not None:
        phase_id, entered_at = phase
        return CurrentPhase(
            phase=phases[phase_id],
            entered_at=None if entered_at is None else dt.datetime.fromisoformat(entered_at),
        )
    listed = phase_list()
    return CurrentPhase(phase=listed[0], entered_at=account.created_at) if listed else None


def _journey_map(
    map_row: dict[str, Any] | None,
    milestone_rows: list[Any],
    step_rows: list[Any],
    members: dict[int, User],
) -> JourneyMap | None:
    if map_row is None:
        return None
    journey_map = lean_json_model(JourneyMap, map_row)
    milestones = lean_json_models(Milestone, milestone_rows)
    _joined(milestones, "journey_map", [journey_map] * len(milestones))
    made = lean_json_models(ActionStep, [row for row, _contact in step_rows])
    _members(made, "owner_user", members)
    _joined(made, "owner_contact", _made(Contact, [contact for _row, contact in step_rows]))
    steps: dict[int, list[ActionStep]] = {m.pk: [] for m in milestones}
    for step in made:
        steps[step.milestone_id].append(step)
    for milestone in milestones:
        lean_prefetched(milestone, "steps", steps[milestone.pk])
    lean_prefetched(journey_map, "milestones", milestones)
    return journey_map
