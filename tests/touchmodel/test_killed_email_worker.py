"""E-mail sending survives a worker killed with SIGKILL (main process and pool) mid-batch:
every message ends sent or, if SMTP may already have it, 'unconfirmed'; none arrives twice."""

from __future__ import annotations

import sys
import time

import pytest

from tests.factories import ContactFactory
from tests.smtp_sink import SmtpSink
from tests.workers import Worker, new_queue, wait_for
from touchmodel import tasks
from touchmodel.models import OutboundEmail
from touchmodel.services import email_queue

MESSAGES = 40


@pytest.mark.slow
@pytest.mark.real_clock
def test_no_email_is_lost_or_sent_twice_when_the_sending_worker_is_killed(transactional_db, scoped):
    ids = []
    for n in range(MESSAGES):
        contact = ContactFactory(email=f"reader{n}@customer.example")
        queued = email_queue(
            message_key=f"kill-test-{n}",
            to_email=contact.email,
            template="content_recommendation",
            context={"articles": [("Guide", "https://help.example/a")], "message": ""},
            contact=contact,
        )
        ids.append(queued.email.pk)
    sink = SmtpSink(answer_delay=0.15)
    queue = new_queue()
    env = {"TEST_EMAIL_URL": sink.url}
    doomed = Worker(queue=queue, name="doomed", env=env)
    survivor = Worker(queue=queue, name="survivor", env=env)
    try:
        for email_id in ids:
            tasks.send_email.apply_async(
                kwargs={"tenant_id": scoped.pk, "email_id": email_id}, queue=queue
            )
        # Kill while the doomed pool has a message in SMTP's hands (intent recorded).
        in_smtp = OutboundEmail.objects.filter(
            status="sending", worker__startswith="doomed", smtp_started_at__isnull=False
        )
        wait_for(in_smtp.exists, timeout=90, what="doomed to be mid-send", every=0.02)
        doomed.kill()
        killed = time.monotonic()

        # Beat's part: send the sweep every second; the surviving worker runs it.
        def settled() -> bool:
            tasks.sweep_email_leases.apply_async(queue=queue)
            return not OutboundEmail.objects.filter(status__in=["queued", "sending"]).exists()

        wait_for(settled, timeout=120, what="every e-mail to settle", every=1)
        recovery = time.monotonic() - killed
    except BaseException:
        sys.stderr.write(doomed.output() + survivor.output())
        raise
    finally:
        doomed.stop()
        survivor.stop()
        sink.close()

    rows = list(OutboundEmail.objects.filter(pk__in=ids).values_list("status", "message_id"))
    sent = [m for s, m in rows if s == "sent"]
    unconfirmed = [m for s, m in rows if s == "unconfirmed"]
    duplicates = {m: n for m, n in sink.delivered.items() if n > 1}
    print(  # noqa: T201 — the figures the issue asks for
        f"\n{MESSAGES} e-mails, one of two workers killed mid-send: settled {recovery:.1f} s "
        f"after SIGKILL; {len(sent)} sent, {len(unconfirmed)} unconfirmed (in SMTP's hands at "
        f"the kill; {sum(sink.delivered[m] for m in unconfirmed)} of them had arrived), "
        f"duplicates {len(duplicates)}"
    )
    assert duplicates == {}  # 0 duplicate e-mails
    assert len(sent) + len(unconfirmed) == MESSAGES  # none lost in 'queued'/'sending'
    assert all(sink.delivered[m] == 1 for m in sent)
    assert 1 <= len(unconfirmed) <= 2  # the dead pool's sends that SMTP had in hand
