"""What journeys' Account 360 panels read of one account, in one statement (issue #16)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection

from accounts.models import Account, Contact
from cs_platform.leanread import lean_json_model, lean_prefetched
from cs_platform.models import User
from cs_platform.requestmemo import request_memoized
from cs_platform.scoping import require_current_tenant

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
    """An account's rows as the panels show them (actors, owners and phases loaded):
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
    a PL/pgSQL function: its plans kept per connection), once per page view."""
    return request_memoized(("journeys.account_panel_reads", account.pk), lambda: _read(account))


def _user(row: dict[str, Any] | None) -> User | None:
    return lean_json_model(User, row) if row is not None else None


def _contact(row: dict[str, Any] | None) -> Contact | None:
    return lean_json_model(Contact, row) if row is not None else None


def _read(account: Account) -> AccountPanelReads:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM junkan_journeys_account_panels(%s, %s, %s, %s, %s, %s)",
            [
                require_current_tenant().pk,
                account.pk,
                TIMELINE_PANEL_SIZE + 1,
                TASKS_PANEL_SIZE,
                PHASE_HISTORY_PANEL_SIZE,
                FEEDBACK_PANEL_SIZE,
            ],
        )
        phase, map_row, milestone_rows, steps, tasks, activities, transitions, feedback = (
            cursor.fetchone()
        )
    phases = _phases_by_id(
        [phase[0]] if phase else [],
        [t[0]["to_phase_id"] for t in transitions],
        [t[0]["from_phase_id"] for t in transitions if t[0]["from_phase_id"] is not None],
    )
    return AccountPanelReads(
        current=_current(account, phase, phases),
        journey_map=_journey_map(map_row, milestone_rows, steps),
        tasks=[_task(row, user) for row, user in tasks],
        activities=[_activity(row, user, contact) for row, user, contact in activities],
        transitions=[_transition(row, user, phases) for row, user in transitions],
        feedback=[lean_json_model(FeedbackItem, row) for row in feedback],
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
    map_row: dict[str, Any] | None, milestone_rows: list[Any], step_rows: list[Any]
) -> JourneyMap | None:
    if map_row is None:
        return None
    journey_map = lean_json_model(JourneyMap, map_row)
    milestones = [lean_json_model(Milestone, row) for row in milestone_rows]
    steps: dict[int, list[ActionStep]] = {m.pk: [] for m in milestones}
    for row, user, contact in step_rows:
        step = lean_json_model(ActionStep, row)
        if step.owner_user_id is not None:
            step.owner_user = _user(user)
        if step.owner_contact_id is not None:
            step.owner_contact = _contact(contact)
        steps[step.milestone_id].append(step)
    for milestone in milestones:
        milestone.journey_map = journey_map
        lean_prefetched(milestone, "steps", steps[milestone.pk])
    lean_prefetched(journey_map, "milestones", milestones)
    return journey_map


def _task(row: dict[str, Any], user: dict[str, Any] | None) -> Task:
    task = lean_json_model(Task, row)
    task.assignee = _user(user)
    return task


def _activity(
    row: dict[str, Any], user: dict[str, Any] | None, contact: dict[str, Any] | None
) -> Activity:
    activity = lean_json_model(Activity, row)
    activity.actor = _user(user)
    activity.contact = _contact(contact)
    return activity


def _transition(
    row: dict[str, Any], user: dict[str, Any] | None, phases: dict[int, Phase]
) -> PhaseTransition:
    transition = lean_json_model(PhaseTransition, row)
    transition.to_phase = phases[transition.to_phase_id]
    transition.from_phase = (
        phases[transition.from_phase_id] if transition.from_phase_id is not None else None
    )
    transition.actor = _user(user)
    return transition
