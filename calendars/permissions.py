"""The role each calendars action needs (cs_platform.permissions)."""

from cs_platform.models import Role

ROLES: dict[str, str] = {
    "calendar_feed.view": Role.VIEWER,
}
