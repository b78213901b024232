"""Writes of the sign-in lockout: a tenant admin unlocks one of their members."""

from __future__ import annotations

from axes.utils import reset
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cs_platform.models import Tenant, User


def signin_unlock(*, tenant: Tenant, email: str) -> int:
    """Forget the failed sign-ins of a member of `tenant`; returns the attempt rows removed.

    A tenant admin may unlock only their own tenant's members; an address they do not manage
    is refused the same way as one that does not exist (no probing of other tenants' users).
    The IP address the failures came from stays counted: it locks out on its own.
    """
    email = email.strip().lower()
    if not User.objects.filter(memberships__tenant=tenant, email__iexact=email).exists():
        raise ValidationError(_("No member of this workspace has that e-mail address."))
    return reset(username=email)


def tenant_two_factor_require(*, tenant: Tenant, required: bool) -> None:
    """Whether the tenant's admins must sign in with a second factor (they are sent to
    enrolment at their next page in this tenant)."""
    tenant.require_admin_two_factor = required
    tenant.save(update_fields=["require_admin_two_factor"])
