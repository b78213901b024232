"""Who tech-touch e-mails come from. A tenant may only send from addresses at domains it
proved by DNS that it controls (a `SenderDomain` verified through the custom-domain TXT flow,
cs_platform.dns_verify); any other `email_from` keeps only its display name, in front of the
platform's own address, so no tenant can send mail in the name of someone else's domain."""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cs_platform.dns_verify import (
    TxtLookup,
    dns_txt_lookup,
    domain_mark_verified,
    domain_name_clean,
    domain_txt_check,
)
from cs_platform.scoping import require_current_tenant

from ..models import SenderDomain

MAX_SENDER_DOMAINS = 10


def _platform_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@junkan.local"


def sender_domain_verified(*, address: str) -> bool:
    """Whether the tenant in scope verified the domain of `address` (or a parent of it)."""
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    if not domain:
        return False
    parts = domain.split(".")
    candidates = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    return SenderDomain.objects.filter(domain__in=candidates, verified_at__isnull=False).exists()


def email_from_effective(*, email_from: str) -> str:
    """The From header the tenant's e-mails carry: `email_from` as written when its address is
    at a verified sender domain; else the platform's address under the tenant's display name
    (the one in `email_from`, else the tenant's name)."""
    tenant = require_current_tenant()
    name, address = parseaddr(email_from or "")
    if address and "@" in address and sender_domain_verified(address=address):
        return _format(name, address)
    if not email_from:
        return settings.DEFAULT_FROM_EMAIL
    return _format(name or tenant.name, _platform_address())


def _format(name: str, address: str) -> str:
    """`Name <address>`, quoted where RFC 5322 needs it (Django encodes non-ASCII names)."""
    try:
        return str(Address(display_name=name, addr_spec=address))
    except (ValueError, IndexError):  # an address the header registry cannot parse
        return address


def sender_domain_claim(*, domain: str) -> SenderDomain:
    domain = domain_name_clean(domain)
    if SenderDomain.objects.filter(domain=domain).exists():
        raise ValidationError(_("This domain has already been added."))
    if SenderDomain.objects.count() >= MAX_SENDER_DOMAINS:
        raise ValidationError(
            _("At most %(count)d sender domains.") % {"count": MAX_SENDER_DOMAINS}
        )
    try:
        with transaction.atomic():
            return SenderDomain.objects.create(domain=domain)
    except IntegrityError as exc:  # a concurrent claim of the same domain
        raise ValidationError(_("This domain has already been added.")) from exc


def sender_domain_verify(
    *, sender_domain: SenderDomain, lookup: TxtLookup | None = None
) -> SenderDomain:
    """Check the TXT record; verified, or a ValidationError saying what to fix (kept on the
    row either way)."""
    domain_txt_check(sender_domain, lookup=lookup or dns_txt_lookup)
    sender_domain.save(update_fields=domain_mark_verified(sender_domain))
    return sender_domain


def sender_domain_delete(*, sender_domain: SenderDomain) -> None:
    """From now on, addresses at this domain keep only their display name."""
    sender_domain.delete()
