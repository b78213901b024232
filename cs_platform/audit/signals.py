"""Sign-ins, sign-outs and failed sign-ins, from Django's auth signals.

Whatever answers a sign-in (the login page, the admin's, a lockout such as django-axes, which
makes `authenticate` send `user_login_failed` too) goes through these signals, so every attempt
is recorded.

Which tenant: a person signs in to Junkan, not to one workspace, so a sign-in (or a failed one
naming a member) is recorded once per membership, in each tenant's log, where that tenant's
admins see it (one multi-row INSERT). An attempt naming nobody who is a member (an unknown
address, a user without a workspace) is recorded once with no tenant; Django's admin lists
those.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from cs_platform.models import Membership, User

from .context import audit_context, get_audit_context, request_context
from .services import audit_event, audit_record_many

IDENTIFIER_MAX = 300


def _record(
    *,
    action: str,
    request: HttpRequest | None,
    user: User | None,
    label: str,
    actor: User | None,
    changes: dict[str, Any] | None = None,
) -> None:
    # NOTE: a sign-in crosses tenants by nature: this is the one place that writes audit events
    # for tenants other than the one in scope (each of the person's memberships).
    tenant_ids: list[int | None] = []
    if user is not None:
        tenant_ids = list(
            Membership.objects.filter(user=user)
            .order_by("tenant_id")
            .values_list("tenant_id", flat=True)
        )
    context = get_audit_context()
    if request is not None and context.request is not request:
        context = request_context(request, context.source or "web")
    with audit_context(context):
        audit_record_many(
            audit_event(
                action=action,
                target_type="cs_platform.user" if user is not None else "",
                target_id=user.pk if user is not None else None,
                target_label=label[:IDENTIFIER_MAX],
                actor=actor,
                tenant_id=tenant_id,
                changes=changes,
            )
            for tenant_id in (tenant_ids or [None])
        )


def _signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    _record(action="auth.signed_in", request=request, user=user, label=user.email, actor=user)


def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if isinstance(user, User):
        _record(action="auth.signed_out", request=request, user=user, label=user.email, actor=user)


def _failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    model = get_user_model()
    identifier = str(
        credentials.get(model.USERNAME_FIELD) or credentials.get("username") or ""
    ).strip()
    user = model._default_manager.filter(email__iexact=identifier).first() if identifier else None
    _record(
        action="auth.sign_in_failed",
        request=request,
        user=user,
        label=identifier,
        actor=None,
    )


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="audit:signed_in")
    user_logged_out.connect(_signed_out, dispatch_uid="audit:signed_out")
    user_login_failed.connect(_failed, dispatch_uid="audit:sign_in_failed")
