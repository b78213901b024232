"""Password change (signed in) and reset by e-mail (Django's views, the e-mail from a task)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from cs_platform.tasks import password_reset_send

PASSWORD = "pw-for-tests-1"
NEW_PASSWORD = "a-new-Passw0rd-2026"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_a_member_changes_their_password_and_stays_signed_in(client, csm_user):
    client.force_login(csm_user)
    assert "Change your password" in client.get("/password/change/").content.decode()

    response = client.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/password/change/done/"
    csm_user.refresh_from_db()
    assert csm_user.check_password(NEW_PASSWORD)
    assert client.get("/password/change/done/").status_code == 200  # session kept


def test_a_new_password_shorter_than_twelve_characters_is_refused(client, csm_user):
    client.force_login(csm_user)
    short = "Xq7-pl0m-Zt"  # 11 characters, not a common password

    response = client.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password1": short, "new_password2": short},
    )

    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    csm_user.refresh_from_db()
    assert csm_user.check_password(PASSWORD)


def test_a_wrong_old_password_changes_nothing(client, csm_user):
    client.force_login(csm_user)

    response = client.post(
        "/password/change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    csm_user.refresh_from_db()
    assert csm_user.check_password(PASSWORD)


def test_changing_the_password_needs_a_sign_in(client):
    response = client.get("/password/change/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_reset_answers_the_same_whether_or_not_the_address_exists(
    client, csm_user, django_capture_on_commit_callbacks
):
    answers = []
    for email in (csm_user.email, "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = client.post("/password/reset/", {"email": email})
        answers.append((response.status_code, response["Location"], len(queued)))

    assert answers[0] == answers[1] == (302, "/password/reset/sent/", 1)
    assert mail.outbox == []  # the request only queues: the worker looks the address up


def test_the_task_mails_a_link_to_an_existing_address_only(csm_user):
    password_reset_send(
        email="nobody@example.com", domain="junkan.example", use_https=True, language="en"
    )
    assert mail.outbox == []

    password_reset_send(
        email=csm_user.email.upper(), domain="junkan.example", use_https=True, language="ja"
    )

    (message,) = mail.outbox
    assert message.to == [csm_user.email]
    assert "パスワード" in message.subject
    assert re.search(r"https://junkan\.example/password/reset/[\w-]+/[\w-]+/", message.body)


def test_the_mailed_link_sets_a_new_password_once(client, csm_user):
    password_reset_send(email=csm_user.email, domain="testserver", use_https=False, language="en")
    link = re.search(r"http://testserver(/password/reset/\S+/)", mail.outbox[0].body).group(1)

    form_url = client.get(link)["Location"]  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response["Location"] == "/password/reset/complete/"
    csm_user.refresh_from_db()
    assert csm_user.check_password(NEW_PASSWORD)
    again = client.get(link, follow=True)
    assert "This link has expired or was already used" in again.content.decode()


def test_the_reset_pages_speak_japanese(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"

    page = client.get("/password/reset/").content.decode()

    assert "パスワードの再設定" in page


def test_the_sign_in_page_links_to_the_reset(client):
    assert 'href="/password/reset/"' in client.get("/login/").content.decode()


@pytest.mark.slow
def test_a_real_worker_sends_the_reset_mail_for_an_existing_address_only(transactional_db):
    """The reset crosses the task queue: a `celery worker` process looks the address up and
    hands the mail to an SMTP server."""
    import uuid

    from cs_platform.tasks import echo_tenant
    from tests.factories import TenantFactory, UserFactory
    from tests.smtp_sink import SmtpSink
    from tests.workers import solo_worker

    user = UserFactory(email="reset-me@example.com")
    sink = SmtpSink()
    try:
        with solo_worker(f"test-{uuid.uuid4().hex[:12]}", {"TEST_EMAIL_URL": sink.url}) as q:
            for email in ("nobody@example.com", user.email):
                password_reset_send.apply_async(
                    kwargs={
                        "email": email,
                        "domain": "junkan.example",
                        "use_https": True,
                        "language": "en",
                    },
                    queue=q,
                )
            # A solo worker runs its queue in order: once this returns, both mails are out.
            barrier = echo_tenant.apply_async(kwargs={"tenant_id": TenantFactory().pk}, queue=q)
            assert barrier.get(timeout=90)
    finally:
        sink.close()

    assert sink.count() == 1
