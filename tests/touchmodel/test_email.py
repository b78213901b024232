"""E-mail: one copy per message key, claim before send, retries with back-off, bounces."""

import pytest
from django.core import mail

from tests.factories import ContactFactory
from touchmodel.models import EmailOptOut, OutboundEmail
from touchmodel.services import email_bounce_record, email_opt_out, email_queue, email_send
from touchmodel.services.email import (
    MAX_ATTEMPTS,
    EmailTemporaryFailure,
    email_retry_delay,
    unsubscribe_token_read,
)
from touchmodel.tasks import send_email

pytestmark = pytest.mark.django_db


def _queue(key="k1", to="reader@customer.example", **kwargs):
    return email_queue(
        message_key=key,
        to_email=to,
        template="content_recommendation",
        context={"articles": [("Guide", "https://help.example/a")], "message": "", **kwargs},
    )


@pytest.fixture
def failing_backend(monkeypatch):
    calls = {"n": 0, "fail": 1}

    def send(self, fail_silently=False):
        calls["n"] += 1
        if calls["n"] <= calls["fail"]:
            raise ConnectionError("SMTP down")
        mail.outbox.append(self)
        return 1

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", send)
    return calls


def test_the_same_message_key_is_queued_once(scoped):
    first, second = _queue(), _queue()
    assert (first.created, second.created) == (True, False)
    assert OutboundEmail.objects.count() == 1


def test_sending_twice_delivers_one_copy(scoped):
    email = _queue().email
    assert email_send(email_id=email.pk) == "sent"
    assert email_send(email_id=email.pk) == "sent"
    assert len(mail.outbox) == 1


def test_a_message_being_sent_by_another_worker_is_not_sent_again(scoped):
    email = _queue().email
    OutboundEmail.objects.filter(pk=email.pk).update(status="sending")
    assert email_send(email_id=email.pk) == "sending"
    assert mail.outbox == []


def test_the_sent_message_carries_a_list_unsubscribe_header(scoped, tenant):
    email_send(email_id=_queue().email.pk)
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    token = header.strip("<>").rstrip("/").rsplit("/", 1)[1]
    assert unsubscribe_token_read(token) == (tenant.pk, "reader@customer.example")


def test_a_failed_send_is_queued_again_with_the_error(scoped, failing_backend):
    email = _queue().email
    with pytest.raises(EmailTemporaryFailure):
        email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("queued", 1)
    assert "SMTP down" in email.last_error


def test_the_task_retries_until_the_message_is_sent(scoped, tenant, failing_backend):
    failing_backend["fail"] = 2
    email = _queue().email
    send_email.apply(kwargs={"tenant_id": tenant.pk, "email_id": email.pk})
    email.refresh_from_db()
    assert (email.status, email.attempts, len(mail.outbox)) == ("sent", 3, 1)


def test_a_message_that_keeps_failing_ends_as_failed(scoped, failing_backend):
    failing_backend["fail"] = 100
    email = _queue().email
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(EmailTemporaryFailure):
            email_send(email_id=email.pk)
    assert email_send(email_id=email.pk) == "failed"
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", MAX_ATTEMPTS)


def test_retry_delay_grows_exponentially_and_is_capped():
    assert [email_retry_delay(attempts=a) for a in (1, 2, 3)] == [30, 60, 120]
    assert email_retry_delay(attempts=20) == 3600


def test_an_opted_out_address_is_suppressed_when_queued(scoped):
    EmailOptOut.objects.create(email="reader@customer.example")
    assert _queue().email.status == "suppressed"


def test_opting_out_suppresses_messages_already_queued(scoped):
    email = _queue().email
    email_opt_out(email="Reader@Customer.example")
    assert email_send(email_id=email.pk) == "suppressed"
    assert mail.outbox == []


def test_a_bounce_marks_the_message_and_stops_mailing_the_address(scoped):
    email = _queue().email
    email_send(email_id=email.pk)
    assert email_bounce_record(to_email="reader@customer.example", reason="550") == 1
    email.refresh_from_db()
    assert (email.status, email.last_error) == ("bounced", "550")
    assert EmailOptOut.objects.get(email="reader@customer.example").reason == "bounce"


def test_language_follows_the_tenant(scoped, tenant):
    tenant.default_language = "en"
    tenant.save()
    contact = ContactFactory()
    email = email_queue(
        message_key="en1",
        to_email=contact.email,
        template="content_recommendation",
        context={"articles": [], "message": ""},
        contact=contact,
    ).email
    assert (email.language, email.body_text.splitlines()[0]) == ("en", f"Hello {contact.name},")


def test_japanese_is_the_default_language(scoped):
    email = _queue().email
    assert email.language == "ja"
    assert "配信を停止する" in email.body_text


def _queue_to(contact, key="c1"):
    return email_queue(
        message_key=key,
        to_email=contact.email,
        template="content_recommendation",
        context={"articles": [], "message": ""},
        contact=contact,
    ).email


def test_an_english_contact_of_a_japanese_tenant_gets_the_english_template(scoped, tenant):
    tenant.default_language = "ja"
    tenant.save()
    contact = ContactFactory(language="en")
    email = _queue_to(contact)
    assert (email.language, email.body_text.splitlines()[0]) == ("en", f"Hello {contact.name},")
    assert "Unsubscribe" in email.body_text


def test_a_contact_without_a_language_gets_the_tenants_language(scoped, tenant):
    tenant.default_language = "ja"
    tenant.save()
    contact = ContactFactory(language="")
    email = _queue_to(contact)
    assert (email.language, email.body_text.splitlines()[0]) == ("ja", f"{contact.name} 様")


def test_a_japanese_contact_of_an_english_tenant_gets_the_japanese_template(scoped, tenant):
    tenant.default_language = "en"
    tenant.save()
    email = _queue_to(ContactFactory(language="ja"))
    assert email.language == "ja"
    assert "配信を停止する" in email.body_text


def _expire(email):
    import datetime as dt

    OutboundEmail.objects.filter(pk=email.pk).update(
        lease_expires_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )


def test_every_attempt_carries_the_same_message_id(scoped, failing_backend):
    email = _queue().email
    with pytest.raises(EmailTemporaryFailure):
        email_send(email_id=email.pk)
    assert email_send(email_id=email.pk) == "sent"
    email.refresh_from_db()
    assert email.message_id.startswith("<") and email.message_id.endswith("@junkan.local>")
    assert mail.outbox[0].extra_headers["Message-ID"] == email.message_id


def test_a_send_that_died_before_smtp_is_queued_again_and_sent_once(scoped):
    from touchmodel.services.email import _claim, email_leases_sweep

    email = _queue().email
    assert _claim(email.pk, "dead-worker") == 1  # killed before the intent
    _expire(email)
    assert email_leases_sweep() == [(email.tenant_id, email.pk)]
    assert email_send(email_id=email.pk) == "sent"
    assert len(mail.outbox) == 1


def test_a_send_that_died_after_handing_the_message_to_smtp_is_never_sent_again(scoped):
    from touchmodel.services.email import _claim, _record_intent, email_leases_sweep

    email = _queue().email
    attempt = _claim(email.pk, "dead-worker")
    assert _record_intent(email.pk, attempt, "<x@junkan.local>")  # … then SMTP said 250, kill
    _expire(email)
    assert email_leases_sweep() == []
    email.refresh_from_db()
    assert email.status == "unconfirmed"
    assert email_send(email_id=email.pk) == "unconfirmed"
    assert mail.outbox == []


def test_a_live_send_is_left_alone_by_the_sweep(scoped):
    from touchmodel.services.email import _claim, email_leases_sweep

    email = _queue().email
    _claim(email.pk, "busy-worker")
    assert email_leases_sweep() == []
    assert OutboundEmail.objects.get(pk=email.pk).status == "sending"
