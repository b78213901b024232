"""A two-factor session's device comes with the signed-in user's read (cs_platform 0016,
`cs_platform.signin.middleware.OTPMiddleware`), not from a query of its own per request; and
every change to it still acts on the next request (#16)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cs_platform.selectors import user_get_signed_in
from cs_platform.signin.two_factor import SESSION_ENROLLED_KEY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def verified_client(user, device) -> Client:
    """A session that passed its second factor with `device` (as django_otp.login leaves it)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_ENROLLED_KEY] = True
    session.save()
    return client


def page(client, tenant) -> int:
    response = client.get(f"/t/{tenant.slug}/")
    if response.status_code == 302:
        assert response["Location"].startswith("/login/two-factor/?next="), response["Location"]
    return response.status_code


@pytest.mark.parametrize("model", [TOTPDevice, StaticDevice])
def test_a_verified_session_reads_no_device_of_its_own(csm_user, tenant, model):
    device = model.objects.create(user=csm_user, name="mine", confirmed=True)
    client = verified_client(csm_user, device)
    page(client, tenant)
    with CaptureQueriesContext(connection) as captured:
        assert page(client, tenant) == 200
    otp = [q["sql"] for q in captured if "otp_" in q["sql"]]
    assert otp == [], otp
    assert sum("junkan_signed_in_user(" in q["sql"] for q in captured) == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda device: device.delete(),
        lambda device: type(device).objects.filter(pk=device.pk).update(confirmed=False),
        lambda device: type(device).objects.filter(pk=device.pk).update(user=UserFactory()),
    ],
    ids=["removed", "unconfirmed", "given to another user"],
)
@pytest.mark.parametrize("model", [TOTPDevice, StaticDevice])
def test_a_change_to_the_sessions_device_acts_on_the_next_request(csm_user, tenant, model, change):
    device = model.objects.create(user=csm_user, name="mine", confirmed=True)
    client = verified_client(csm_user, device)
    assert page(client, tenant) == 200
    change(device)
    assert page(client, tenant) == 302  # to the code page
    assert DEVICE_ID_SESSION_KEY not in client.session  # as django-otp drops it


def test_a_session_naming_another_users_device_is_not_verified(csm_user, tenant):
    theirs = TOTPDevice.objects.create(user=UserFactory(), name="theirs", confirmed=True)
    TOTPDevice.objects.create(user=csm_user, name="mine", confirmed=True)
    client = verified_client(csm_user, theirs)
    assert page(client, tenant) == 302
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_device_of_a_kind_the_read_does_not_carry_is_read_as_django_otp_does(csm_user, tenant):
    device = TOTPDevice.objects.create(user=csm_user, name="mine", confirmed=True)
    client = verified_client(csm_user, device)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = f"otp_email.emaildevice/{device.pk}"  # not installed
    session.save()
    assert page(client, tenant) == 302
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_the_read_devices_are_the_orms(csm_user):
    totp = TOTPDevice.objects.create(user=csm_user, name="app", confirmed=True, drift=-1)
    static = StaticDevice.objects.create(user=csm_user, name="codes", confirmed=False)
    TOTPDevice.objects.create(user=UserFactory(), name="theirs", confirmed=True)

    read = user_get_signed_in(user_id=str(csm_user.pk)).otp_devices_read

    assert sorted(read) == sorted([totp.persistent_id, static.persistent_id])
    for device in (totp, static):
        orm = type(device).objects.get(pk=device.pk)
        mine = read[device.persistent_id]
        assert type(mine) is type(orm)
        fields = type(orm)._meta.concrete_fields
        assert [getattr(mine, f.attname) for f in fields] == [
            getattr(orm, f.attname) for f in fields
        ]
        assert not mine._state.adding
