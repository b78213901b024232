"""Double opt-in for the public seminar page.

Anyone can type any address into the public form, so a registration from it is only a
`SeminarSignup` (pending) until the address clicks the signed, expiring link mailed to it (by
a Celery task). Only then does it become a `SeminarRegistration` through `seminar_register`:
matched to a contact and account, counted against the capacity, listed, raised as a webhook,
and later on the timeline with the attendance. Before that it holds no seat and touches no
customer record, so nobody can fill a seminar or register in a customer's name.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cs_platform.ratelimit import Limit, rate_limit_hit
from cs_platform.scoping import cross_tenant, require_current_tenant

from ..models import RegistrationSource, Seminar, SeminarRegistration, SeminarSignup
from .email import email_sender, site_url
from .seminars import SeminarClosed, SeminarFull, seminar_register, seminar_seats_taken

SIGNUP_SALT = "touchmodel.seminar-signup"


class SignupLinkError(Exception):
    """A confirmation link that cannot confirm anything; `message` says why."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.expired = expired


def _confirm_seconds() -> int:
    return int(settings.SEMINAR_SIGNUP_CONFIRM_HOURS * 60 * 60)


@transaction.atomic
def seminar_signup_request(
    *, seminar: Seminar, email: str, name: str, company: str = "", language: str = "ja"
) -> SeminarSignup:
    """Record (or renew) a pending registration; the caller mails the link on commit
    (`touchmodel.tasks.seminar_signup_mail_enqueue`). A new request for the same address
    replaces the previous link."""
    now = timezone.now()
    if seminar.starts_at < now:
        raise SeminarClosed
    if seminar_seats_taken(seminar=seminar) >= seminar.capacity:
        raise SeminarFull
    signup, _created = SeminarSignup.objects.update_or_create(
        seminar=seminar,
        email=email.strip().lower(),
        defaults={
            "name": name.strip(),
            "company": company.strip(),
            "language": language if language in ("ja", "en") else "ja",
            "nonce": SeminarSignup._meta.get_field("nonce").get_default(),
            "requested_at": now,
            "expires_at": now + dt.timedelta(seconds=_confirm_seconds()),
            "confirmed_at": None,
        },
    )
    return signup


def seminar_signup_token(*, signup: SeminarSignup) -> str:
    return signing.dumps(
        {"t": signup.tenant_id, "s": signup.pk, "n": signup.nonce}, salt=SIGNUP_SALT
    )


def seminar_signup_confirm_url(*, signup: SeminarSignup) -> str:
    tenant = require_current_tenant()
    return site_url() + reverse(
        "touchmodel_public:seminar_confirm",
        kwargs={"site": tenant.slug, "token": seminar_signup_token(signup=signup)},
    )


def seminar_signup_mail_send(*, signup_id: int, nonce: str) -> bool:
    """Mail the confirmation link of a pending registration (the task's body). Nothing is sent
    for a signup that is gone, confirmed, or replaced by a newer request (another nonce)."""
    signup = (
        SeminarSignup.objects.filter(pk=signup_id, nonce=nonce, confirmed_at__isnull=True)
        .select_related("seminar")
        .first()
    )
    if signup is None or signup.expires_at < timezone.now():
        return False
    tenant = require_current_tenant()
    digest = hashlib.sha256(signup.email.encode()).hexdigest()[:32]
    per_hour = settings.SEMINAR_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR
    if rate_limit_hit(Limit("seminar-signup-mail", f"{tenant.pk}:{digest}", per_hour, 3600)):
        # NOTE: the page's limits count senders and seminars; this one protects the inbox of
        # an address that strangers keep registering (across seminars and networks).
        return False
    hours = int(settings.SEMINAR_SIGNUP_CONFIRM_HOURS)
    with translation.override(signup.language):
        seminar = signup.seminar
        starts_at = timezone.localtime(seminar.starts_at).strftime("%Y-%m-%d %H:%M")
        subject = gettext("Confirm your registration: %(seminar)s") % {"seminar": seminar.title}
        body = gettext(
            "Hello %(name)s,\n\n"
            "Please confirm your registration for %(seminar)s (%(starts_at)s) by %(site)s by "
            "opening this link within %(hours)s hours:\n\n%(url)s\n\n"
            "Your seat is held only once you confirm. If you did not register, ignore this "
            "e-mail: nothing happens."
        ) % {
            "name": signup.name,
            "seminar": seminar.title,
            "starts_at": starts_at,
            "site": tenant.name,
            "hours": hours,
            "url": seminar_signup_confirm_url(signup=signup),
        }
    send_mail(subject, body, email_sender(), [signup.email])
    return True


def seminar_signup_read(*, token: str) -> SeminarSignup:
    """The pending (or already confirmed) registration of a link; SignupLinkError otherwise."""
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=_confirm_seconds())
    except signing.SignatureExpired as exc:
        raise SignupLinkError(str(_expired_message()), expired=True) from exc
    except signing.BadSignature as exc:
        raise SignupLinkError(
            str(_("This link is not valid. It may have been copied incompletely."))
        ) from exc
    if not isinstance(data, dict) or data.get("t") != require_current_tenant().pk:
        raise SignupLinkError(str(_("This link is not valid for this site.")))
    signup = (
        SeminarSignup.objects.filter(pk=data.get("s"), nonce=str(data.get("n", "")))
        .select_related("seminar")
        .first()
    )
    if signup is None or (signup.confirmed_at is None and signup.expires_at < timezone.now()):
        # Expired and swept, or replaced by a newer request for the same address.
        raise SignupLinkError(str(_expired_message()), expired=True)
    return signup


def _expired_message() -> str:
    return str(_("This confirmation link has expired or was replaced. Please register again."))


@transaction.atomic
def seminar_signup_confirm(*, signup: SeminarSignup) -> SeminarRegistration:
    """The address confirmed: the registration is made (contact and account matched by the
    address, capacity enforced by `seminar_register`). Confirming twice is harmless."""
    locked = SeminarSignup.objects.select_for_update().filter(pk=signup.pk).first()
    if locked is None:
        raise SignupLinkError(_expired_message(), expired=True)
    registration = seminar_register(
        seminar=locked.seminar,
        email=locked.email,
        name=locked.name,
        company=locked.company,
        source=RegistrationSource.PUBLIC,
    )
    if locked.confirmed_at is None:
        SeminarSignup.objects.filter(pk=locked.pk).update(confirmed_at=timezone.now())
    return registration


def seminar_signups_expire() -> int:
    """Beat, hourly: every tenant's pending registrations past their link's validity leave
    (confirmed ones too: their registration carries on)."""
    with cross_tenant("sweep"):
        deleted, _by_model = (
            SeminarSignup.objects.unscoped().filter(expires_at__lt=timezone.now()).delete()
        )
    return deleted


__all__ = [
    "SeminarClosed",
    "SeminarFull",
    "SignupLinkError",
    "seminar_signup_confirm",
    "seminar_signup_confirm_url",
    "seminar_signup_mail_send",
    "seminar_signup_read",
    "seminar_signup_request",
    "seminar_signup_token",
    "seminar_signups_expire",
]
