"""The account list's own bulk actions: assign an owner, add to a segment. Apps above add
theirs (touchmodel: change the tier, start a playbook) with `register_bulk_action`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from . import services
from .extensions import BulkAction, bulk_value_row, register_bulk_action
from .models import Account
from .selectors import owner_candidates, owner_choices, segment_choices, segment_list


def _owner_choices() -> list[tuple[str, str]]:
    return [("none", str(_("No owner")))] + [(str(pk), name) for pk, name in owner_choices()]


def _assign_owner(accounts: QuerySet[Account], value: str, actor: Any) -> int:
    owner = None
    if value != "none":
        owner = bulk_value_row(
            owner_candidates(), value, refusal=_("Choose a member of this workspace.")
        )
    return services.account_bulk_assign_owner(accounts=accounts, owner=owner)


def _segment_choices() -> list[tuple[str, str]]:
    return segment_choices()


def _add_to_segment(accounts: QuerySet[Account], value: str, actor: Any) -> int:
    segment = bulk_value_row(segment_list(), value, refusal=_("Choose a segment."))
    return services.segment_include_accounts(segment=segment, accounts=accounts)


def register() -> None:
    register_bulk_action(
        BulkAction(
            key="assign_owner",
            label=_("Assign an owner"),
            value_label=_("Owner"),
            permission="account.change",
            choices=_owner_choices,
            apply=_assign_owner,
            done=_("%(n)s accounts now belong to %(value)s."),
            order=10,
        )
    )
    register_bulk_action(
        BulkAction(
            key="add_to_segment",
            label=_("Add to a segment"),
            value_label=_("Segment"),
            permission="segment.change",
            choices=_segment_choices,
            apply=_add_to_segment,
            done=_("%(n)s accounts added to the segment %(value)s."),
            order=30,
        )
    )
