"""Writes of the playbook's configuration: tier rules, touch programs, rules, user groups,
seminars and nominations as the API edits them. Each is named, so a rule that belongs to one
of them has one place to live; today most write the validated fields as they are."""

from __future__ import annotations

from typing import Any

from cs_platform.models import User
from cs_platform.writes import model_create, model_update

from ..models import (
    ChampionNomination,
    CsmCapacity,
    Rule,
    Seminar,
    TierRule,
    TouchProgram,
    TouchSettings,
    UserGroup,
)
from .invitations import seminar_save


def tier_rule_create(*, data: dict[str, Any]) -> TierRule:
    return model_create(model=TierRule, data=data)


def tier_rule_update(*, tier_rule: TierRule, data: dict[str, Any]) -> TierRule:
    return model_update(instance=tier_rule, data=data)


def touch_program_create(*, data: dict[str, Any]) -> TouchProgram:
    return model_create(model=TouchProgram, data=data)


def touch_program_update(*, program: TouchProgram, data: dict[str, Any]) -> TouchProgram:
    return model_update(instance=program, data=data)


def rule_create(*, data: dict[str, Any]) -> Rule:
    return model_create(model=Rule, data=data)


def rule_update(*, rule: Rule, data: dict[str, Any]) -> Rule:
    return model_update(instance=rule, data=data)


def rule_set_active(*, rule: Rule, is_active: bool) -> Rule:
    """Switch a rule on or off (its firings and settings stay)."""
    rule.is_active = is_active
    rule.save(update_fields=["is_active", "updated_at"])
    return rule


def user_group_create(*, data: dict[str, Any]) -> UserGroup:
    return model_create(model=UserGroup, data=data)


def user_group_update(*, group: UserGroup, data: dict[str, Any]) -> UserGroup:
    return model_update(instance=group, data=data)


def seminar_create(*, data: dict[str, Any]) -> Seminar:
    """A new seminar (a changed one goes through `seminar_save`, which re-sends invitations)."""
    return seminar_save(seminar=Seminar(**data))


def seminar_update(*, seminar: Seminar, data: dict[str, Any]) -> Seminar:
    """Change a seminar; a changed time or place re-sends the calendar invitations."""
    for name, value in data.items():
        setattr(seminar, name, value)
    return seminar_save(seminar=seminar)


def touch_settings_update(*, settings: TouchSettings, data: dict[str, Any]) -> TouchSettings:
    """The tenant's touch settings (default tier, hours per tier, sender)."""
    return model_update(instance=settings, data=data)


def csm_capacity_set(*, user: User, hours_per_month: Any) -> CsmCapacity:
    """A CSM's hours a month for the capacity planner (one row per CSM)."""
    capacity, _created = CsmCapacity.objects.update_or_create(
        user=user, defaults={"hours_per_month": hours_per_month}
    )
    return capacity


def champion_nomination_update(
    *, nomination: ChampionNomination, data: dict[str, Any]
) -> ChampionNomination:
    return model_update(instance=nomination, data=data)
