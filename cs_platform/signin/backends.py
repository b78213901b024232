"""The sign-in backend: Django's ModelBackend, reading the signed-in user in one statement."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from cs_platform.models import User
from cs_platform.selectors import user_get_signed_in


class SignedInUserBackend(ModelBackend):
    """Password sign-in and permissions as ModelBackend. The user of a session is read with
    their memberships and workspaces in one statement (`user_get_signed_in`), which
    TenantMiddleware then uses instead of a second query (#16). Nothing is cached across
    requests: a password change, a deactivation, a role change or a removed membership takes
    effect on the very next request, as Django's own check of the session does."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_get_signed_in(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
