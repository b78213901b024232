from __future__ import annotations

from cs_platform.models import User
from cs_platform.scoping import cross_tenant

from .models import CalendarFeed
from .services import hash_token


def calendar_feed_for_user(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def calendar_feed_by_token(*, token: str) -> CalendarFeed | None:
    """The active feed of `token`, in any tenant (the URL is the credential)."""
    with cross_tenant("public-token"):
        return (
            CalendarFeed.objects.unscoped()
            .select_related("tenant", "user")
            .filter(hashed_token=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
