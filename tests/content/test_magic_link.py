"""Magic sign-in links: the request only enqueues a task, which looks the address up and mails.

The form must not tell a customer's address from any other, neither by its answer nor by its
time: the view does no contact look-up at all (same queries for both), the task does.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.tasks import magic_link_send_task
from cs_platform.scoping import tenant_scope
from cs_platform.tasks import echo_tenant
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _request(client, email: str, capture) -> tuple[int, str, list[str], int]:
    with CaptureQueriesContext(connection) as queries, capture(execute=False) as queued:
        response = client.post("/learn/acme/signin/", {"email": email})
    body = _CSRF.sub("", response.content.decode())
    return response.status_code, body, [q["sql"] for q in queries.captured_queries], len(queued)


def test_the_request_answers_the_same_and_reads_no_contact(
    client, scoped, mailoutbox, django_capture_on_commit_callbacks
):
    ContactFactory(email="hr@customer.example")
    client.post("/learn/acme/signin/", {"email": "warm-up@else.example"})  # first-request caches

    known = _request(client, "hr@customer.example", django_capture_on_commit_callbacks)
    unknown = _request(client, "who@else.example", django_capture_on_commit_callbacks)

    assert known[0] == unknown[0] == 200
    assert known[1] == unknown[1]
    assert 'role="status"' in known[1]  # "if this address belongs to one of our customers…"
    assert len(known[2]) == len(unknown[2])
    assert not [sql for sql in known[2] + unknown[2] if "accounts_contact" in sql]
    assert known[3] == unknown[3] == 1  # one task each, enqueued on commit
    assert mailoutbox == []  # nothing is sent by the request itself


def test_the_task_mails_a_known_address_only(tenant, mailoutbox):
    with tenant_scope(tenant):
        ContactFactory(email="hr@customer.example")
    for email in ("who@else.example", "HR@customer.example"):
        magic_link_send_task(
            tenant_id=tenant.pk, email=email, base_url="http://testserver/", language="en"
        )

    (message,) = mailoutbox
    assert message.to == ["hr@customer.example"]
    assert "http://testserver/learn/acme/signin/" in message.body


@pytest.mark.slow
def test_a_real_worker_sends_the_link_for_a_known_address_only(transactional_db):
    """The look-up crosses the task queue: a `celery worker` process reads the contacts and
    hands the mail to an SMTP server."""
    from tests.factories import TenantFactory
    from tests.smtp_sink import SmtpSink
    from tests.workers import solo_worker

    tenant = TenantFactory(slug="acme")
    with tenant_scope(tenant):
        ContactFactory(email="hr@customer.example")
    sink = SmtpSink()
    try:
        with solo_worker(f"test-{uuid.uuid4().hex[:12]}", {"TEST_EMAIL_URL": sink.url}) as q:
            for email in ("who@else.example", "hr@customer.example"):
                magic_link_send_task.apply_async(
                    kwargs={
                        "tenant_id": tenant.pk,
                        "email": email,
                        "base_url": "https://junkan.example/",
                        "language": "ja",
                    },
                    queue=q,
                )
            # A solo worker runs its queue in order: once this returns, both were handled.
            barrier = echo_tenant.apply_async(kwargs={"tenant_id": tenant.pk}, queue=q)
            assert barrier.get(timeout=90) == "acme"
    finally:
        sink.close()

    assert sink.count() == 1
