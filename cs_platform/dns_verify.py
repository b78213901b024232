"""Proving control of a domain by DNS: the tenant publishes a random token in the TXT record
`_junkan-verify.<domain>`, which only someone who controls the domain's DNS can do. Used by the
Learn & Support custom domains (content) and the tech-touch sender domains (touchmodel)."""

from __future__ import annotations

import re
from collections.abc import Callable

import dns.exception
import dns.resolver
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
