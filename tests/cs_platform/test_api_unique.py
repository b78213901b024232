"""A value that must be unique in the tenant and is taken is an error on that field, in the
reader's language, never a message naming internal columns."""

from __future__ import annotations


def test_a_duplicate_external_id_is_a_field_error_naming_the_field(admin_api, tenant):
    first = admin_api.post("/api/v1/accounts/", {"name": "A", "external_id": "x-1"}, format="json")
    en = admin_api.post(
        "/api/v1/accounts/",
        {"name": "B", "external_id": "x-1"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    ja = admin_api.post(
        "/api/v1/accounts/",
        {"name": "B", "external_id": "x-1"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert first.status_code == 201
    assert en.status_code == ja.status_code == 409
    assert list(en.json()) == ["external_id"]
    assert "external id" in en.json()["external_id"][0].lower()
    assert "Tenant" not in en.json()["external_id"][0]
    assert "Tenant" not in ja.json()["external_id"][0]
    assert "外部ID" in ja.json()["external_id"][0]


def test_changing_another_field_keeps_the_own_external_id(admin_api, tenant):
    created = admin_api.post(
        "/api/v1/accounts/", {"name": "A", "external_id": "x-2"}, format="json"
    )
    pk = created.json()["id"]

    response = admin_api.patch(
        f"/api/v1/accounts/{pk}/", {"name": "A2", "external_id": "x-2"}, format="json"
    )

    assert response.status_code == 200
