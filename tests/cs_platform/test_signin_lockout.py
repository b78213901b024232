"""Sign-in lockout (django-axes): per account and per IP, on /login/ and /admin/, with an unlock."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed

from cs_platform.models import Role
from tests.factories import MembershipFactory, UserFactory

PASSWORD = "pw-for-tests-1"
LIMIT = settings.AXES_FAILURE_LIMIT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def sign_in(client, email: str, password: str, ip: str = "198.51.100.1", path: str = "/login/"):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=ip)


def fail(client, email: str, times: int, ip: str | None = None) -> None:
    for n in range(times):
        response = sign_in(client, email, "wrong", ip=ip or f"198.51.100.{100 + n}")
        # The form again with its error; the failure that reaches the limit answers the lock.
        assert response.status_code == (429 if n + 1 >= LIMIT else 200)


def test_repeated_failures_lock_the_account_even_from_new_addresses(client, csm_user):
    fail(client, csm_user.email, LIMIT)  # each from another IP: only the account counts

    locked = sign_in(client, csm_user.email, PASSWORD, ip="203.0.113.7")

    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert "Sign-in is locked for now" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_counts_the_address_as_typed_in_any_case(client, csm_user):
    fail(client, csm_user.email.upper(), LIMIT)

    assert sign_in(client, csm_user.email, PASSWORD).status_code == 429


def test_failures_below_the_limit_do_not_lock_and_success_resets_them(client, csm_user):
    fail(client, csm_user.email, LIMIT - 1)
    assert sign_in(client, csm_user.email, PASSWORD).status_code == 302
    client.logout()

    fail(client, csm_user.email, LIMIT - 1)
    assert sign_in(client, csm_user.email, PASSWORD).status_code == 302


def test_repeated_failures_from_one_address_lock_that_address_for_everyone(client, csm_user):
    for n in range(LIMIT):
        sign_in(client, f"guess{n}@example.com", "wrong", ip="192.0.2.66")

    assert sign_in(client, csm_user.email, PASSWORD, ip="192.0.2.66").status_code == 429
    assert sign_in(client, csm_user.email, PASSWORD, ip="192.0.2.67").status_code == 302


def test_the_lockout_message_speaks_japanese(client, csm_user):
    fail(client, csm_user.email, LIMIT)

    locked = client.post(
        "/login/",
        {"username": csm_user.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.8",
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert locked.status_code == 429
    assert "ロック" in locked.content.decode()


def test_the_admin_site_sign_in_locks_out_too(client, db):
    staff = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    for n in range(LIMIT):
        sign_in(client, staff.email, "wrong", ip=f"198.51.100.{n}", path="/admin/login/")

    locked = sign_in(client, staff.email, PASSWORD, ip="203.0.113.9", path="/admin/login/")

    assert locked.status_code == 429


def test_user_login_failed_still_fires_for_every_refused_attempt(client, csm_user):
    """The audit log records failures from this signal; the lockout must not swallow it."""
    seen: list[str] = []

    def receiver(sender, credentials, request=None, **kwargs):
        seen.append(credentials["username"])

    user_login_failed.connect(receiver)
    try:
        fail(client, csm_user.email, LIMIT)
        sign_in(client, csm_user.email, PASSWORD, ip="203.0.113.10")  # refused: locked
    finally:
        user_login_failed.disconnect(receiver)

    assert len(seen) == LIMIT + 1


def test_a_tenant_admin_lifts_a_members_lock(client, admin_user, csm_user, tenant):
    fail(client, csm_user.email, LIMIT)
    client.force_login(admin_user)

    page = client.get(f"/t/{tenant.slug}/settings/sign-in-locks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert csm_user.email in html
    # the page's title is its name only (the two-factor form once sat in the title block too)
    assert re.search(r"<title>([^<]*)</title>", html)[1].startswith("Sign-in locks · ")
    assert html.count('name="require"') == 1

    client.post(f"/t/{tenant.slug}/settings/sign-in-locks/", {"email": csm_user.email})
    client.logout()

    assert sign_in(client, csm_user.email, PASSWORD, ip="203.0.113.11").status_code == 302


def test_a_tenant_admin_cannot_unlock_someone_outside_the_workspace(
    client, admin_user, outsider, tenant
):
    fail(client, outsider.email, LIMIT)
    client.force_login(admin_user)

    page = client.get(f"/t/{tenant.slug}/settings/sign-in-locks/")
    assert outsider.email not in page.content.decode()
    response = client.post(
        f"/t/{tenant.slug}/settings/sign-in-locks/", {"email": outsider.email}, follow=True
    )

    assert "No member of this workspace" in response.content.decode()
    assert AccessAttempt.objects.filter(username=outsider.email).exists()


def test_only_admins_see_the_sign_in_locks(client, tenant):
    manager = UserFactory(email="mgr-locks@example.com")
    MembershipFactory(tenant=tenant, user=manager, role=Role.CS_MANAGER)
    client.force_login(manager)

    assert client.get(f"/t/{tenant.slug}/settings/sign-in-locks/").status_code == 403


def test_django_admin_lists_the_attempts_to_delete(client, csm_user):
    fail(client, csm_user.email, 1)
    staff = UserFactory(email="root2@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)

    page = client.get("/admin/axes/accessattempt/")

    assert page.status_code == 200
    assert csm_user.email in page.content.decode()
