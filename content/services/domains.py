"""Custom domains of the Learn & Support site: claim, verify by DNS TXT, set primary, delete.

A domain is served only once verified: its tenant admin publishes the claim's random token in
the TXT record `_junkan-verify.<domain>`, which only someone who controls the domain's DNS can
do. The record lives on its own name, so it can sit next to the domain's CNAME to us. The DNS
part is cs_platform.dns_verify (the tech-touch sender domains use it too).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http.request import validate_host
from django.utils.translation import gettext as _

from cs_platform.audit.services import audit_record
from cs_platform.dns_verify import (
    DnsLookupError,
    TxtLookup,
    dns_txt_lookup,
    domain_check_failed,
    domain_mark_verified,
    domain_name_clean,
    domain_txt_check,
)
from cs_platform.scoping import require_current_tenant

from ..models import SiteDomain
from ..selectors.domains import site_domain_route_cache_key, site_domain_tenant

MAX_DOMAINS_PER_TENANT = 10


def domain_clean(raw: str) -> str:
    """A bare host name in its stored form, or a ValidationError saying what is wrong."""
    value = domain_name_clean(raw)
    if _is_our_host(value):
        raise ValidationError(_("This domain belongs to Junkan itself and cannot be used."))
    return value


def _is_our_host(domain: str) -> bool:
    ours = [*settings.ALLOWED_HOSTS, "localhost", ".localhost"]
    target = getattr(settings, "CONTENT_DOMAIN_CNAME_TARGET", "")
    if target:
        ours.append(target)
    return validate_host(domain, [h for h in ours if h != "*"])


def site_domain_claim(*, domain: str) -> SiteDomain:
    """Claim `domain` for the tenant in scope; it is served once verified."""
    tenant = require_current_tenant()
    domain = domain_clean(domain)
    owner = site_domain_tenant(domain=domain)
    if owner is not None and owner.pk != tenant.pk:
        raise ValidationError(_("This domain is already verified by another organisation."))
    if SiteDomain.objects.filter(domain=domain).exists():
        raise ValidationError(_("This domain has already been added."))
    if SiteDomain.objects.count() >= MAX_DOMAINS_PER_TENANT:
        raise ValidationError(
            _("A site can have at most %(count)d domains.") % {"count": MAX_DOMAINS_PER_TENANT}
        )
    try:
        with transaction.atomic():
            return SiteDomain.objects.create(tenant=tenant, domain=domain)
    except IntegrityError as exc:  # a concurrent claim of the same domain by this tenant
        raise ValidationError(_("This domain has already been added.")) from exc


def site_domain_verify(*, site_domain: SiteDomain, lookup: TxtLookup | None = None) -> SiteDomain:
    """Check the TXT record and mark the domain verified, or raise a ValidationError saying
    what to fix. The outcome of the check is kept on the row either way."""
    require_current_tenant()
    domain_txt_check(site_domain, lookup=lookup or dns_txt_lookup)
    with transaction.atomic():
        # WARNING: the unique constraints all include the tenant (matrix rule), so nothing in
        # the schema stops two tenants verifying one domain at the same moment; this lock
        # serialises verifications of a domain, and the check below runs under it.
        with connection.cursor() as cursor:
            lock_key = f"content.domain:{site_domain.domain}"
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [lock_key])
        owner = site_domain_tenant(domain=site_domain.domain)
        taken = owner is not None and owner.pk != site_domain.tenant_id
        if not taken:
            has_primary = SiteDomain.objects.filter(is_primary=True).exists()
            verified_fields = domain_mark_verified(site_domain)
            site_domain.is_primary = site_domain.is_primary or not has_primary
            site_domain.save(update_fields=[*verified_fields, "is_primary"])
    if taken:
        # NOTE: outside the block above, whose rollback would take the outcome with it.
        message = _("This domain is already verified by another organisation.")
        domain_check_failed(site_domain, message=message)
        raise ValidationError(message)
    _forget_routes()
    return site_domain


def site_domain_set_primary(*, site_domain: SiteDomain) -> SiteDomain:
    """Make a verified domain the one the site is served on; the others redirect to it."""
    if not site_domain.is_verified:
        raise ValidationError(_("Only a verified domain can be the primary domain."))
    with transaction.atomic():
        SiteDomain.objects.filter(is_primary=True).exclude(pk=site_domain.pk).update(
            is_primary=False
        )
        made = SiteDomain.objects.filter(pk=site_domain.pk, is_primary=False).update(
            is_primary=True
        )
        if made:
            audit_record(
                action="custom_domain.made_primary",
                target=site_domain,
                changes={"is_primary": [False, True]},
            )
    site_domain.is_primary = True
    _forget_routes()
    return site_domain


def site_domain_delete(*, site_domain: SiteDomain) -> None:
    """Stop serving (or drop the claim on) a domain; another verified one becomes primary."""
    with transaction.atomic():
        was_primary = site_domain.is_primary
        domain = site_domain.domain
        site_domain.delete()
        if was_primary:
            successor = (
                SiteDomain.objects.filter(verified_at__isnull=False)
                .order_by("verified_at", "pk")
                .first()
            )
            made = (
                SiteDomain.objects.filter(pk=successor.pk, is_primary=False).update(is_primary=True)
                if successor is not None
                else 0
            )
            if made:
                audit_record(
                    action="custom_domain.made_primary",
                    target=successor,
                    changes={"is_primary": [False, True]},
                )
    _forget_routes(extra=[domain])


def _forget_routes(*, extra: Iterable[str] = ()) -> None:
    """Drop the cached routes of the tenant's domains (their primary may have changed)."""
    domains = set(SiteDomain.objects.values_list("domain", flat=True)) | set(extra)
    cache.delete_many([site_domain_route_cache_key(domain=d) for d in domains])


__all__ = [
    "DnsLookupError",
    "dns_txt_lookup",
    "domain_clean",
    "site_domain_claim",
    "site_domain_delete",
    "site_domain_set_primary",
    "site_domain_verify",
]
