"""The tenant-isolation matrix: every model and every API endpoint, found automatically.

(a) The schema: every tenant-owned table is ready for Citus (tenant in every unique constraint,
    no cross-tenant references, explicit tenant-owned through tables).
(b) The data: every TenantScopedModel has a factory, and tenant A's scope never sees B's rows.
(c) The API: for every viewset on the /api/v1/ router, tenant A's admin gets 404 for B's rows
    (retrieve, update, delete, custom detail actions), never sees them in a list, and cannot
    create or update a row that points at B's objects.

A new model or viewset joins by itself; one that escapes the rules fails here with a message
that says what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.expressions import F
from django.test.utils import isolate_apps
from django.urls import reverse
from rest_framework import relations
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from cs_platform.api.routers import extra_urlpatterns, router
from cs_platform.models import ApiKey, Membership, Role, Tenant, User
from cs_platform.scoping import TenantScopedModel, TenantScopeError, cross_tenant, tenant_scope
from tests.conftest import api_client_for, api_key_client
from tests.cs_platform.discovery import factories_by_model, factory_for, import_errors
from tests.factories import MembershipFactory, UserFactory

PROJECT_APPS = {"cs_platform", "accounts", "journeys", "healthscore", "touchmodel", "content"}

# Models with a `tenant` column that are deliberately not TenantScopedModel.
NOT_SCOPED_ALLOWLIST: dict[type[models.Model], str] = {
    Membership: "read across tenants (a user lists their workspaces); filtered by hand in "
    "cs_platform.selectors",
    ApiKey: "looked up by its hash before any tenant is known; filtered by hand in "
    "cs_platform.selectors",
}
# Citus reference tables a tenant-owned row may point at.
REFERENCE_MODELS: set[type[models.Model]] = {Tenant, User, ContentType}


# --- discovery --------------------------------------------------------------------------------


def _label(model: type[models.Model]) -> str:
    return model._meta.label


def _concrete(model: type[models.Model]) -> bool:
    return not model._meta.abstract and not model._meta.proxy


def _has_tenant_field(model: type[models.Model]) -> bool:
    try:
        field = model._meta.get_field("tenant")
    except Exception:
        return False
    return field.is_relation and field.related_model is Tenant


def tenant_owned_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if _concrete(m) and _has_tenant_field(m)]


def scoped_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if _concrete(m) and issubclass(m, TenantScopedModel)]


def project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if _concrete(m) and m._meta.app_label in PROJECT_APPS]


def _is_tenant_owned(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, models.Model) and _has_tenant_field(model)


# --- (a) the schema ---------------------------------------------------------------------------


def schema_problems(model: type[models.Model]) -> list[str]:
    """Every way `model` (a table with a tenant column) breaks the Citus-ready rules."""
    problems: list[str] = []
    if not issubclass(model, TenantScopedModel) and model not in NOT_SCOPED_ALLOWLIST:
        problems.append("has a tenant field but does not inherit cs_platform.TenantScopedModel")
    problems += _uniqueness_problems(model)
    problems += _reference_problems(model)
    return problems


def _uniqueness_problems(model: type[models.Model]) -> list[str]:
    problems = [
        f"unique constraint {c.name!r} does not include tenant"
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and "tenant" not in _constraint_columns(c)
    ]
    problems += [
        f"unique_together {together!r} does not include tenant"
        for together in model._meta.unique_together
        if not {"tenant", "tenant_id"} & set(together)
    ]
    problems += [
        f"field {field.name!r} is unique=True (or one-to-one); use a UniqueConstraint over "
        "(tenant, field) instead"
        for field in model._meta.local_concrete_fields
        if field.unique and not field.primary_key
    ]
    return problems


def _reference_problems(model: type[models.Model]) -> list[str]:
    problems = [
        f"foreign key {field.name!r} points at {field.related_model}, which is neither "
        "tenant-owned nor a reference table"
        for field in model._meta.local_concrete_fields
        if field.is_relation
        and field.name != "tenant"
        and field.related_model not in REFERENCE_MODELS
        and not _is_tenant_owned(field.related_model)
    ]
    for m2m in model._meta.local_many_to_many:
        through = m2m.remote_field.through
        if through._meta.auto_created:
            problems.append(
                f"many-to-many {m2m.name!r} has no explicit through model; add one that "
                "inherits TenantScopedModel"
            )
        elif not issubclass(through, TenantScopedModel):
            problems.append(f"many-to-many {m2m.name!r} goes through a model without tenant")
    return problems


def _constraint_columns(constraint: models.UniqueConstraint) -> set[str]:
    names = {f.removesuffix("_id") for f in constraint.fields}
    for expression in constraint.expressions:
        for node in expression.flatten():
            if isinstance(node, F):
                names.add(node.name.removesuffix("_id"))
    return names


@pytest.mark.parametrize("model", tenant_owned_models(), ids=_label)
def test_tenant_owned_table_is_ready_for_citus(model):
    assert schema_problems(model) == [], f"{_label(model)} breaks the tenancy rules"


@pytest.mark.parametrize("model", project_models(), ids=_label)
def test_every_project_model_is_tenant_owned_or_a_reference_table(model):
    assert _has_tenant_field(model) or model in REFERENCE_MODELS, (
        f"{_label(model)} has no tenant: inherit cs_platform.scoping.TenantScopedModel "
        "(or, for a global lookup table, add it to REFERENCE_MODELS and to docs/scaling.md)"
    )


def test_schema_rules_catch_a_model_that_breaks_them():
    with isolate_apps("tests"):

        class Broken(models.Model):  # noqa: DJ008
            tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
            code = models.CharField(max_length=10, unique=True)
            other = models.ForeignKey(
                "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
            )
            name = models.CharField(max_length=10)

            class Meta:
                app_label = "tests"
                constraints = [models.UniqueConstraint(fields=["name"], name="broken_name")]

        problems = schema_problems(Broken)

    assert any("does not inherit" in p for p in problems)
    assert any("'code' is unique=True" in p for p in problems)
    assert any("'broken_name' does not include tenant" in p for p in problems)


def test_the_matrix_sees_the_core_and_account_models():
    labels = {_label(m) for m in tenant_owned_models()}
    assert {"cs_platform.Membership", "cs_platform.ApiKey", "accounts.Account"} <= labels


# --- (b) the data -----------------------------------------------------------------------------


def _require_factory(model: type[models.Model]) -> Any:
    found = factory_for(model)
    assert found is not None, (
        f"{_label(model)} has no factory: add `{model.__name__}Factory` (subclass "
        f"tests.factories.TenantOwnedFactory) to tests/{model._meta.app_label}/factories.py; "
        "it must create a valid row with only the tenant in scope"
    )
    return found


def _make(model: type[models.Model], tenant: Tenant) -> models.Model:
    with tenant_scope(tenant):
        obj = _require_factory(model)()
    assert obj.tenant_id == tenant.pk, f"{type(obj).__name__}Factory ignored the tenant in scope"
    return obj


def test_every_factories_module_imports():
    factories_by_model()
    assert import_errors == {}


@pytest.mark.parametrize("model", scoped_models(), ids=_label)
def test_every_tenant_scoped_model_has_a_factory(model):
    _require_factory(model)


@pytest.mark.parametrize("model", scoped_models(), ids=_label)
def test_rows_of_another_tenant_are_invisible_in_scope(model, tenant, other_tenant):
    theirs = _make(model, other_tenant)
    mine = _make(model, tenant)
    with tenant_scope(tenant):
        visible = set(model.objects.values_list("pk", flat=True))
        assert mine.pk in visible
        assert theirs.pk not in visible
        assert model.objects.count() == model.objects.unscoped().filter(tenant=tenant).count()
        with pytest.raises(model.DoesNotExist):
            model.objects.get(pk=theirs.pk)


@pytest.mark.parametrize("model", scoped_models(), ids=_label)
def test_bulk_delete_in_scope_never_reaches_another_tenants_rows(model, tenant, other_tenant):
    theirs = _make(model, other_tenant)
    with tenant_scope(tenant):
        model.objects.filter(pk=theirs.pk).delete()
    with cross_tenant("tenant-admin"):
        assert model.objects.unscoped().filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("model", scoped_models(), ids=_label)
def test_unscoped_access_raises(model, db):
    with pytest.raises(TenantScopeError):
        model.objects.count()
    with pytest.raises(TenantScopeError):
        list(model.objects.all()[:1])


# --- (c) the API ------------------------------------------------------------------------------


def _viewset_model(viewset: Any) -> type[models.Model] | None:
    queryset = getattr(viewset, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer_class = getattr(viewset, "serializer_class", None)
    return getattr(getattr(serializer_class, "Meta", None), "model", None)


ENDPOINTS = [(prefix, viewset, basename) for prefix, viewset, basename in router.registry]


def _endpoint_id(endpoint: tuple[str, Any, str]) -> str:
    return endpoint[0]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_endpoint_id)
def test_every_api_endpoint_is_covered_by_the_matrix(endpoint):
    prefix, viewset, _ = endpoint
    model = _viewset_model(viewset)
    assert model is not None, (
        f"/api/v1/{prefix}/: set `queryset = Model.objects.all()` (or serializer_class with "
        "Meta.model) on the viewset so the isolation matrix can test it"
    )
    assert _is_tenant_owned(model), f"/api/v1/{prefix}/ serves {model}, which is not tenant-owned"
    _require_factory(model)


def _covered(endpoint: tuple[str, Any, str]) -> bool:
    model = _viewset_model(endpoint[1])
    return model is not None and _is_tenant_owned(model) and factory_for(model) is not None


COVERED = [e for e in ENDPOINTS if _covered(e)]


class Endpoint:
    """One viewset, tenant A's admin client, and a row in each tenant."""

    def __init__(self, endpoint: tuple[str, Any, str], tenant: Tenant, other: Tenant) -> None:
        self.prefix, self.viewset, self.basename = endpoint
        self.model = _viewset_model(self.viewset) if self.viewset else None
        self.tenant, self.other = tenant, other
        admin = UserFactory(email=f"matrix-admin-{tenant.slug}@example.com")
        MembershipFactory(tenant=tenant, user=admin, role=Role.ADMIN)
        self.client: APIClient = api_client_for(admin, tenant)

    def make(self, tenant: Tenant) -> models.Model:
        return _make(self.model, tenant)

    def supports(self, action: str) -> bool:
        return hasattr(self.viewset, action)

    def detail_url(self, obj: models.Model, action: str = "detail") -> str:
        lookup_field = self.viewset.lookup_field
        kwarg = self.viewset.lookup_url_kwarg or lookup_field
        value = obj.pk if lookup_field == "pk" else getattr(obj, lookup_field)
        return reverse(f"{self.basename}-{action}", kwargs={kwarg: value})

    def list_url(self) -> str:
        return reverse(f"{self.basename}-list")

    def row_state(self, obj: models.Model) -> dict[str, Any] | None:
        with cross_tenant("tenant-admin"):  # the test looks at every tenant's rows
            return self.model._base_manager.filter(pk=obj.pk).values().first()


@pytest.fixture(params=COVERED, ids=_endpoint_id)
def endpoint(request, tenant, other_tenant) -> Iterator[Endpoint]:
    yield Endpoint(request.param, tenant, other_tenant)


def _assert_json_404(response: Any, what: str) -> None:
    assert response.status_code == 404, f"{what}: expected 404, got {response.status_code}"
    assert response["Content-Type"].startswith("application/json"), what


def test_another_tenants_row_is_404_on_retrieve(endpoint):
    if not endpoint.supports("retrieve"):
        pytest.skip("no retrieve action")
    mine, theirs = endpoint.make(endpoint.tenant), endpoint.make(endpoint.other)
    assert endpoint.client.get(endpoint.detail_url(mine)).status_code == 200
    _assert_json_404(endpoint.client.get(endpoint.detail_url(theirs)), "GET another tenant's row")


def test_another_tenants_row_is_absent_from_the_list(endpoint):
    if not endpoint.supports("list"):
        pytest.skip("no list action")
    endpoint.make(endpoint.tenant)
    before = endpoint.client.get(endpoint.list_url())
    assert before.status_code == 200
    theirs = endpoint.make(endpoint.other)
    after = endpoint.client.get(endpoint.list_url())
    assert after.json() == before.json(), "another tenant's row changed tenant A's list"
    items = after.json()
    items = items.get("results", items) if isinstance(items, dict) else items
    assert theirs.pk not in {item.get("id") for item in items if isinstance(item, dict)}


@pytest.mark.parametrize("method", ["put", "patch"])
def test_another_tenants_row_is_404_on_update_and_stays_unchanged(endpoint, method):
    action = "update" if method == "put" else "partial_update"
    if not endpoint.supports(action):
        pytest.skip(f"no {action} action")
    theirs = endpoint.make(endpoint.other)
    state = endpoint.row_state(theirs)
    response = getattr(endpoint.client, method)(endpoint.detail_url(theirs), {}, format="json")
    _assert_json_404(response, f"{method.upper()} another tenant's row")
    assert endpoint.row_state(theirs) == state


def test_another_tenants_row_is_404_on_delete_and_survives(endpoint):
    if not endpoint.supports("destroy"):
        pytest.skip("no destroy action")
    theirs = endpoint.make(endpoint.other)
    _assert_json_404(
        endpoint.client.delete(endpoint.detail_url(theirs)), "DELETE another tenant's row"
    )
    assert endpoint.row_state(theirs) is not None


def test_another_tenants_row_is_404_on_every_custom_detail_action(endpoint):
    actions = [a for a in endpoint.viewset.get_extra_actions() if a.detail]
    if not actions:
        pytest.skip("no custom detail actions")
    theirs = endpoint.make(endpoint.other)
    state = endpoint.row_state(theirs)
    for action in actions:
        url = endpoint.detail_url(theirs, action.url_name)
        for method in action.mapping:
            response = getattr(endpoint.client, method)(url, {}, format="json")
            _assert_json_404(response, f"{method.upper()} {action.url_name} on B's row")
    assert endpoint.row_state(theirs) == state


def test_a_key_of_tenant_a_gets_404_for_tenant_bs_row(endpoint):
    if not endpoint.supports("retrieve"):
        pytest.skip("no retrieve action")
    scope = "ingest" if getattr(endpoint.viewset, "ingest_endpoint", False) else "write"
    client = api_key_client(endpoint.tenant, scope)
    mine, theirs = endpoint.make(endpoint.tenant), endpoint.make(endpoint.other)
    if client.get(endpoint.detail_url(mine)).status_code == 403:
        pytest.skip("API keys may not read this endpoint at all")
    _assert_json_404(client.get(endpoint.detail_url(theirs)), "an API key reading B's row")


# Create/update with a reference to another tenant's object, one case per writable FK field.


def _tenant_related_fields(viewset: Any) -> list[tuple[str, type[models.Model], Any]]:
    """(field name, related model, serializer field) of writable FKs to tenant-owned models."""
    view = viewset()
    view.action, view.request, view.format_kwarg, view.kwargs = "create", None, None, {}
    try:
        serializer = view.get_serializer_class()(context={"request": None})
        fields = serializer.fields
    except Exception:
        return []
    found = []
    for name, field in fields.items():
        if field.read_only:
            continue
        child = field.child_relation if isinstance(field, relations.ManyRelatedField) else field
        if not isinstance(child, relations.PrimaryKeyRelatedField | relations.SlugRelatedField):
            continue
        queryset = child.queryset
        if queryset is not None and _is_tenant_owned(queryset.model):
            found.append((name, queryset.model, field))
    return found


FK_CASES = [
    (e, name, related, field)
    for e in COVERED
    if hasattr(e[1], "create") or hasattr(e[1], "partial_update")
    for name, related, field in _tenant_related_fields(e[1])
]


def _fk_value(field: Any, obj: models.Model) -> Any:
    child = field.child_relation if isinstance(field, relations.ManyRelatedField) else field
    is_slug = isinstance(child, relations.SlugRelatedField)
    value = getattr(obj, child.slug_field) if is_slug else obj.pk
    return [value] if isinstance(field, relations.ManyRelatedField) else value


def _errors_name(response: Any, name: str) -> bool:
    body = response.json()
    return isinstance(body, dict) and name in body


@pytest.mark.parametrize(
    "case", FK_CASES, ids=[f"{c[0][0]}.{c[1]}" for c in FK_CASES] if FK_CASES else None
)
def test_a_reference_to_another_tenants_object_is_rejected(case, tenant, other_tenant):
    raw_endpoint, name, related, field = case
    endpoint = Endpoint(raw_endpoint, tenant, other_tenant)
    theirs = _make(related, other_tenant)
    mine = endpoint.make(tenant)
    with cross_tenant("tenant-admin"):
        rows_before = endpoint.model._base_manager.count()
    if endpoint.supports("create"):
        payload = {}
        if endpoint.supports("retrieve"):
            payload = dict(endpoint.client.get(endpoint.detail_url(mine)).json())
            payload.pop("id", None)
        payload[name] = _fk_value(field, theirs)
        response = endpoint.client.post(endpoint.list_url(), payload, format="json")
        assert response.status_code == 409, f"create pointing at B's {related.__name__}"
        assert _errors_name(response, name), response.json()
        with cross_tenant("tenant-admin"):
            assert endpoint.model._base_manager.count() == rows_before
    if endpoint.supports("partial_update"):
        state = endpoint.row_state(mine)
        response = endpoint.client.patch(
            endpoint.detail_url(mine), {name: _fk_value(field, theirs)}, format="json"
        )
        assert response.status_code == 409, f"update pointing at B's {related.__name__}"
        assert _errors_name(response, name), response.json()
        assert endpoint.row_state(mine) == state


def test_the_matrix_covers_the_api_keys_endpoint():
    assert "api-keys" in {e[0] for e in COVERED}


# Extra API paths (`urlpatterns` in <app>/api/urls.py). Those under a router prefix with an
# object id (`accounts/<int:pk>/health/`) address that viewset's model: B's id must be a 404.

EXTRA_ROUTES = [(str(p.pattern), p.callback) for p in extra_urlpatterns]
_PREFIXES = {prefix: viewset for prefix, viewset, _ in router.registry}


def _object_route(route: str) -> tuple[type[models.Model], str] | None:
    match = re.match(r"^(?P<prefix>.+?)/<int:(?P<kwarg>\w+)>/", route)
    if not match or match["prefix"] not in _PREFIXES:
        return None
    model = _viewset_model(_PREFIXES[match["prefix"]])
    return (model, match["kwarg"]) if model is not None else None


OBJECT_ROUTES = [(route, *found) for route, _ in EXTRA_ROUTES if (found := _object_route(route))]


def _fill(route: str, values: dict[str, Any] | None = None) -> str:
    values = values or {}

    def one(match: re.Match) -> str:
        converter, name = match["converter"] or "str", match["name"]
        if name in values:
            return str(values[name])
        return {"int": "999999", "uuid": "00000000-0000-0000-0000-000000000000"}.get(converter, "x")

    return "/api/v1/" + re.sub(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>", one, route)


def _is_public(callback: Any) -> bool:
    view_class = getattr(callback, "cls", None)
    return view_class is None or AllowAny in getattr(view_class, "permission_classes", [])


@pytest.mark.parametrize(("route", "callback"), EXTRA_ROUTES, ids=[r for r, _ in EXTRA_ROUTES])
def test_an_extra_api_path_refuses_an_anonymous_client_with_json(route, callback, db):
    if _is_public(callback):
        pytest.skip("public endpoint (AllowAny)")
    client = APIClient()
    for method in ("get", "post"):
        response = getattr(client, method)(_fill(route), {}, format="json")
        assert response.status_code in (401, 403, 405), f"{method.upper()} {route}"
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("route", "model", "kwarg"), OBJECT_ROUTES, ids=[r for r, *_ in OBJECT_ROUTES]
)
def test_an_extra_api_path_about_another_tenants_object_is_404(
    route, model, kwarg, tenant, other_tenant
):
    endpoint_client = Endpoint(("", None, ""), tenant, other_tenant).client
    mine, theirs = _make(model, tenant), _make(model, other_tenant)

    own = endpoint_client.get(_fill(route, {kwarg: mine.pk}))
    # Control: A's own object is found (a 404 of its own, e.g. "not scored yet", is fine).
    assert own.status_code != 404 or own.json().get("code") != "not_found", f"GET {route}"
    theirs_response = endpoint_client.get(_fill(route, {kwarg: theirs.pk}))
    _assert_json_404(theirs_response, f"GET {route} for B's object")
    # The generic 404 only: anything more specific would tell that the object exists.
    assert theirs_response.json().get("code") == "not_found"
