"""Outbound e-mail: queue once per message key, claim before sending, retry with back-off,
honour opt-outs, record bounces.

Guarantees:
- one row per `message_key` (unique constraint, INSERT … ON CONFLICT DO NOTHING), so a
  re-run of the producer never queues a second copy;
- a row is sent only by the worker whose `UPDATE … SET status='sending' WHERE
  status='queued'` changed it; a worker that crashes mid-send leaves it in 'sending' (never
  re-sent automatically: at most once beats a duplicate in a customer's inbox).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Account, Contact
from cs_platform.models import Tenant
from cs_platform.scoping import require_current_tenant

from ..models import EmailOptOut, EmailStatus, OutboundEmail, RuleFiring, TouchProgram
from ..sql import insert_ignore_returning, insert_ignore_returning_keys

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
UNSUBSCRIBE_SALT = "touchmodel.unsubscribe"
LANGUAGES = ("ja", "en")


class EmailTemporaryFailure(Exception):
    """Sending failed; the row is queued again and the caller should retry later."""


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://localhost:8000").rstrip("/")


def unsubscribe_token(*, tenant: Tenant, email: str) -> str:
    return signing.dumps({"t": tenant.pk, "e": email.lower()}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return int(data["t"]), str(data["e"])


def unsubscribe_url(*, tenant: Tenant, email: str) -> str:
    token = unsubscribe_token(tenant=tenant, email=email)
    return site_url() + reverse("touchmodel_public:unsubscribe", kwargs={"token": token})


def email_language(*, contact: Contact | None, tenant: Tenant) -> str:
    """The contact's own language, else the tenant's (blank on the contact: the tenant's)."""
    own = contact.language if contact is not None else ""
    language = own or tenant.default_language or "ja"
    return language if language in LANGUAGES else "ja"


def is_opted_out(*, email: str) -> bool:
    return EmailOptOut.objects.filter(email__iexact=email).exists()


def opted_out_among(*, emails: list[str]) -> set[str]:
    """The addresses (lower-cased) among `emails` that opted out."""
    if not emails:
        return set()
    wanted = {e.lower() for e in emails}
    return {
        e.lower()
        for e in EmailOptOut.objects.filter(email__in=wanted).values_list("email", flat=True)
    }


def email_opt_out(*, email: str, reason: str = "unsubscribe") -> EmailOptOut:
    """Stop every future e-mail of this tenant to `email`; queued ones are suppressed too."""
    email = email.strip().lower()
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(email=email, reason=reason)], ignore_conflicts=True
    )
    OutboundEmail.objects.filter(to_email__iexact=email, status=EmailStatus.QUEUED).update(
        status=EmailStatus.SUPPRESSED
    )
    return EmailOptOut.objects.get(email=email)


@dataclass(frozen=True)
class Queued:
    email: OutboundEmail
    created: bool


def _render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    base = f"touchmodel/email/{template}.{language}"
    with translation.override(language):
        subject = render_to_string(f"{base}.subject.txt", context).strip().replace("\n", " ")
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    return subject[:300], text, html


def email_build(
    *,
    message_key: str,
    to_email: str,
    template: str,
    context: dict[str, Any],
    contact: Contact | None = None,
    account: Account | None = None,
    firing: RuleFiring | None = None,
    program: TouchProgram | None = None,
    language: str | None = None,
    known_opted_in: bool = False,
) -> OutboundEmail:
    """Render one message into an unsaved row (`email_queue` or `EmailBatch` inserts it).

    `known_opted_in`: the caller already filtered out opted-out addresses (saves a query;
    the sender checks again before sending anyway).
    """
    tenant = require_current_tenant()
    to_email = to_email.strip().lower()
    language = language or email_language(contact=contact, tenant=tenant)
    context = {
        **context,
        "tenant": tenant,
        "contact": contact,
        "account": account,
        "unsubscribe_url": unsubscribe_url(tenant=tenant, email=to_email),
    }
    subject, text, html = _render(template, language, context)
    opted_out = not known_opted_in and is_opted_out(email=to_email)
    status = EmailStatus.SUPPRESSED if opted_out else EmailStatus.QUEUED
    return OutboundEmail(
        message_key=message_key,
        to_email=to_email,
        contact=contact,
        account=account,
        language=language,
        template=template,
        subject=subject,
        body_text=text,
        body_html=html,
        status=status,
        firing=firing,
        program=program,
    )


def email_queue(
    *,
    message_key: str,
    to_email: str,
    template: str,
    context: dict[str, Any],
    contact: Contact | None = None,
    account: Account | None = None,
    firing: RuleFiring | None = None,
    program: TouchProgram | None = None,
    language: str | None = None,
    known_opted_in: bool = False,
) -> Queued:
    """Render and queue one message; the same `message_key` is only ever queued once.

    Call `email_dispatch_on_commit` (or let the sweeper pick it up) to send it.
    """
    row = email_build(
        message_key=message_key,
        to_email=to_email,
        template=template,
        context=context,
        contact=contact,
        account=account,
        firing=firing,
        program=program,
        language=language,
        known_opted_in=known_opted_in,
    )
    inserted = insert_ignore_returning([row])
    if inserted:
        row.pk = inserted[0]
        return Queued(email=row, created=True)
    return Queued(email=OutboundEmail.objects.get(message_key=row.message_key), created=False)


class EmailBatch:
    """Messages rendered one by one and inserted together: one INSERT … ON CONFLICT DO
    NOTHING per 1,000 rows instead of one per message."""

    def __init__(self) -> None:
        self.rows: list[OutboundEmail] = []

    def add(self, **kwargs: Any) -> str:
        """Render a message (arguments of `email_build`); returns its message key."""
        row = email_build(**kwargs)
        self.rows.append(row)
        return row.message_key

    def flush(self) -> dict[str, int]:
        """Insert the messages; the id of each new queued one by message key (a key already
        used, or suppressed, is left out, as `email_queue` reports it not created)."""
        queued = {r.message_key for r in self.rows if r.status == EmailStatus.QUEUED}
        inserted = insert_ignore_returning_keys(self.rows, "message_key")
        self.rows = []
        return {key: pk for key, pk in inserted.items() if key in queued}


def email_dispatch_on_commit(*, email: OutboundEmail) -> None:
    """Enqueue the send once the surrounding transaction commits."""
    if email.status != EmailStatus.QUEUED:
        return
    item = (email.tenant_id, email.pk)
    transaction.on_commit(lambda: email_enqueue(items=[item]))


def email_enqueue(*, items: list[tuple[int, int]]) -> None:
    """Publish send tasks for (tenant_id, email_id) pairs over one broker connection."""
    from ..tasks import send_email

    if not items:
        return
    try:
        with send_email.app.producer_or_acquire() as producer:
            for tenant_id, email_id in items:
                send_email.apply_async(
                    kwargs={"tenant_id": tenant_id, "email_id": email_id}, producer=producer
                )
    except Exception:
        # The broker is down: the sweeper (touchmodel.flush_emails) sends them later.
        logger.warning("could not enqueue %s e-mails; the sweeper will send them", len(items))


def _claim(email_id: int) -> bool:
    claimed = OutboundEmail.objects.filter(pk=email_id, status=EmailStatus.QUEUED).update(
        status=EmailStatus.SENDING, attempts=F("attempts") + 1
    )
    return claimed == 1


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    from ..services.tiers import touch_settings_get

    sender = touch_settings_get().email_from or settings.DEFAULT_FROM_EMAIL
    unsubscribe = unsubscribe_url(tenant=email.tenant, email=email.to_email)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=sender,
        to=[email.to_email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Junkan-Message-Key": email.message_key,
        },
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def email_send(*, email_id: int) -> str:
    """Send one queued message if this caller wins the claim; returns the resulting status.

    Raises EmailTemporaryFailure when sending failed and another attempt is allowed.
    """
    if not _claim(email_id):
        return OutboundEmail.objects.values_list("status", flat=True).get(pk=email_id)
    email = OutboundEmail.objects.select_related("tenant").get(pk=email_id)
    if is_opted_out(email=email.to_email):
        OutboundEmail.objects.filter(pk=email_id).update(status=EmailStatus.SUPPRESSED)
        return EmailStatus.SUPPRESSED
    try:
        _message(email).send(fail_silently=False)
    except Exception as exc:
        final = email.attempts >= MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=email_id, status=EmailStatus.SENDING).update(
            status=EmailStatus.FAILED if final else EmailStatus.QUEUED,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        if final:
            logger.error("e-mail %s failed after %s attempts", email_id, email.attempts)
            return EmailStatus.FAILED
        raise EmailTemporaryFailure(str(exc)) from exc
    OutboundEmail.objects.filter(pk=email_id, status=EmailStatus.SENDING).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return EmailStatus.SENT


def email_retry_delay(*, attempts: int) -> int:
    """Seconds before the next attempt: 30 s, 60 s, 120 s … capped at one hour."""
    return int(min(3600, 30 * 2 ** max(0, attempts - 1)))


@transaction.atomic
def email_bounce_record(*, to_email: str, message_key: str | None = None, reason: str = "") -> int:
    """A provider reported a bounce: mark the message(s) bounced and stop mailing the address.

    Returns the number of messages marked.
    """
    to_email = to_email.strip().lower()
    queryset = OutboundEmail.objects.filter(to_email__iexact=to_email).exclude(
        status=EmailStatus.BOUNCED
    )
    if message_key:
        queryset = queryset.filter(message_key=message_key)
    else:
        queryset = queryset.filter(status__in=[EmailStatus.SENT, EmailStatus.SENDING])
    marked = queryset.update(
        status=EmailStatus.BOUNCED, bounced_at=timezone.now(), last_error=reason[:2000]
    )
    email_opt_out(email=to_email, reason="bounce")
    return marked
