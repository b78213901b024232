"""POST /segment/v1/<call>: Segment's HTTP Tracking API mapped onto contacts, accounts and
usage events."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Account, Contact
from cs_platform.models import ApiKeyScope
from cs_platform.scoping import tenant_scope
from cs_platform.services import api_key_issue
from healthscore.models import UsageEvent
from tests.factories import AccountFactory
from tracking.models import RejectedMessage, TrackedUser
from tracking.services import tracking_settings_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.HEALTH_INGEST_THROTTLE_RATE = None


@pytest.fixture
def write_key(tenant):
    return api_key_issue(tenant=tenant, name="segment", scope=ApiKeyScope.INGEST).raw_key


@pytest.fixture
def account(scoped):
    return AccountFactory(external_id="org-1", name="Org One")


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def post(call, payload, key=None, *, body=None, **headers):
    client = Client()
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = basic(key)
    return client.post(
        f"/segment/v1/{call}",
        data=body if body is not None else json.dumps(payload),
        content_type="application/json",
        **headers,
    )


def now_iso(offset_seconds: int = 0) -> str:
    return (timezone.now() + dt.timedelta(seconds=offset_seconds)).isoformat()


def events(tenant):
    with tenant_scope(tenant):
        return list(UsageEvent.objects.order_by("occurred_at", "event"))


def rejections(tenant):
    with tenant_scope(tenant):
        return list(RejectedMessage.objects.order_by("id").values_list("code", flat=True))


# --- authentication and request limits ---------------------------------------------------------


def test_track_with_basic_write_key_stores_an_event_of_the_group(tenant, write_key, account):
    response = post(
        "track",
        {
            "userId": "u1",
            "event": "Report Viewed",
            "context": {"groupId": "org-1"},
            "messageId": "m-1",
            "timestamp": now_iso(),
            "properties": {"plan": "pro"},
        },
        write_key,
    )
    assert response.status_code == 200
    assert response.json() == {"success": True}
    [event] = events(tenant)
    assert (event.account_id, event.event, event.contact_key) == (account.pk, "Report Viewed", "u1")
    assert event.properties == {"plan": "pro"}
    assert event.idempotency_key == "m-1"


def test_write_key_in_the_body_is_accepted(tenant, write_key, account):
    response = post(
        "track",
        {"writeKey": write_key, "userId": "u1", "event": "Login", "context": {"groupId": "org-1"}},
    )
    assert response.status_code == 200
    assert len(events(tenant)) == 1


def test_no_write_key_is_401_and_stores_nothing(tenant, account):
    response = post("track", {"userId": "u1", "event": "Login", "context": {"groupId": "org-1"}})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert events(tenant) == []


def test_malformed_basic_credentials_are_401_with_a_message(tenant, account):
    response = post("track", {"event": "Login"}, HTTP_AUTHORIZATION="Basic %%%not-base64")
    assert response.status_code == 401
    assert "Malformed Basic credentials" in response.json()["detail"]


def test_unknown_write_key_is_401(tenant, account):
    response = post("track", {"event": "Login"}, "not-a-key")
    assert response.status_code == 401


def test_a_read_key_cannot_send(tenant, account):
    read_key = api_key_issue(tenant=tenant, name="r", scope=ApiKeyScope.READ).raw_key
    response = post("track", {"userId": "u1", "event": "Login"}, read_key)
    assert response.status_code == 403


def test_gzip_body_is_decoded(tenant, write_key, account):
    body = gzip.compress(
        json.dumps(
            {
                "batch": [
                    {
                        "type": "track",
                        "userId": "u1",
                        "event": "Login",
                        "context": {"groupId": "org-1"},
                        "messageId": f"g-{i}",
                    }
                    for i in range(3)
                ]
            }
        ).encode()
    )
    response = post("batch", None, write_key, body=body, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 200
    assert len(events(tenant)) == 3


def test_a_body_that_is_not_gzip_is_400(tenant, write_key):
    response = post("batch", None, write_key, body=b"plain", HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 400
    assert "gzip" in response.json()["detail"]


def test_malformed_json_is_400(tenant, write_key):
    response = post("batch", None, write_key, body=b"{not json")
    assert response.status_code == 400


def test_a_message_over_32_kb_is_400(tenant, write_key, account):
    big = {
        "userId": "u1",
        "event": "Big",
        "context": {"groupId": "org-1"},
        "properties": {"blob": "x" * (33 * 1024)},
    }
    assert post("track", big, write_key).status_code == 400
    batch = {"batch": [{**big, "type": "track"}]}
    response = post("batch", batch, write_key)
    assert response.status_code == 400
    assert "32 KB" in response.json()["detail"]
    assert events(tenant) == []


def test_a_batch_over_500_kb_is_400_even_gzipped(tenant, write_key, account):
    messages = [
        {
            "type": "track",
            "userId": "u1",
            "event": "Login",
            "context": {"groupId": "org-1"},
            "properties": {"pad": "y" * 20_000},
        }
        for _ in range(30)
    ]
    body = json.dumps({"batch": messages}).encode()
    assert len(body) > 500 * 1024
    assert post("batch", None, write_key, body=body).status_code == 400
    zipped = post("batch", None, write_key, body=gzip.compress(body), HTTP_CONTENT_ENCODING="gzip")
    assert zipped.status_code == 400
    assert events(tenant) == []


def test_unknown_call_path_is_404(tenant, write_key):
    assert post("purchase", {}, write_key).status_code == 404


# --- de-duplication and time -------------------------------------------------------------------


def test_the_same_message_id_resent_is_stored_once(tenant, write_key, account):
    message = {
        "type": "track",
        "userId": "u1",
        "event": "Login",
        "context": {"groupId": "org-1"},
        "messageId": "dup-1",
        "timestamp": now_iso(),
    }
    assert post("batch", {"batch": [message, message]}, write_key).status_code == 200
    assert post("track", message, write_key).status_code == 200
    assert len(events(tenant)) == 1


def test_clock_skew_is_corrected_with_sent_at(tenant, write_key, account):
    # The device's clock is two hours fast: it stamped the call 10 s before it sent the batch.
    device_now = timezone.now() + dt.timedelta(hours=2)
    batch = {
        "sentAt": device_now.isoformat(),
        "batch": [
            {
                "type": "track",
                "userId": "u1",
                "event": "Login",
                "context": {"groupId": "org-1"},
                "originalTimestamp": (device_now - dt.timedelta(seconds=10)).isoformat(),
            }
        ],
    }
    before = timezone.now()
    assert post("batch", batch, write_key).status_code == 200
    [event] = events(tenant)
    expected = before - dt.timedelta(seconds=10)
    assert abs((event.occurred_at - expected).total_seconds()) < 2


def test_without_sent_at_the_timestamp_is_taken_as_sent(tenant, write_key, account):
    stamp = timezone.now() - dt.timedelta(days=2)
    post(
        "track",
        {
            "userId": "u1",
            "event": "Login",
            "context": {"groupId": "org-1"},
            "timestamp": stamp.isoformat(),
        },
        write_key,
    )
    assert events(tenant)[0].occurred_at == stamp


def test_a_bad_timestamp_is_a_listed_rejection(tenant, write_key, account):
    post(
        "track",
        {
            "userId": "u1",
            "event": "Login",
            "context": {"groupId": "org-1"},
            "timestamp": "yesterday",
        },
        write_key,
    )
    assert events(tenant) == []
    assert rejections(tenant) == ["bad_timestamp"]


# --- identify, group, alias --------------------------------------------------------------------


def test_identify_then_group_makes_the_contact_of_the_account(tenant, write_key, account):
    post(
        "identify",
        {
            "userId": "u1",
            "traits": {
                "name": "山田 花子",
                "email": "hanako@example.jp",
                "title": "CTO",
                "language": "ja",
            },
        },
        write_key,
    )
    with tenant_scope(tenant):
        assert not Contact.objects.filter(external_id="u1").exists()
        assert TrackedUser.objects.get(user_id="u1").traits["email"] == "hanako@example.jp"
    post("group", {"userId": "u1", "groupId": "org-1", "traits": {"seats": 40}}, write_key)
    with tenant_scope(tenant):
        contact = Contact.objects.get(external_id="u1")
        assert (
            contact.account_id,
            contact.name,
            contact.email,
            contact.title,
            contact.language,
        ) == (account.pk, "山田 花子", "hanako@example.jp", "CTO", "ja")
        assert Account.objects.get(pk=account.pk).licensed_seats == 40


def test_identify_of_a_member_updates_the_contact(tenant, write_key, account):
    post("group", {"userId": "u1", "groupId": "org-1"}, write_key)
    post(
        "identify",
        {
            "userId": "u1",
            "traits": {"firstName": "Ken", "lastName": "Sato"},
            "timestamp": now_iso(-5),
        },
        write_key,
    )
    with tenant_scope(tenant):
        assert Contact.objects.get(external_id="u1").name == "Ken Sato"


def test_an_older_identify_does_not_overwrite_newer_traits(tenant, write_key, account):
    post(
        "identify",
        {"userId": "u1", "traits": {"title": "CEO"}, "timestamp": now_iso(-10)},
        write_key,
    )
    post(
        "identify",
        {"userId": "u1", "traits": {"title": "Intern"}, "timestamp": now_iso(-60)},
        write_key,
    )
    with tenant_scope(tenant):
        assert TrackedUser.objects.get(user_id="u1").traits["title"] == "CEO"


def test_identify_with_an_invalid_email_is_rejected_with_the_reason(tenant, write_key, account):
    post(
        "identify",
        {"userId": "u1", "traits": {"email": "not-an-address"}, "context": {"groupId": "org-1"}},
        write_key,
    )
    with tenant_scope(tenant):
        rejected = RejectedMessage.objects.get()
        assert rejected.code == "invalid_traits"
        assert "email" in rejected.reason
        assert not Contact.objects.filter(external_id="u1").exists()


def test_group_for_an_unknown_account_is_rejected_by_default(tenant, write_key, scoped):
    post(
        "group",
        {"userId": "u1", "groupId": "new-org", "traits": {"name": "New"}, "messageId": "g-1"},
        write_key,
    )
    assert not Account.objects.filter(external_id="new-org").exists()
    rejected = RejectedMessage.objects.get()
    assert (rejected.code, rejected.call, rejected.message_id) == (
        "unknown_account",
        "group",
        "g-1",
    )


def test_group_creates_unknown_accounts_when_the_tenant_says_so(tenant, write_key, scoped):
    tracking_settings_update(create_unknown_accounts=True)
    post(
        "group",
        {
            "userId": "u1",
            "groupId": "new-org",
            "traits": {
                "name": "ニュー株式会社",
                "industry": "SaaS",
                "employees": 120,
                "website": "https://new.example.jp/",
            },
        },
        write_key,
    )
    account = Account.objects.get(external_id="new-org")
    assert (account.name, account.industry, account.employee_count, account.domain) == (
        "ニュー株式会社",
        "SaaS",
        120,
        "new.example.jp",
    )
    assert Contact.objects.get(external_id="u1").account == account


def test_track_without_group_context_counts_for_the_users_group(tenant, write_key, account):
    batch = {
        "batch": [
            {"type": "group", "userId": "u1", "groupId": "org-1"},
            {"type": "track", "userId": "u1", "event": "Login"},
            {"type": "page", "userId": "u1", "name": "Reports", "properties": {"path": "/r"}},
            {"type": "screen", "userId": "u1"},
        ]
    }
    assert post("batch", batch, write_key).status_code == 200
    stored = events(tenant)
    assert sorted(e.event for e in stored) == ["Loaded a Screen", "Login", "Viewed Reports Page"]
    assert {e.account_id for e in stored} == {account.pk}
    page = next(e for e in stored if e.event == "Viewed Reports Page")
    assert page.properties == {"path": "/r", "name": "Reports"}


def test_events_of_users_without_a_group_are_rejected_and_listed(tenant, write_key, account):
    batch = {
        "batch": [
            {"type": "track", "userId": "stranger", "event": "Login", "messageId": "t-1"},
            {"type": "track", "anonymousId": "anon", "event": "Login"},
            {"type": "track", "userId": "u1", "context": {"groupId": "org-1"}},
            {"type": "track", "userId": "u1", "event": "Login", "context": {"groupId": "nope"}},
            {"type": "purchase", "userId": "u1"},
            "not an object",
        ]
    }
    assert post("batch", batch, write_key).status_code == 200
    assert events(tenant) == []
    assert rejections(tenant) == [
        "unknown_account",
        "unknown_account",
        "missing_event",
        "unknown_account",
        "bad_type",
        "bad_type",
    ]


def test_alias_renames_the_user_and_the_contact(tenant, write_key, account):
    post("group", {"userId": "anon-7", "groupId": "org-1"}, write_key)
    post("alias", {"previousId": "anon-7", "userId": "u7"}, write_key)
    with tenant_scope(tenant):
        assert Contact.objects.get(external_id="u7").account == account
        assert TrackedUser.objects.filter(user_id="u7").exists()
        assert not TrackedUser.objects.filter(user_id="anon-7").exists()


def test_a_key_of_another_tenant_writes_to_its_own_tenant_only(tenant, other_tenant, account):
    with tenant_scope(other_tenant):
        AccountFactory(external_id="org-1")
    other_key = api_key_issue(tenant=other_tenant, name="s", scope=ApiKeyScope.INGEST).raw_key
    post("track", {"userId": "u1", "event": "Login", "context": {"groupId": "org-1"}}, other_key)
    assert events(tenant) == []
    assert len(events(other_tenant)) == 1


# --- the API-keys page -------------------------------------------------------------------------


def test_rejections_are_counted_and_listed_on_the_api_keys_page(
    tenant, write_key, account, admin_user
):
    post("track", {"userId": "stranger", "event": "Login", "messageId": "lost-1"}, write_key)
    client = Client()
    client.force_login(admin_user)
    page = client.get("/t/acme/settings/api-keys/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert "1 message rejected in the last 30 days" in text
    assert "lost-1" in text and "unknown_account" in text


def test_admin_turns_on_account_creation_from_the_api_keys_page(tenant, admin_user, scoped):
    client = Client()
    client.force_login(admin_user)
    response = client.post("/t/acme/tracking/settings/", {"create_unknown_accounts": "on"})
    assert response.status_code == 302
    from tracking.selectors import tracking_settings_get

    assert tracking_settings_get().create_unknown_accounts is True


def test_a_csm_cannot_change_tracking_settings(tenant, csm_user):
    client = Client()
    client.force_login(csm_user)
    response = client.post("/t/acme/tracking/settings/", {"create_unknown_accounts": "on"})
    assert response.status_code == 403


def test_identify_phone_trait_fills_the_contacts_phone(tenant, write_key, account):
    post(
        "identify",
        {
            "userId": "u1",
            "traits": {"name": "山田 花子", "phone": "０９０－１２３４－５６７８"},
            "context": {"groupId": "org-1"},
        },
        write_key,
    )
    with tenant_scope(tenant):
        assert Contact.objects.get(external_id="u1").phone == "090-1234-5678"


def test_identify_with_an_invalid_phone_is_rejected_with_the_reason(tenant, write_key, account):
    post(
        "identify",
        {"userId": "u1", "traits": {"phone": "call me"}, "context": {"groupId": "org-1"}},
        write_key,
    )
    with tenant_scope(tenant):
        rejected = RejectedMessage.objects.get()
        assert (rejected.code, "phone" in rejected.reason) == ("invalid_traits", True)
        assert not Contact.objects.filter(external_id="u1").exists()
