"""Endpoints (what an admin subscribed), messages (one per event), deliveries (a message to
an endpoint) and attempts (the delivery log)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cs_platform.scoping import TenantScopedModel

from .events import EVENT_CHOICES


class EndpointFormat(models.TextChoices):
    STANDARD = "standard", _("JSON signed as Standard Webhooks")
    SLACK = "slack", _("Slack incoming webhook")


class WebhookEndpoint(TenantScopedModel):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = ArrayField(
        models.CharField(max_length=40, choices=EVENT_CHOICES), verbose_name=_("events")
    )
    format = models.CharField(
        _("format"), max_length=16, choices=EndpointFormat.choices, default=EndpointFormat.STANDARD
    )
    language = models.CharField(
        _("language of Slack messages"), max_length=8, choices=settings.LANGUAGES, default="ja"
    )
    secret = models.CharField(max_length=100, editable=False)
    # During a rotation the previous secret keeps signing too (a second v1 signature) until
    # the receivers have the new one.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [models.Index(fields=["tenant", "is_active"], name="webhookendpoint_active_idx")]

    def __str__(self) -> str:
        return self.url


class WebhookMessage(TenantScopedModel):
    """One event as sent: its id (`webhook-id`, the same on every retry) and its payload."""

    msg_id = models.CharField(max_length=40)
    # Set by raisers that may run twice for the same fact (a nightly job rerun): one message.
    dedup_key = models.CharField(max_length=200, blank=True)
    event_type = models.CharField(_("event"), max_length=40)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "msg_id"], name="webhookmessage_unique_id"),
            models.UniqueConstraint(
                fields=["tenant", "dedup_key"],
                condition=~models.Q(dedup_key=""),
                name="webhookmessage_unique_dedup",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed (no more retries)")


class WebhookDelivery(TenantScopedModel):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A claimed delivery whose worker died is claimable again after this.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="webhookdelivery_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["tenant", "endpoint", "-created_at"], name="webhookdelivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.endpoint_id}: {self.status}"


class WebhookAttempt(TenantScopedModel):
    """One HTTP attempt of a delivery: the delivery log."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField(_("time"), default=timezone.now)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    response_body = models.CharField(_("response (first bytes)"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code}"
