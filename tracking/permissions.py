"""The role each tracking action needs (cs_platform.permissions)."""

from cs_platform.models import Role

ROLES: dict[str, str] = {
    "tracking_settings.change": Role.ADMIN,
}
