"""Community and champion reads, and the account's relationship map."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from accounts.models import Account, Contact
from accounts.selectors import contacts_of
from cs_platform.leanread import lean_rows

from ..models import ChampionNomination, NominationStatus, UserGroup, UserGroupMember


def user_group_list() -> QuerySet[UserGroup]:
    return UserGroup.objects.annotate(member_count=Count("memberships")).order_by("name_ja")


def user_group_members(*, group: UserGroup) -> QuerySet[UserGroupMember]:
    return (
        UserGroupMember.objects.filter(group=group)
        .select_related("contact", "contact__account")
        .order_by("-is_leader", "contact__name")
    )


def champion_list(*, status: str | None = None) -> QuerySet[ChampionNomination]:
    queryset = ChampionNomination.objects.select_related(
        "contact", "contact__account", "nominated_by"
    )
    return queryset.filter(status=status) if status else queryset


@dataclass(frozen=True)
class RelationshipPerson:
    contact: Contact
    awards: list[str]
    groups: list[str]


def relationship_map(*, account: Account) -> dict[str, list[RelationshipPerson]]:
    """The account's people by relationship level, with champion awards and user groups."""
    # By level, then name: grouped by level below, each level's people come by name (the
    # page's shared read of the account's contacts).
    contacts = contacts_of(account=account)
    ids = [c.pk for c in contacts]
    # Awards and user groups in one statement, as SQL (cs_platform.leanread).
    rows = lean_rows(
        # Awards newest first (their order), groups as they joined.
        "SELECT n.contact_id, false AS in_group, n.award_title, n.criterion,"
        " NULL AS name_ja, NULL AS name_en, n.created_at AS sort_at, -n.id AS sort_id"
        " FROM touchmodel_championnomination n"
        " WHERE n.tenant_id = %(tenant)s AND n.contact_id = ANY(%(ids)s)"
        " AND n.status = %(awarded)s"
        " UNION ALL SELECT m.contact_id, true, NULL, NULL, g.name_ja, g.name_en,"
        " NULL::timestamptz, m.id"
        " FROM touchmodel_usergroupmember m JOIN touchmodel_usergroup g ON g.id = m.group_id"
        " WHERE m.tenant_id = %(tenant)s AND m.contact_id = ANY(%(ids)s)"
        " ORDER BY in_group, contact_id, sort_at DESC, sort_id",
        {"ids": ids, "awarded": NominationStatus.AWARDED},
    )
    return people_by_level(contacts, rows)


def people_by_level(
    contacts: list[Contact], rows: Iterable[Mapping[str, Any]]
) -> dict[str, list[RelationshipPerson]]:
    """`relationship_map` of the account's `contacts` (in `contacts_of` order) and the rows
    of their awards (newest first) and user groups (as they joined): contact_id, in_group,
    award_title, criterion, name_ja, name_en."""
    awards: dict[int, list[str]] = {}
    groups: dict[int, list[str]] = {}
    for row in rows:
        if row["in_group"]:
            group = UserGroup(name_ja=row["name_ja"], name_en=row["name_en"])
            groups.setdefault(row["contact_id"], []).append(group.name)
        else:
            awards.setdefault(row["contact_id"], []).append(row["award_title"] or row["criterion"])
    levels: dict[str, list[RelationshipPerson]] = {"executive": [], "manager": [], "field": []}
    for contact in contacts:
        levels.setdefault(contact.relationship_level, []).append(
            RelationshipPerson(
                contact=contact,
                awards=awards.get(contact.pk, []),
                groups=groups.get(contact.pk, []),
            )
        )
    return levels
