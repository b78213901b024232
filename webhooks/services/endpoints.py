"""Endpoints: create, edit, rotate the secret, enable again; and the Standard Webhooks signature."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cs_platform.models import User

from ..events import EVENT_TYPES, SLACK_EVENTS
from ..models import EndpointFormat, WebhookEndpoint

SECRET_PREFIX = "whsec_"
# After a rotation the old secret signs too for this long, so receivers can switch over.
ROTATION_OVERLAP = dt.timedelta(hours=24)


def secret_generate() -> str:
    """`whsec_` + base64 of 32 random bytes (Standard Webhooks: 24–64 bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature_header(*, secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """`webhook-signature`: a `v1,<base64 HMAC-SHA256>` per active secret, space-separated."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets_
    )


def endpoint_signing_secrets(*, endpoint: WebhookEndpoint, now: dt.datetime) -> list[str]:
    current = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        current.append(endpoint.previous_secret)
    return current


def _clean(endpoint: WebhookEndpoint) -> None:
    events = list(dict.fromkeys(endpoint.events or []))
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise ValidationError({"events": _("Unknown event: %(e)s") % {"e": ", ".join(unknown)}})
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    if endpoint.format == EndpointFormat.SLACK and set(events) - set(SLACK_EVENTS):
        raise ValidationError(
            {"events": _("A Slack endpoint can receive health alerts and new tasks only.")}
        )
    endpoint.events = events
    endpoint.full_clean()


@transaction.atomic
def webhook_endpoint_create(
    *, url: str, events: list[str], created_by: User | None = None, **fields: Any
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(url=url, events=events, created_by=created_by, **fields)
    endpoint.secret = secret_generate()
    _clean(endpoint)
    endpoint.save()
    return endpoint


EDITABLE = {"url", "description", "events", "format", "language", "is_active"}


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **fields: Any) -> WebhookEndpoint:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"Unknown field(s): {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(endpoint, name, value)
    if fields.get("is_active"):
        # Enabled again by hand: failures count afresh.
        endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, "", None
    _clean(endpoint)
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, now: dt.datetime | None = None
) -> WebhookEndpoint:
    """A new secret; the old one keeps signing (a second signature) for ROTATION_OVERLAP."""
    now = now or timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = secret_generate()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()
