"""Two-factor sign-in (TOTP, django-otp) with real codes: enrolment, sign-in, recovery codes,
and the tenant setting that requires it of admins."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cs_platform.scoping import tenant_scope
from cs_platform.signin.two_factor import two_factor_begin, two_factor_confirm
from tests.content.factories import (
    ArticleFactory,
    ArticleImageFactory,
    ArticleTranslationFactory,
    SectionFactory,
)

PASSWORD = "pw-for-tests-1"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client) -> None:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def code_for(device: TOTPDevice) -> str:
    """What the user's authenticator app shows now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def later(seconds: int = 31):
    """Half a minute on: the app shows the next code (a code is accepted only once)."""
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True)


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    two_factor_begin(user=user)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    result = two_factor_confirm(user=user, token=code_for(device))
    assert result is not None
    return result


def sign_in(client, user):
    return client.post("/login/", {"username": user.email, "password": PASSWORD})


def test_enrolment_shows_a_qr_code_and_takes_a_real_code(client, csm_user):
    client.force_login(csm_user)
    page = client.get("/account/two-factor/").content.decode()
    assert "<svg" in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=csm_user, confirmed=False)
    assert len(secret) >= 32

    wrong = client.post("/account/two-factor/", {"action": "confirm", "code": "000000"})
    assert "That code is not valid" in wrong.content.decode()

    with later(2):  # a wrong code makes the device wait a second (brute-force throttle)
        done = client.post("/account/two-factor/", {"action": "confirm", "code": code_for(device)})

    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=csm_user).count() == 10


def test_with_two_factor_on_the_password_alone_reaches_only_the_code_page(client, csm_user, tenant):
    device, _ = enrolled(csm_user)

    response = sign_in(client, csm_user)
    dashboard = client.get(f"/t/{tenant.slug}/")

    assert response.status_code == 302
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith("/login/two-factor/?next=")
    api = client.get("/api/v1/accounts/", HTTP_X_TENANT=tenant.slug)
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"

    with later():
        verified = client.post(
            "/login/two-factor/", {"code": code_for(device), "next": f"/t/{tenant.slug}/"}
        )
        assert verified["Location"] == f"/t/{tenant.slug}/"
        assert client.get(f"/t/{tenant.slug}/").status_code == 200


def test_a_code_is_accepted_only_once(client, csm_user):
    device, _ = enrolled(csm_user)
    sign_in(client, csm_user)

    # The code that confirmed the enrolment cannot sign in again (replay).
    replay = client.post("/login/two-factor/", {"code": code_for(device)})

    assert replay.status_code == 200
    assert "That code is not valid" in replay.content.decode()


def test_a_recovery_code_signs_in_once(client, csm_user, tenant):
    _, codes = enrolled(csm_user)
    sign_in(client, csm_user)

    assert client.post("/login/two-factor/", {"code": codes[0]}).status_code == 302
    assert client.get(f"/t/{tenant.slug}/").status_code == 200
    client.logout()
    sign_in(client, csm_user)
    assert client.post("/login/two-factor/", {"code": codes[0]}).status_code == 200
    assert StaticToken.objects.filter(device__user=csm_user).count() == 9


def test_members_without_two_factor_sign_in_as_before(client, csm_user, tenant):
    sign_in(client, csm_user)

    assert client.get(f"/t/{tenant.slug}/").status_code == 200


def test_a_tenant_that_requires_it_sends_its_admins_to_enrolment(
    client, admin_user, csm_user, tenant
):
    client.force_login(admin_user)
    client.post(f"/t/{tenant.slug}/settings/security/", {"require": "on"})
    tenant.refresh_from_db()
    assert tenant.require_admin_two_factor

    gated = client.get(f"/t/{tenant.slug}/accounts/")
    assert gated["Location"].startswith("/account/two-factor/?next=")
    page = client.get("/account/two-factor/").content.decode()
    assert "requires two-factor sign-in" in page

    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    client.post("/account/two-factor/", {"action": "confirm", "code": code_for(device)})
    assert client.get(f"/t/{tenant.slug}/accounts/").status_code == 200

    # Required: the admin cannot turn it off; a CSM of the tenant is not asked at all.
    client.post("/account/two-factor/", {"action": "disable"})
    assert TOTPDevice.objects.filter(user=admin_user, confirmed=True).exists()
    client.force_login(csm_user)
    assert client.get(f"/t/{tenant.slug}/accounts/").status_code == 200


def test_only_an_admin_changes_the_requirement(client, manager_user, tenant):
    client.force_login(manager_user)

    assert client.post(f"/t/{tenant.slug}/settings/security/", {"require": "on"}).status_code == 403
    tenant.refresh_from_db()
    assert not tenant.require_admin_two_factor


def test_turning_it_off_needs_a_verified_session_and_then_works(client, csm_user):
    device, _ = enrolled(csm_user)
    sign_in(client, csm_user)
    client.post("/account/two-factor/", {"action": "disable"})  # not verified yet: ignored
    assert TOTPDevice.objects.filter(user=csm_user, confirmed=True).exists()

    with later():
        client.post("/login/two-factor/", {"code": code_for(device)})
        client.post("/account/two-factor/", {"action": "disable"})

    assert not TOTPDevice.objects.filter(user=csm_user).exists()


def test_the_code_page_speaks_japanese(client, csm_user):
    enrolled(csm_user)
    sign_in(client, csm_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"

    assert "二段階" in client.get("/login/two-factor/").content.decode()


def test_the_api_refuses_an_unenrolled_admin_of_a_tenant_that_requires_it(
    admin_api, csm_api, tenant
):
    tenant.require_admin_two_factor = True
    tenant.save()

    refused = admin_api.get("/api/v1/accounts/")

    assert refused.status_code == 403
    assert "two-factor" in refused.json()["detail"]
    assert csm_api.get("/api/v1/accounts/").status_code == 200


def test_the_password_alone_reads_the_public_site_as_anyone_does_and_no_draft(
    client, csm_user, tenant
):
    """The public site's pages are marked as not reading the staff user: the gate lets them
    through (an anonymous visitor gets the same page); the image view, which shows members
    drafts' images, still stops an unverified session."""
    with tenant_scope(tenant):
        section = SectionFactory(key="get-started")
        ArticleTranslationFactory(
            article=ArticleFactory(section=section, slug="start"), language="en", title="Start"
        )
        draft_image = ArticleImageFactory(article=ArticleFactory(status="draft"))
    enrolled(csm_user)
    sign_in(client, csm_user)

    assert client.get(f"/learn/{tenant.slug}/a/start/").status_code == 200
    image = client.get(f"/learn/{tenant.slug}/images/{draft_image.pk}/")
    assert image.status_code == 302
    assert image["Location"].startswith("/login/two-factor/?next=")
