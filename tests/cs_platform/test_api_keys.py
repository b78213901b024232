"""API keys: random, stored as SHA-256 only, shown once, revocable, issued by CLI, API and UI."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from cs_platform.models import ApiKey
from cs_platform.services import api_key_issue, api_key_revoke


def _key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def test_a_key_is_stored_as_its_sha256_only(tenant):
    issued = api_key_issue(tenant=tenant, name="etl", scope="read")

    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    assert stored.hashed_key == hashlib.sha256(issued.raw_key.encode()).hexdigest()
    assert issued.raw_key not in {stored.name, stored.prefix, stored.hashed_key}
    assert issued.raw_key.startswith(stored.prefix)


def test_keys_are_long_and_random(tenant):
    keys = {api_key_issue(tenant=tenant, name="k", scope="read").raw_key for _ in range(5)}

    assert len(keys) == 5
    assert all(len(k) >= 40 for k in keys)


def test_a_valid_key_authenticates_and_records_its_use(tenant):
    issued = api_key_issue(tenant=tenant, name="etl", scope="read")

    response = _key_client(issued.raw_key).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "email": None,
        "tenant": tenant.slug,
        "role": None,
        "api_key_scope": "read",
    }
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at is not None


def test_a_revoked_key_is_401(tenant):
    issued = api_key_issue(tenant=tenant, name="etl", scope="read")
    api_key_revoke(api_key=issued.api_key)

    response = _key_client(issued.raw_key).get("/api/v1/me/")

    assert response.status_code == 401
    assert "detail" in response.json()


def test_an_unknown_key_is_401(db):
    assert _key_client("jk_not-a-real-key").get("/api/v1/me/").status_code == 401


def test_create_api_key_prints_the_key_alone_on_the_last_line_and_it_works(tenant):
    out, err = io.StringIO(), io.StringIO()

    call_command("create_api_key", tenant=tenant.slug, scope="write", stdout=out, stderr=err)

    raw_key = out.getvalue().rstrip("\n").splitlines()[-1]
    assert raw_key.startswith("jk_") and " " not in raw_key
    assert ApiKey.objects.get(tenant=tenant).scope == "write"
    assert _key_client(raw_key).get("/api/v1/me/").json()["api_key_scope"] == "write"


def test_create_api_key_refuses_an_unknown_tenant(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_key", tenant="nope", scope="read", stdout=io.StringIO())


def test_the_api_returns_a_new_key_once_then_only_its_prefix(admin_api, tenant):
    created = admin_api.post("/api/v1/api-keys/", {"name": "etl", "scope": "ingest"})

    assert created.status_code == 201
    raw_key = created.json()["key"]
    listed = admin_api.get("/api/v1/api-keys/").json()["results"]
    assert [k["prefix"] for k in listed] == [raw_key[:10]]
    assert all(k.get("key") is None for k in listed)
    assert raw_key not in str(admin_api.get(f"/api/v1/api-keys/{listed[0]['id']}/").json())


def test_the_api_revokes_a_key(admin_api, tenant):
    issued = api_key_issue(tenant=tenant, name="etl", scope="read")

    response = admin_api.post(f"/api/v1/api-keys/{issued.api_key.pk}/revoke/")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert _key_client(issued.raw_key).get("/api/v1/me/").status_code == 401


def test_only_admins_manage_keys_through_the_api(csm_api):
    assert csm_api.get("/api/v1/api-keys/").status_code == 403
    assert csm_api.post("/api/v1/api-keys/", {"name": "x", "scope": "read"}).status_code == 403


def test_the_keys_page_issues_a_key_and_shows_it_once(client, admin_user, tenant):
    client.force_login(admin_user)

    page = client.post("/t/acme/settings/api-keys/", {"name": "etl", "scope": "read"})

    assert page.status_code == 200
    raw_key = page.context["new_key"]
    assert raw_key.encode() in page.content
    assert _key_client(raw_key).get("/api/v1/me/").status_code == 200
    assert raw_key.encode() not in client.get("/t/acme/settings/api-keys/").content


def test_the_keys_page_revokes_a_key(client, admin_user, tenant):
    issued = api_key_issue(tenant=tenant, name="etl", scope="read")
    client.force_login(admin_user)

    response = client.post(f"/t/acme/settings/api-keys/{issued.api_key.pk}/revoke/")

    assert response.status_code == 302
    assert _key_client(issued.raw_key).get("/api/v1/me/").status_code == 401


def test_the_keys_page_cannot_revoke_another_tenants_key(client, admin_user, other_tenant):
    theirs = api_key_issue(tenant=other_tenant, name="theirs", scope="read")
    client.force_login(admin_user)

    response = client.post(f"/t/acme/settings/api-keys/{theirs.api_key.pk}/revoke/")

    assert response.status_code == 404
    assert _key_client(theirs.raw_key).get("/api/v1/me/").status_code == 200


def test_the_keys_page_is_for_admins_only(client, csm_user):
    client.force_login(csm_user)

    assert client.get("/t/acme/settings/api-keys/").status_code == 403


def test_a_403_for_a_keys_scope_names_the_scope_needed(tenant):
    def client(scope: str) -> APIClient:
        api = APIClient()
        raw = api_key_issue(tenant=tenant, name=scope, scope=scope).raw_key
        api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        return api

    write = client("read").post("/api/v1/accounts/", {"name": "x"}, format="json")
    read = client("ingest").get("/api/v1/accounts/")
    admin = client("write").get("/api/v1/webhooks/endpoints/")

    assert write.status_code == read.status_code == admin.status_code == 403
    assert write.json()["detail"] == "Writing needs a `write` key; this key's scope is `read`."
    assert read.json()["detail"].startswith("Reading needs a `read` or `write` key;")
    assert "`ingest`" in read.json()["detail"]
    assert "signed-in admin" in admin.json()["detail"]


def test_an_authorization_header_of_another_kind_is_a_401_that_says_how(db):
    response = APIClient().get("/api/v1/accounts/", HTTP_AUTHORIZATION="Bearer abc")

    assert response.status_code == 401
    assert "Api-Key" in response.json()["detail"]
