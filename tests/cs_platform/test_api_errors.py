"""API errors are JSON with a message, never an HTML page."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import Account
from cs_platform.api.views import MeView
from cs_platform.scoping import tenant_scope


def _is_json(response) -> bool:
    return response["Content-Type"].startswith("application/json") and "detail" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/no-such-endpoint/", "/segment/v1/no-such-call"])
def test_an_unknown_api_path_is_a_json_404(admin_api, path):
    response = admin_api.get(path)

    assert response.status_code == 404
    assert _is_json(response)


def test_an_unknown_object_is_a_json_404(admin_api):
    response = admin_api.get("/api/v1/api-keys/999999/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_bad_input_is_a_json_400_with_field_errors(admin_api):
    response = admin_api.post("/api/v1/api-keys/", {"name": "", "scope": "everything"})

    assert response.status_code == 400
    assert set(response.json()) >= {"name", "scope"}


def test_a_too_low_role_is_a_json_403(csm_api):
    response = csm_api.get("/api/v1/api-keys/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_crash_in_an_api_view_is_a_json_500(admin_user, tenant, monkeypatch):
    def crash(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(MeView, "get", crash)
    client = APIClient(raise_request_exception=False)
    client.force_login(admin_user)

    response = client.get("/api/v1/me/", HTTP_X_TENANT=tenant.slug)

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}


def test_an_error_outside_the_api_is_still_an_html_page(client, admin_user):
    client.force_login(admin_user)

    response = client.get("/t/acme/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_me_tells_the_user_their_tenant_and_role(admin_api, admin_user, tenant):
    assert admin_api.get("/api/v1/me/").json() == {
        "email": admin_user.email,
        "tenant": tenant.slug,
        "role": "admin",
        "api_key_scope": None,
    }


def test_me_is_401_without_credentials(db):
    response = APIClient().get("/api/v1/me/")

    assert response.status_code == 401
    assert _is_json(response)


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_the_openapi_schema_and_docs_are_served(admin_api, path):
    assert admin_api.get(path).status_code == 200


def test_a_json_body_over_djangos_upload_cap_is_a_json_413_and_stores_nothing(admin_api, tenant):
    with tenant_scope(tenant):
        before = Account.objects.count()
    response = admin_api.post("/api/v1/accounts/", {"name": "x" * (3 * 1024 * 1024)}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in response.json()["detail"]
    with tenant_scope(tenant):
        assert Account.objects.count() == before
