"""What the Segment-compatible API keeps besides the usage events themselves."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from cs_platform.models import ApiKey
from cs_platform.scoping import TenantScopedModel


class TrackingSettings(TenantScopedModel):
    """Per-tenant choices of the tracking API (admin-editable on the API-keys page)."""

    create_unknown_accounts = models.BooleanField(
        _("create accounts for unknown groups"),
        default=False,
        help_text=_(
            "On: a group call with an unknown groupId creates the account. Off: it is rejected "
            "and listed below."
        ),
    )

    class Meta:
        verbose_name = _("tracking settings")
        verbose_name_plural = _("tracking settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="trackingsettings_one_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"create unknown accounts: {self.create_unknown_accounts}"


class TrackedUser(TenantScopedModel):
    """A user of the tenant's product as Segment knows them: traits and group membership.

    identify may come before the group call that tells which account the user belongs to;
    the traits wait here until the contact can be written.
    """

    user_id = models.CharField(_("user id"), max_length=100)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    traits = models.JSONField(_("traits"), default=dict, blank=True)
    # The (corrected) time of the identify whose traits are stored: an older identify that
    # arrives late, or the same message resent, never overwrites newer traits.
    traits_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tracked user")
        verbose_name_plural = _("tracked users")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user_id"], name="trackeduser_unique_user"),
        ]

    def __str__(self) -> str:
        return self.user_id


class RejectedMessage(TenantScopedModel):
    """A message the tracking API answered 200 to but did not accept (Segment's contract:
    problems are reported elsewhere, not in the response). Kept for 30 days."""

    api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    call = models.CharField(_("call"), max_length=16)
    message_id = models.CharField(_("message id"), max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=40)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("rejected message")
        verbose_name_plural = _("rejected messages")
        indexes = [
            models.Index(fields=["tenant", "-received_at"], name="rejectedmsg_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.call} {self.code}"
