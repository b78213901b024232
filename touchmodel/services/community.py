"""User groups (community across customer companies) and the champion program."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Contact
from accounts.services import contact_set_champion
from cs_platform.models import User

from ..models import ChampionNomination, NominationStatus, UserGroup, UserGroupMember


def user_group_add_member(
    *, group: UserGroup, contact: Contact, is_leader: bool = False
) -> UserGroupMember:
    member, _created = UserGroupMember.objects.update_or_create(
        group=group, contact=contact, defaults={"is_leader": is_leader}
    )
    return member


def user_group_remove_member(*, group: UserGroup, contact: Contact) -> None:
    UserGroupMember.objects.filter(group=group, contact=contact).delete()


def champion_nominate(
    *,
    contact: Contact,
    criterion: str,
    reason: str = "",
    nominated_by: User | None = None,
    award_title: str = "",
) -> ChampionNomination:
    nomination = ChampionNomination(
        contact=contact,
        criterion=criterion,
        reason=reason,
        nominated_by=nominated_by,
        award_title=award_title,
    )
    nomination.full_clean(exclude=["tenant"])
    nomination.save()
    return nomination


@transaction.atomic
def champion_award(*, nomination: ChampionNomination, award_title: str = "") -> ChampionNomination:
    """Award the nomination; the contact becomes a champion on the relationship map."""
    nomination.status = NominationStatus.AWARDED
    nomination.award_title = award_title or nomination.award_title
    nomination.awarded_at = timezone.now()
    nomination.save(update_fields=["status", "award_title", "awarded_at"])
    contact_set_champion(contact_id=nomination.contact_id)
    return nomination


def champion_decline(*, nomination: ChampionNomination) -> ChampionNomination:
    nomination.status = NominationStatus.DECLINED
    nomination.save(update_fields=["status"])
    return nomination
