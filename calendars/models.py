from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cs_platform.scoping import TenantScopedModel


class CalendarFeed(TenantScopedModel):
    """A private feed URL of one staff user in one workspace. Only the token's SHA-256 is
    stored; revoking sets `revoked_at` (a new feed gets a new URL)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    hashed_token = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_read_at = models.DateTimeField(_("last read"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "hashed_token"], name="calendarfeed_token"),
        ]
        indexes = [models.Index(fields=["hashed_token"], name="calendarfeed_hash_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} ({'revoked' if self.revoked_at else 'active'})"
