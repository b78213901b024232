"""The public seminar page: throttled per address and per seminar, double opt-in by e-mail.

A registration from the page is pending (no contact, no account, no seat) until its address
opens the signed, expiring link a Celery task mails to it; a reader already signed in on Learn
& Support with the same address is registered at once.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from cs_platform.ratelimit import Limit, rate_limit_clear
from cs_platform.scoping import tenant_scope
from cs_platform.tasks import echo_tenant
from tests.factories import ContactFactory
from touchmodel.models import SeminarRegistration, SeminarSignup
from touchmodel.services.signups import (
    seminar_signup_mail_send,
    seminar_signup_request,
    seminar_signups_expire,
)
from touchmodel.tasks import seminar_signup_mail

from .factories import SeminarFactory

pytestmark = pytest.mark.django_db


def _post(client, seminar, email="hana@customer.example", **extra):
    data = {"name": "花", "email": email, "company": "X"}
    return client.post(f"/seminars/acme/{seminar.pk}/", data, **extra)


def _link(body: str) -> str:
    return re.search(r"http://localhost:8000(/seminars/acme/confirm/\S+/)", body)[1]


def _mailed_link(signup: SeminarSignup) -> str:
    assert seminar_signup_mail_send(signup_id=signup.pk, nonce=signup.nonce)
    return _link(mail.outbox[-1].body)


def test_a_registration_from_the_page_waits_for_its_address(
    client, scoped, django_capture_on_commit_callbacks
):
    seminar = SeminarFactory(capacity=5)
    ContactFactory(email="hana@customer.example")

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _post(client, seminar, email="Hana@customer.example")

    assert response.status_code == 302
    assert response["Location"].endswith("?pending=1")
    assert len(queued) == 1  # the confirmation mail, sent by a worker
    signup = SeminarSignup.objects.get()
    assert (signup.email, signup.seminar_id) == ("hana@customer.example", seminar.pk)
    assert not SeminarRegistration.objects.exists()  # no contact, no account, no seat yet
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="pending"' in page
    assert "5 seats left" in page


def test_the_mailed_link_confirms_and_links_the_contact(client, scoped):
    seminar = SeminarFactory()
    contact = ContactFactory(email="hana@customer.example")
    signup = seminar_signup_request(
        seminar=seminar, email="hana@customer.example", name="花", company="X", language="en"
    )
    link = _mailed_link(signup)
    assert mail.outbox[-1].to == ["hana@customer.example"]
    assert "Confirm your registration" in mail.outbox[-1].subject

    ask = client.get(link)
    assert ask.status_code == 200 and 'data-testid="confirm"' in ask.content.decode()
    assert not SeminarRegistration.objects.exists()  # a link scanner's GET confirms nothing

    done = client.post(link)
    again = client.post(link)

    assert 'data-testid="confirmed"' in done.content.decode()
    assert 'data-testid="confirmed"' in again.content.decode()
    registration = SeminarRegistration.objects.get()
    assert (registration.contact, registration.account, registration.source) == (
        contact,
        contact.account,
        "public",
    )
    assert registration.status == "registered"


def test_only_the_confirmation_feeds_the_webhook_and_then_the_timeline(
    client, scoped, django_capture_on_commit_callbacks
):
    from journeys.models import Activity
    from touchmodel.services import seminar_attendance_record
    from webhooks.events import EVENT_TYPES
    from webhooks.models import WebhookMessage
    from webhooks.services import webhook_endpoint_create

    webhook_endpoint_create(url="https://hooks.example.com/all", events=EVENT_TYPES)
    seminar = SeminarFactory()
    contact = ContactFactory(email="hana@customer.example")
    signup = seminar_signup_request(seminar=seminar, email=contact.email, name="花")
    link = _mailed_link(signup)
    assert not WebhookMessage.objects.filter(event_type="seminar.registered").exists()

    client.post(link)

    [message] = WebhookMessage.objects.filter(event_type="seminar.registered")
    assert message.payload["data"]["account"]["id"] == contact.account_id
    registration = SeminarRegistration.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        seminar_attendance_record(
            seminar=seminar, attended_ids=[registration.pk], missed_ids=[], send_survey=False
        )
    activity = Activity.objects.get(kind="seminar_attendance")
    assert (activity.account_id, activity.contact_id) == (contact.account_id, contact.pk)


def test_the_staff_seminar_page_counts_the_registrations_waiting_to_confirm(
    client, scoped, manager_user
):
    seminar = SeminarFactory()
    for n in ("a", "b"):
        seminar_signup_request(seminar=seminar, email=f"{n}@x.example", name=n)
    client.force_login(manager_user)

    page = client.get(
        f"/t/acme/touchmodel/seminars/{seminar.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "2 registrations from the public page wait for their address to confirm" in page
    assert "a@x.example" not in page  # not listed until confirmed


@override_settings(SEMINAR_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR=3)
def test_one_address_gets_a_few_confirmation_mails_an_hour_whoever_asks(scoped):
    import hashlib

    digest = hashlib.sha256(b"target@x.example").hexdigest()[:32]
    limit = Limit("seminar-signup-mail", f"{scoped.pk}:{digest}", 0, 3600)
    rate_limit_clear(limit)
    sent = []
    for seminar in SeminarFactory.create_batch(5):
        signup = seminar_signup_request(seminar=seminar, email="target@x.example", name="x")
        sent.append(seminar_signup_mail_send(signup_id=signup.pk, nonce=signup.nonce))
    rate_limit_clear(limit)

    assert sent == [True, True, True, False, False]
    assert len(mail.outbox) == 3


def test_an_expired_link_is_refused_and_the_sweep_removes_it(client, scoped):
    seminar = SeminarFactory(starts_at=timezone.now() + dt.timedelta(days=30))
    signup = seminar_signup_request(seminar=seminar, email="a@x.example", name="a")
    link = _mailed_link(signup)

    with time_machine.travel(timezone.now() + dt.timedelta(hours=49)):
        response = client.post(link)
        assert response.status_code == 400
        assert 'data-testid="link-error"' in response.content.decode()
        assert seminar_signups_expire() == 1

    assert not SeminarSignup.objects.exists()
    assert not SeminarRegistration.objects.exists()


def test_a_newer_request_replaces_the_older_link(client, scoped):
    seminar = SeminarFactory()
    first = _mailed_link(seminar_signup_request(seminar=seminar, email="a@x.example", name="a"))
    second = _mailed_link(seminar_signup_request(seminar=seminar, email="a@x.example", name="a"))

    assert client.post(first).status_code == 400
    assert client.post(second).status_code == 200
    assert SeminarRegistration.objects.count() == 1


def test_a_tampered_link_or_another_tenants_link_is_refused(client, scoped, other_tenant):
    seminar = SeminarFactory()
    link = _mailed_link(seminar_signup_request(seminar=seminar, email="a@x.example", name="a"))

    assert client.get(link[:-3] + "xy/").status_code == 400
    assert client.get(link.replace("/acme/", "/globex/")).status_code == 400


def test_pending_registrations_hold_no_seat(client, scoped):
    seminar = SeminarFactory(capacity=1)
    links = [
        _mailed_link(seminar_signup_request(seminar=seminar, email=f"{n}@x.example", name=n))
        for n in ("a", "b")
    ]

    assert client.post(links[0]).status_code == 200
    late = client.post(links[1])

    assert late.status_code == 409
    assert 'data-testid="full"' in late.content.decode()
    assert SeminarRegistration.objects.count() == 1
    assert 'data-testid="full"' in _post(client, seminar, email="c@x.example").content.decode()


def test_a_signed_in_reader_with_the_same_address_is_registered_at_once(client, scoped):
    from content.services import reader_link_path

    seminar = SeminarFactory()
    contact = ContactFactory(email="hana@customer.example")
    client.get(reader_link_path(contact=contact))

    own = _post(client, seminar, email="HANA@customer.example")
    other = _post(client, seminar, email="someone@else.example")

    assert own["Location"].endswith("?registered=1")
    assert SeminarRegistration.objects.get().contact == contact
    assert other["Location"].endswith("?pending=1")  # another address still confirms
    assert SeminarSignup.objects.get().email == "someone@else.example"


@pytest.fixture
def low_limits(scoped):
    seminar, other = SeminarFactory(), SeminarFactory()
    addresses = ["192.0.2.10", "192.0.2.11", "192.0.2.12"]
    limits = [Limit("seminar-signup-address", a, 0, 3600) for a in addresses] + [
        Limit("seminar-signup-seminar", f"{s.tenant_id}:{s.pk}", 0, 3600) for s in (seminar, other)
    ]
    rate_limit_clear(*limits)
    with override_settings(
        SEMINAR_SIGNUPS_PER_ADDRESS_PER_HOUR=2, SEMINAR_SIGNUPS_PER_SEMINAR_PER_HOUR=3
    ):
        yield seminar, other, addresses
    rate_limit_clear(*limits)


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("ja", "短時間に多くの登録"), ("en", "Too many registrations were sent")],
)
def test_one_address_is_throttled_with_a_429_that_says_when(client, low_limits, language, sentence):
    seminar, other, (address, *_) = low_limits
    client.defaults.update(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
    answers = [_post(client, seminar, email=f"{n}@x.example").status_code for n in range(2)] + [
        _post(client, other, email="z@x.example").status_code
    ]

    assert answers == [302, 302, 429]
    refused = _post(client, other, email="y@x.example")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3601
    assert sentence in refused.content.decode()
    assert SeminarSignup.objects.count() == 2


def test_one_seminar_is_throttled_whatever_the_address(client, low_limits):
    seminar, other, addresses = low_limits
    answers = [
        _post(client, seminar, email=f"{n}@x.example", REMOTE_ADDR=address).status_code
        for n, address in enumerate([*addresses, addresses[2]])
    ]

    assert answers == [302, 302, 302, 429]
    assert _post(client, other, REMOTE_ADDR=addresses[0]).status_code == 302


@pytest.mark.slow
def test_a_real_worker_mails_the_current_link_only(transactional_db):
    """The confirmation crosses the task queue: a `celery worker` process renders it and hands
    it to an SMTP server; a link replaced by a newer request is not sent."""
    from tests.factories import TenantFactory
    from tests.smtp_sink import SmtpSink
    from tests.workers import solo_worker

    tenant = TenantFactory(slug="acme")
    with tenant_scope(tenant):
        seminar = SeminarFactory()
        old = seminar_signup_request(seminar=seminar, email="a@x.example", name="a")
        old_nonce = old.nonce
        current = seminar_signup_request(seminar=seminar, email="a@x.example", name="a")
    sink = SmtpSink()
    try:
        with solo_worker(f"test-{uuid.uuid4().hex[:12]}", {"TEST_EMAIL_URL": sink.url}) as q:
            for nonce in (old_nonce, current.nonce):
                seminar_signup_mail.apply_async(
                    kwargs={"tenant_id": tenant.pk, "signup_id": current.pk, "nonce": nonce},
                    queue=q,
                )
            barrier = echo_tenant.apply_async(kwargs={"tenant_id": tenant.pk}, queue=q)
            assert barrier.get(timeout=90) == "acme"
    finally:
        sink.close()

    assert sink.count() == 1
