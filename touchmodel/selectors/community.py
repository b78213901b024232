"""Community and champion reads, and the account's relationship map."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from accounts.models import Account, Contact
from accounts.selectors import contacts_of

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
    awards: dict[int, list[str]] = {}
    for contact_id, title, criterion in ChampionNomination.objects.filter(
        contact_id__in=ids, status=NominationStatus.AWARDED
    ).values_list("contact_id", "award_title", "criterion"):
        awards.setdefault(contact_id, []).append(title or criterion)
    groups: dict[int, list[str]] = {}
    for member in UserGroupMember.objects.filter(contact_id__in=ids).select_related("group"):
        groups.setdefault(member.contact_id, []).append(member.group.name)
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
