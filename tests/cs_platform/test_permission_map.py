"""One permission map for the pages and the API (cs_platform.permissions).

The walkers discover every staff page and every API action from the URL resolver, so a new view
is covered by itself: it fails here until its action is declared in an app's permissions.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.routers import APIRootView

from cs_platform.models import ROLE_RANK, ApiKey, ApiKeyScope, Role
from cs_platform.permissions import (
    READ_KEY_ADMIN_READS,
    api_action,
    page_actions,
    permission_map,
    role_allows,
)
from tests.conftest import api_key_client
from tests.factories import ContactFactory

ROLES = list(ROLE_RANK)
WRITE_METHODS = ("post", "put", "patch", "delete")


def _walk(
    patterns: list, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, URLPattern, str]]:
    """(route, pattern, "namespace:name") of every URL pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield prefix + str(pattern.pattern), pattern, f"{namespace}{pattern.name}"


@dataclass(frozen=True)
class ApiEndpoint:
    route: str
    view_class: type
    method: str
    action: str | None  # the viewset action; None for a plain APIView

    def __str__(self) -> str:
        name = self.view_class.__name__
        if self.action:
            name = f"{name}.{self.action}"
        return f"{self.method.upper()} {name}"

    def view(self) -> Any:
        view = self.view_class()
        view.action = self.action
        if self.action is None:
            del view.action
        return view


def page_views() -> list[tuple[str, Any]]:
    """Every staff page: the routes under /t/<tenant_slug>/."""
    return [
        (name, pattern.callback)
        for route, pattern, name in _walk(get_resolver().url_patterns)
        if route.startswith("t/<slug:tenant_slug>/")
    ]


def api_endpoints() -> list[ApiEndpoint]:
    found: dict[tuple[type, str, str | None], ApiEndpoint] = {}
    for route, pattern, _ in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        view_class = getattr(pattern.callback, "cls", None)
        if view_class is None or view_class is APIRootView:
            continue
        actions = getattr(pattern.callback, "actions", None)
        if actions:
            pairs = list(actions.items())
        else:
            pairs = [
                (method, None) for method in ("get", *WRITE_METHODS) if hasattr(view_class, method)
            ]
        for method, action in pairs:
            key = (view_class, method, action)
            found.setdefault(key, ApiEndpoint(route, view_class, method, action))
    return list(found.values())


def _api_request(method: str, role: str | None, key_scope: str | None = None) -> Any:
    django_request = SimpleNamespace(
        tenant=object(), membership=SimpleNamespace(role=role) if role else None
    )
    auth = ApiKey(scope=key_scope) if key_scope else None
    return SimpleNamespace(
        method=method.upper(),
        user=SimpleNamespace(is_authenticated=True),
        auth=auth,
        _request=django_request,
    )


def _api_allows(endpoint: ApiEndpoint, role: str | None, key_scope: str | None = None) -> bool:
    view = endpoint.view()
    view.request = None
    view.format_kwarg = None
    request = _api_request(endpoint.method, role, key_scope)
    view.kwargs = {}
    return all(p.has_permission(request, view) for p in view.get_permissions())


# --- every page and every API action declares its role ----------------------------------------


def test_every_staff_page_names_a_declared_action() -> None:
    declared = permission_map()
    missing = []
    for name, view in page_views():
        read, write = page_actions(view)
        if read not in declared or (write is not None and write not in declared):
            missing.append(name)
    assert not missing, f"Staff pages without a declared action (role_required): {missing}"
    assert len(page_views()) > 100


def test_every_api_action_names_a_declared_action() -> None:
    declared = permission_map()
    missing = []
    for endpoint in api_endpoints():
        if getattr(endpoint.view_class, "ingest_endpoint", False):
            continue  # ingest keys only; no member role applies
        action = api_action(endpoint.view(), endpoint.method)
        if action not in declared:
            missing.append(f"{endpoint} → {action}")
    assert not missing, f"API actions without a declared role: {missing}"
    assert len(api_endpoints()) > 150


def test_every_declared_action_is_used_by_a_page_or_the_api() -> None:
    used = {a for _, view in page_views() for a in page_actions(view) if a}
    used |= {
        api_action(e.view(), e.method)
        for e in api_endpoints()
        if not getattr(e.view_class, "ingest_endpoint", False)
    }
    assert set(permission_map()) - used == set()


# --- the API enforces exactly what the map says ------------------------------------------------


def test_api_permission_for_every_role_matches_the_map() -> None:
    """Walks every API action for every role: the answer is the map's, so a view that brings
    its own permission class or role attribute disagreeing with the map fails here."""
    wrong = []
    for endpoint in api_endpoints():
        if getattr(endpoint.view_class, "ingest_endpoint", False):
            continue
        action = api_action(endpoint.view(), endpoint.method)
        for role in ROLES:
            if _api_allows(endpoint, role) != role_allows(role, action):
                wrong.append(f"{endpoint} as {role} (map: {action})")
    assert not wrong, wrong


def test_api_keys_respect_the_read_role_and_stay_below_admin() -> None:
    wrong = []
    for endpoint in api_endpoints():
        if getattr(endpoint.view_class, "ingest_endpoint", False):
            continue
        action = api_action(endpoint.view(), endpoint.method)
        below_admin = permission_map()[action] != Role.ADMIN
        is_read = endpoint.method in ("get", "head", "options")
        expected = {
            ApiKeyScope.READ: is_read and (below_admin or action in READ_KEY_ADMIN_READS),
            ApiKeyScope.WRITE: below_admin,
            ApiKeyScope.INGEST: False,
        }
        for scope, allowed in expected.items():
            if _api_allows(endpoint, None, key_scope=scope) != allowed:
                wrong.append(f"{endpoint} with a {scope} key (map: {action})")
    assert not wrong, wrong


# --- pages and API agree on the same operation -------------------------------------------------

# The same operation offered by a page and by the API (page URL name → API viewset action).
SAME_OPERATION = {
    "accounts:contact_delete": ("ContactViewSet", "delete", "destroy"),
    "accounts:contract_delete": ("ContractViewSet", "delete", "destroy"),
    "accounts:contract_renew": ("ContractViewSet", "post", "renew"),
    "touchmodel:champion_decide": ("ChampionViewSet", "post", "award"),
    "touchmodel:champion_nominate": ("ChampionViewSet", "post", "create"),
    "touchmodel:user_group_edit": ("UserGroupViewSet", "post", "create"),
    "touchmodel:seminar_edit": ("SeminarViewSet", "post", "create"),
    "touchmodel:seminar_attendance": ("SeminarViewSet", "post", "attendance"),
    "touchmodel:account_tier": ("AccountTierViewSet", "post", "override"),
    "touchmodel:tiers_assign": ("AccountTierViewSet", "post", "assign"),
    "journeys:template_delete": ("JourneyTemplateViewSet", "delete", "destroy"),
    "journeys:phase_move": ("PhaseTransitionViewSet", "post", "create"),
    "healthscore:scorecard_publish": ("ScorecardViewSet", "post", "publish"),
    "healthscore:recompute_job": ("RecomputeJobViewSet", "get", "retrieve"),
    "accounts:import_job": ("ImportJobViewSet", "get", "retrieve"),
    "webhooks:rotate": ("WebhookEndpointViewSet", "post", "rotate_secret"),
}


@pytest.mark.parametrize("page_name", sorted(SAME_OPERATION))
def test_page_and_api_require_the_same_role_for_the_same_operation(page_name: str) -> None:
    pages = dict(page_views())
    view_name, method, action = SAME_OPERATION[page_name]
    endpoint = next(
        e
        for e in api_endpoints()
        if e.view_class.__name__ == view_name and e.method == method and e.action == action
    )
    read, write = page_actions(pages[page_name])
    page_action = write or read
    api = api_action(endpoint.view(), method)
    assert permission_map()[page_action] == permission_map()[api], (page_action, api)
    for role in ROLES:
        assert _api_allows(endpoint, role) == role_allows(role, page_action), role


# --- behaviour through the real stack ----------------------------------------------------------


@pytest.mark.django_db
def test_a_csm_may_not_delete_a_contact_through_the_api_either(csm_api, manager_user, tenant):
    from tests.conftest import api_client_for

    contact = ContactFactory(tenant=tenant)
    refused = csm_api.delete(f"/api/v1/contacts/{contact.pk}/")
    assert refused.status_code == 403
    assert "cs_manager" in refused.json()["detail"]
    manager = api_client_for(manager_user, tenant)
    assert manager.delete(f"/api/v1/contacts/{contact.pk}/").status_code == 204


@pytest.mark.django_db
def test_a_csm_may_not_create_a_user_group_through_the_api(csm_api):
    response = csm_api.post("/api/v1/user-groups/", {"name": "分科会"}, format="json")
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_csm_page_refusal_names_the_action_and_role(client, csm_user, tenant):
    contact = ContactFactory(tenant=tenant)
    client.force_login(csm_user)
    response = client.post(f"/t/{tenant.slug}/accounts/contacts/{contact.pk}/delete/")
    assert response.status_code == 403
    assert response.wsgi_request.permission_needed == ("contact.delete", Role.CS_MANAGER)


@pytest.mark.django_db
def test_a_read_key_cannot_read_an_admin_only_view(tenant):
    reader = api_key_client(tenant, ApiKeyScope.READ)
    assert reader.get("/api/v1/webhooks/endpoints/").status_code == 403
    assert reader.get("/api/v1/accounts/").status_code == 200
