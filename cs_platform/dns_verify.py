"""Proving control of a domain by DNS: the tenant publishes a random token in the TXT record
`_junkan-verify.<domain>`, which only someone who controls the domain's DNS can do. Used by the
Learn & Support custom domains (content) and the tech-touch sender domains (touchmodel): both
models inherit `DnsVerifiedDomain`, and their services verify through `domain_txt_check` and
`domain_mark_verified`."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import dns.exception
import dns.resolver
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .scoping import TenantScopedModel

DNS_TIMEOUT_SECONDS = 5.0
TXT_PREFIX = "_junkan-verify"

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class DnsLookupError(Exception):
    """The TXT lookup could not give an answer (timeout, no name servers, bad reply)."""


TxtLookup = Callable[[str], list[str]]


def dns_txt_lookup(name: str) -> list[str]:
    """The TXT strings published at `name` ([] when the name or record does not exist)."""
    resolver = dns.resolver.Resolver()
    try:
        answer = resolver.resolve(name, "TXT", lifetime=DNS_TIMEOUT_SECONDS)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.Timeout as exc:
        raise DnsLookupError(_("The DNS lookup timed out.")) from exc
    except dns.exception.DNSException as exc:
        raise DnsLookupError(_("The DNS lookup failed: %(error)s") % {"error": exc}) from exc
    # A TXT record may be split into several character strings; they form one value.
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


def txt_record_name(domain: str) -> str:
    return f"{TXT_PREFIX}.{domain}"


def verification_token_new() -> str:
    """A claim's random token, which the tenant publishes in the TXT record."""
    return secrets.token_hex(20)


class DnsVerifiedDomain(TenantScopedModel):
    """A domain the tenant claimed, usable once `verified_at` is set: after the claim's token
    was found in the TXT record `txt_record_name` (`domain_txt_check`). The last check's
    outcome stays on the row for the settings pages."""

    domain = models.CharField(gettext_lazy("domain"), max_length=253)
    verification_token = models.CharField(max_length=64, default=verification_token_new)
    verified_at = models.DateTimeField(gettext_lazy("verified at"), null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def txt_record_name(self) -> str:
        return txt_record_name(self.domain)


def domain_check_failed(row: DnsVerifiedDomain, *, message: str) -> None:
    """Keep a failed check's outcome on the row (written at once, whatever the caller does
    next: the check's error is what the settings page shows)."""
    type(row)._default_manager.filter(pk=row.pk).update(
        last_checked_at=timezone.now(), last_check_error=message[:500]
    )


def domain_txt_check(row: DnsVerifiedDomain, *, lookup: TxtLookup | None = None) -> None:
    """Pass when the row's token is in its TXT record; else keep the outcome on the row and
    raise the ValidationError saying what to fix."""
    try:
        txt_token_check(domain=row.domain, token=row.verification_token, lookup=lookup)
    except ValidationError as error:
        domain_check_failed(row, message=" ".join(error.messages))
        raise


def domain_mark_verified(row: DnsVerifiedDomain) -> list[str]:
    """Mark the row verified now (first verification kept) in memory; the fields to save."""
    now = timezone.now()
    row.verified_at = row.verified_at or now
    row.last_checked_at = now
    row.last_check_error = ""
    return ["verified_at", "last_checked_at", "last_check_error"]


def domain_name_clean(raw: str) -> str:
    """A bare host name in its stored form (lower case, IDNA), or a ValidationError saying
    what is wrong."""
    value = raw.strip().lower()
    if not value:
        raise ValidationError(_("Enter a domain name."))
    if "://" in value or "/" in value or "?" in value or "#" in value or "@" in value:
        raise ValidationError(
            _("Enter the domain name only, such as help.example.co.jp, without https:// or a path.")
        )
    if ":" in value:
        raise ValidationError(_("Enter the domain name without a port."))
    value = value.rstrip(".")
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValidationError(_("This is not a valid domain name.")) from exc
    labels = value.split(".")
    if (
        len(value) > 253
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValidationError(_("This is not a valid domain name."))
    return value


def txt_token_check(*, domain: str, token: str, lookup: TxtLookup | None = None) -> None:
    """Pass when the TXT record of `domain` holds `token`; else a ValidationError saying what
    to fix."""
    name = txt_record_name(domain)
    try:
        values = [v.strip().strip('"').strip() for v in (lookup or dns_txt_lookup)(name)]
    except DnsLookupError as exc:
        raise ValidationError(
            _("Could not check %(name)s: %(error)s Try again in a few minutes.")
            % {"name": name, "error": exc}
        ) from exc
    if token in values:
        return
    if not values:
        raise ValidationError(
            _(
                "No TXT record was found at %(name)s. Create it with the value shown, then try "
                "again (DNS changes can take a few minutes to be visible)."
            )
            % {"name": name}
        )
    found = ", ".join(f"“{v[:60]}”" for v in values[:3])
    raise ValidationError(
        _(
            "The TXT record at %(name)s does not contain this domain's token (found: %(found)s). "
            "Its value must be exactly the token shown."
        )
        % {"name": name, "found": found}
    )
