"""Outbound e-mail: queue once per message key, claim before sending, retry with back-off,
honour opt-outs, record bounces.

Guarantees:
- one row per `message_key` (unique constraint, INSERT … ON CONFLICT DO NOTHING), so a
  re-run of the producer never queues a second copy;
- a row is sent only by the worker whose `UPDATE … SET status='sending' WHERE
  status='queued'` changed it, under a lease (cs_platform/leases.py);
- intent first: right before the message is handed to SMTP, `smtp_started_at` is committed.
  A worker killed before that point leaves an expired lease and no intent: the sweep queues
  the message again. A worker killed after it (SMTP may have answered "250 accepted") leaves
  the intent: the message becomes 'unconfirmed' and is never re-sent automatically, so a
  customer never gets it twice;
- every attempt carries the same Message-ID header (`message_id_for`), so the send is
  idempotent per message id for the receiving side too.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from email.mime.text import MIMEText
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Account, Contact
from cs_platform.celery import task_named
from cs_platform.leases import lease_seconds, requeue_after_seconds, worker_name
from cs_platform.models import Tenant
from cs_platform.scoping import cross_tenant, require_current_tenant
from cs_platform.sql import insert_ignore_returning, insert_ignore_returning_keys

from ..models import EmailOptOut, EmailStatus, OutboundEmail, RuleFiring, TouchProgram
from ..services.senders import email_from_effective
from ..services.tiers import touch_settings_get

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
    ics: bytes = b"",
    ics_method: str = "",
) -> OutboundEmail:
    """Render one message into an unsaved row (`email_queue` or `EmailBatch` inserts it).

    `known_opted_in`: the caller already filtered out opted-out addresses (saves a query;
    the sender checks again before sending anyway).
    `ics`: an iCalendar document (cs_platform.ical) sent as the invite.ics attachment, with
    its METHOD in `ics_method`.
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
        ics=ics.decode(),
        ics_method=ics_method,
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
    ics: bytes = b"",
    ics_method: str = "",
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
        ics=ics,
        ics_method=ics_method,
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
    send_email = task_named("touchmodel.send_email")
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


def message_id_for(*, tenant_id: int, message_key: str) -> str:
    """The Message-ID of a message: derived from its key, the same on every attempt."""
    digest = hashlib.sha256(f"{tenant_id}:{message_key}".encode()).hexdigest()[:40]
    domain = (settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "junkan.local")[:100]
    return f"<{digest}@{domain}>"


def _claim(email_id: int, worker: str) -> int | None:
    """Take the send of a queued message under a lease; returns the attempt number."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE touchmodel_outboundemail SET status = 'sending', attempts = attempts + 1,"
            " worker = %s, smtp_started_at = NULL,"
            " lease_expires_at = clock_timestamp() + make_interval(secs => %s)"
            " WHERE id = %s AND status = 'queued' RETURNING attempts",
            [worker[:200], lease_seconds(), email_id],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _record_intent(email_id: int, attempt: int, message_id: str) -> bool:
    """Committed before SMTP: from here on a dead worker means "maybe sent"."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE touchmodel_outboundemail SET smtp_started_at = clock_timestamp(),"
            " message_id = %s WHERE id = %s AND status = 'sending' AND attempts = %s",
            [message_id, email_id, attempt],
        )
        return cursor.rowcount == 1


def _settle(email_id: int, attempt: int, **fields: Any) -> None:
    OutboundEmail.objects.filter(pk=email_id, status=EmailStatus.SENDING, attempts=attempt).update(
        lease_expires_at=None, **fields
    )


def email_sender() -> str:
    """The From of the tenant's e-mails: its touch settings' sender when the address is at a
    domain it verified, else the site's address (with the tenant's display name)."""

    return email_from_effective(email_from=touch_settings_get().email_from)


def _calendar_part(ics: str, method: str) -> MIMEText:
    """invite.ics as calendar clients expect it: text/calendar with the iTIP method as a
    Content-Type parameter (RFC 6047 2.4), so Gmail and Outlook offer to add, update or
    remove the event."""
    part = MIMEText(ics, "calendar", "utf-8")
    if method:
        part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    sender = email_sender()
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
    if email.ics:
        message.attach(_calendar_part(email.ics, email.ics_method))
    return message


def email_send(*, email_id: int, worker: str | None = None) -> str:
    """Send one queued message if this caller wins the claim; returns the resulting status.

    Raises EmailTemporaryFailure when sending failed and another attempt is allowed.
    NOTE: EMAIL_TIMEOUT must stay well below JOB_LEASE_SECONDS: a send that outlives its lease
    is taken for a dead worker's.
    """
    attempt = _claim(email_id, worker or worker_name())
    if attempt is None:
        return OutboundEmail.objects.values_list("status", flat=True).get(pk=email_id)
    email = OutboundEmail.objects.select_related("tenant").get(pk=email_id)
    if is_opted_out(email=email.to_email):
        _settle(email_id, attempt, status=EmailStatus.SUPPRESSED)
        return EmailStatus.SUPPRESSED
    message_id = email.message_id or message_id_for(
        tenant_id=email.tenant_id, message_key=email.message_key
    )
    message = _message(email)
    message.extra_headers["Message-ID"] = message_id
    if not _record_intent(email_id, attempt, message_id):
        return OutboundEmail.objects.values_list("status", flat=True).get(pk=email_id)
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        # SMTP answered with an error (or never connected): it did not take the message.
        final = attempt >= MAX_ATTEMPTS
        _settle(
            email_id,
            attempt,
            status=EmailStatus.FAILED if final else EmailStatus.QUEUED,
            smtp_started_at=None,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        if final:
            logger.error("e-mail %s failed after %s attempts", email_id, attempt)
            return EmailStatus.FAILED
        raise EmailTemporaryFailure(str(exc)) from exc
    _settle(email_id, attempt, status=EmailStatus.SENT, sent_at=timezone.now(), last_error="")
    return EmailStatus.SENT


def email_leases_sweep() -> list[tuple[int, int]]:
    """Beat, across tenants: sends whose worker died (lease expired). Without a recorded
    intent the message never reached SMTP: it is queued again and returned as
    (tenant_id, email_id) to enqueue. With one, it may have gone out: 'unconfirmed'.
    Messages queued long ago and never tried are returned too."""
    with cross_tenant("sweep"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE touchmodel_outboundemail SET status = 'unconfirmed', lease_expires_at = NULL,"
            " last_error = 'The worker stopped after handing the message to SMTP; not re-sent"
            " automatically (it may have been delivered).'"
            " WHERE status = 'sending' AND lease_expires_at < clock_timestamp()"
            " AND smtp_started_at IS NOT NULL"
        )
        cursor.execute(
            "UPDATE touchmodel_outboundemail SET status = 'queued', lease_expires_at = NULL"
            " WHERE status = 'sending' AND lease_expires_at < clock_timestamp()"
            " AND smtp_started_at IS NULL RETURNING tenant_id, id",
        )
        rows = cursor.fetchall()
        # Never tried, long queued: its task message was held by a worker that died (or lost
        # with the broker). For a queued row `lease_expires_at` is when it may be sent again,
        # so a long backlog is re-sent once per window, not every sweep; the claim makes a
        # second task harmless.
        cursor.execute(
            "UPDATE touchmodel_outboundemail"
            " SET lease_expires_at = clock_timestamp() + make_interval(secs => %s)"
            " WHERE status = 'queued' AND attempts = 0"
            " AND created_at < clock_timestamp() - make_interval(secs => %s)"
            " AND (lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())"
            " RETURNING tenant_id, id",
            [requeue_after_seconds(), requeue_after_seconds()],
        )
        rows += cursor.fetchall()
        return [(int(t), int(i)) for t, i in rows]


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
