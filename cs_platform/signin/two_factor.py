"""Optional TOTP two-factor sign-in (django-otp): enrolment with a QR code, recovery codes,
verification after the password, and the tenant setting that requires it of admins.

A user's TOTP device (an authenticator app) and static device (ten single-use recovery codes)
are django-otp devices; a session is "verified" once a code from either was accepted
(`django_otp.login`). TwoFactorMiddleware sends a signed-in but unverified session to the
code page whenever the user has a device, and an admin of a tenant that requires two-factor
sign-in to enrolment before they can use that tenant.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cs_platform.models import Membership, Role, User

RECOVERY_CODE_COUNT = 10
# The session remembers whether its user has two-factor on, so the gate costs no query a page.
SESSION_ENROLLED_KEY = "two_factor_enrolled"
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


# --- reads -------------------------------------------------------------------------------------


def two_factor_enabled(*, user: User) -> bool:
    return user_has_device(user, confirmed=True)


def session_two_factor_enabled(request: Any) -> bool:
    """two_factor_enabled, remembered in the session (set at sign-in and by the setup page)."""
    enrolled = request.session.get(SESSION_ENROLLED_KEY)
    if enrolled is None:
        enrolled = two_factor_enabled(user=request.user)
        request.session[SESSION_ENROLLED_KEY] = enrolled
    return bool(enrolled)


def remember_enrolment(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """user_logged_in receiver: note in the new session whether the user has two-factor on."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_ENROLLED_KEY] = two_factor_enabled(user=user)


def two_factor_required(*, membership: Membership | None) -> bool:
    """Does the tenant of this membership require two-factor sign-in of this member?"""
    return (
        membership is not None
        and membership.role == Role.ADMIN
        and membership.tenant.require_admin_two_factor
    )


def two_factor_pending_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def two_factor_qr_svg(*, device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code, made on the server (no third party sees
    the secret)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def two_factor_secret(*, device: TOTPDevice) -> str:
    """The key in base32, for typing into an app that cannot scan."""

    return b32encode(device.bin_key).decode().rstrip("=")


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- writes ------------------------------------------------------------------------------------


@transaction.atomic
def two_factor_begin(*, user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP device (the QR code to scan); an older unconfirmed one goes."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def two_factor_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending device with a code from the app; returns it and fresh recovery
    codes (shown once), or None when the code is wrong."""
    device = two_factor_pending_device(user=user)
    if device is None or not device.verify_token(token.strip()):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, recovery_codes_regenerate(user=user)


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Ten new single-use codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
