"""Known readers: signed links from tech-touch e-mails and e-mailed magic sign-in links.

Readers have no user account. A link carries a signed (TimestampSigner, one salt per purpose)
contact id and tenant id; once checked, the reader's contact id is kept in the session, per
tenant, so one browser can be a known reader of one tenant's site and anonymous on another's.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from accounts.selectors import contact_get, contact_get_by_email
from cs_platform.scoping import require_current_tenant

from ..models import MagicLinkUse
from ..selectors import site_domain_primary

READER_LINK_SALT = "content.reader-link"
READER_LINK_MAX_AGE = 60 * 60 * 24 * 30  # tech-touch e-mails are read days later
MAGIC_LINK_SALT = "content.magic-link"
MAGIC_LINK_MAX_AGE = 60 * 30
MAGIC_LINKS_PER_HOUR = 5


class ReaderLinkError(Exception):
    """A link that cannot sign anyone in; `message` says why in the reader's language."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.expired = expired


@dataclass(frozen=True)
class ReaderIdentity:
    contact_id: int
    account_id: int
    # Where the reader came from: the opaque `ref` of the e-mail link that opened this session
    # (touchmodel puts "firing:<id>"), recorded on the reads of the next REF_SECONDS so the
    # touch gets their credit.
    ref: str = ""


MAX_REF_LENGTH = 64
# Reads within a day of the click count for the e-mail that brought the reader; later reads in
# the same session are the reader's own.
REF_SECONDS = 60 * 60 * 24


def _session_key() -> str:
    return f"content_reader_{require_current_tenant().pk}"


def _sign(payload: dict, salt: str) -> str:
    return signing.TimestampSigner(salt=salt).sign_object(payload, compress=True)


def _unsign(token: str, salt: str, max_age: int) -> dict:
    try:
        payload = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ReaderLinkError(
            str(_("This link has expired. Request a new sign-in link below.")), expired=True
        ) from exc
    except signing.BadSignature as exc:
        raise ReaderLinkError(
            str(_("This link is not valid. It may have been copied incompletely."))
        ) from exc
    if not isinstance(payload, dict) or payload.get("t") != require_current_tenant().pk:
        raise ReaderLinkError(str(_("This link is not valid for this site.")))
    return payload


def _contact(payload: dict) -> Contact:
    contact = contact_get(pk=payload.get("c"))
    if contact is None:
        raise ReaderLinkError(str(_("This link is not valid for this site.")))
    return contact


def reader_link_token(*, contact: Contact, ref: str = "") -> str:
    """Token for links in tech-touch e-mails (reusable until it expires); `ref` names what
    sent the link (opaque to content, at most 64 characters)."""
    payload: dict[str, object] = {"t": contact.tenant_id, "c": contact.pk}
    if ref:
        payload["r"] = ref[:MAX_REF_LENGTH]
    return _sign(payload, READER_LINK_SALT)


def reader_link_path(*, contact: Contact, article_slug: str = "") -> str:
    """Site-relative URL that signs `contact` in and opens the article (or the home page)."""
    tenant = require_current_tenant()
    path = reverse(
        "content_public:reader_link",
        kwargs={"tenant_slug": tenant.slug, "token": reader_link_token(contact=contact)},
    )
    return f"{path}?next={article_slug}" if article_slug else path


@dataclass(frozen=True)
class ReaderLinks:
    """Absolute signed reader links for e-mails, for many contacts of the tenant in scope.

    They point at the tenant's primary custom domain when it has a verified one, else at
    Junkan's own host (`SITE_URL`): `<root>go/<token>/?next=<article slug>`. One token per
    contact and ref serves all of its links (`token`, then `url`).
    """

    root: str  # ends with "/"
    go_path: str  # the reader-link route below `root`, with TOKEN_SLOT for the token

    def token(self, *, contact: Contact, ref: str = "") -> str:
        return reader_link_token(contact=contact, ref=ref)

    def url(self, *, token: str, article_slug: str = "") -> str:
        query = f"?{urlencode({'next': article_slug})}" if article_slug else ""
        return self.root + self.go_path.replace(TOKEN_SLOT, token) + query


TOKEN_SLOT = "TOKEN"


def reader_links() -> ReaderLinks:
    """A link builder for the tenant in scope (one query: its primary custom domain)."""

    home_path, _plan_path, go_path = public_paths()
    domain = site_domain_primary()
    root = f"https://{domain}/" if domain else _site_url() + home_path
    return ReaderLinks(root=root, go_path=go_path.removeprefix(home_path))


def public_paths() -> tuple[str, str, str]:
    """The paths of the tenant in scope's Learn & Support home, success plan and reader link
    (with TOKEN_SLOT), on Junkan's own host."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF  # (a test may override the setting)
    return _public_paths(require_current_tenant().slug, get_script_prefix(), urlconf)


@functools.lru_cache(maxsize=1024)
def _public_paths(slug: str, prefix: str, urlconf: Any) -> tuple[str, str, str]:
    """`public_paths` of workspace `slug`, reversed once per script prefix and URL conf
    (Account 360's first view named them with four `reverse` calls, issue #16)."""
    kwargs = {"tenant_slug": slug}
    return (
        reverse("content_public:home", kwargs=kwargs, urlconf=urlconf),
        reverse("content_public:plan", kwargs=kwargs, urlconf=urlconf),
        reverse(
            "content_public:reader_link", kwargs={**kwargs, "token": TOKEN_SLOT}, urlconf=urlconf
        ),
    )


def _site_url() -> str:
    return str(getattr(settings, "SITE_URL", "http://localhost:8000")).rstrip("/")


def reader_link_open(*, token: str) -> tuple[Contact, str]:
    """The contact a reader link signs in and the `ref` it carries (raises ReaderLinkError)."""
    payload = _unsign(token, READER_LINK_SALT, READER_LINK_MAX_AGE)
    return _contact(payload), str(payload.get("r") or "")[:MAX_REF_LENGTH]


def reader_link_consume(*, token: str) -> Contact:
    return reader_link_open(token=token)[0]


def magic_link_token(*, contact: Contact) -> str:
    return _sign(
        {"t": contact.tenant_id, "c": contact.pk, "n": secrets.token_urlsafe(12)}, MAGIC_LINK_SALT
    )


def magic_link_send(*, email: str, base_url: str, language: str) -> bool:
    """E-mail a sign-in link to the contact with this address, if there is one.

    Returns whether a mail was sent; the page says the same either way, so the form does not
    reveal which addresses are customers.
    """
    tenant = require_current_tenant()
    email = email.strip()
    contact = contact_get_by_email(email=email)
    if contact is None or not _within_mail_limit(tenant.pk, email):
        return False
    path = reverse(
        "content_public:magic_consume",
        kwargs={"tenant_slug": tenant.slug, "token": magic_link_token(contact=contact)},
    )
    with translation.override(language):
        subject = gettext("Your sign-in link for %(site)s") % {"site": tenant.name}
        body = gettext(
            "Open this link within 30 minutes to sign in to %(site)s Learn & Support:\n\n"
            "%(url)s\n\nIf you did not ask for it, you can ignore this e-mail."
        ) % {"site": tenant.name, "url": base_url.rstrip("/") + path}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [contact.email])
    return True


def _within_mail_limit(tenant_id: int, email: str) -> bool:
    """At most a few sign-in mails per address and hour, so the form cannot flood an inbox."""
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
    key = f"content:magic:{tenant_id}:{digest}"
    cache.add(key, 0, timeout=60 * 60)
    try:
        return cache.incr(key) <= MAGIC_LINKS_PER_HOUR
    except ValueError:  # expired between add and incr
        return True


def magic_link_consume(*, token: str) -> Contact:
    """Check a magic link and mark it used; a second use is refused."""
    payload = _unsign(token, MAGIC_LINK_SALT, MAGIC_LINK_MAX_AGE)
    contact = _contact(payload)
    nonce = hashlib.sha256(str(payload.get("n", "")).encode()).hexdigest()
    try:
        with transaction.atomic():
            MagicLinkUse.objects.create(nonce=nonce, contact=contact)
    except IntegrityError as exc:
        raise ReaderLinkError(
            str(_("This sign-in link has already been used. Request a new one below."))
        ) from exc
    return contact


def reader_sign_in(*, session: SessionBase, contact: Contact, ref: str = "") -> None:
    session.cycle_key()
    session[_session_key()] = {
        "c": contact.pk,
        "a": contact.account_id,
        "r": ref,
        "rt": int(timezone.now().timestamp()),
    }


def reader_sign_out(*, session: SessionBase) -> None:
    session.pop(_session_key(), None)


def reader_from_session(*, session: SessionBase) -> ReaderIdentity | None:
    data = session.get(_session_key())
    if not isinstance(data, dict) or "c" not in data:
        return None
    fresh = timezone.now().timestamp() - float(data.get("rt") or 0) <= REF_SECONDS
    return ReaderIdentity(
        contact_id=int(data["c"]),
        account_id=int(data["a"]),
        ref=str(data.get("r") or "") if fresh else "",
    )
