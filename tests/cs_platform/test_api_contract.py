"""The API's contract: what the schema allows is answered, what it refuses is a 400, a
well-formed request the data refuses is a 409, and every accepted value can be shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.importing import run_import
from accounts.models import Account
from content.models import Section
from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory
from tests.touchmodel.factories import TouchProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(admin_api):
    return admin_api.get("/api/schema/?format=json").json()


# --- statuses: 400 for the shape, 409 for the data ----------------------------------------------


def test_a_missing_required_field_is_a_400(csm_api):
    response = csm_api.post("/api/v1/accounts/", {})

    assert response.status_code == 400
    assert "name" in response.json()


def test_a_reference_to_a_row_that_does_not_exist_is_a_409(csm_api):
    response = csm_api.post("/api/v1/contacts/", {"account": 999999, "name": "Jane"})

    assert response.status_code == 409
    assert "account" in response.json()


def test_a_business_rule_raised_by_a_service_is_a_409_with_its_message(csm_api, tenant):
    with tenant_scope(tenant):
        AccountFactory(external_id="A-1")

    response = csm_api.post("/api/v1/accounts/", {"name": "X", "external_id": "A-1"})

    assert response.status_code == 409
    assert response.json()


# --- list parameters: refused when malformed, answered when well-formed -------------------------


@pytest.mark.parametrize("value", ["abc", "0", "501", "1.5", "-1", ""])
def test_a_page_size_outside_the_schema_is_a_400(viewer_api, value):
    response = viewer_api.get("/api/v1/accounts/", {"page_size": value})

    assert response.status_code == 400
    assert "page_size" in response.json()


def test_a_page_size_within_the_schema_is_used(viewer_api, tenant):
    with tenant_scope(tenant):
        AccountFactory.create_batch(3)

    response = viewer_api.get("/api/v1/accounts/", {"page_size": "2"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_a_boolean_filter_that_is_not_true_or_false_is_a_400(viewer_api):
    response = viewer_api.get("/api/v1/programs/", {"is_active": "maybe"})

    assert response.status_code == 400
    assert "is_active" in response.json()


def test_a_filter_on_a_row_that_does_not_exist_is_an_empty_list(viewer_api):
    response = viewer_api.get("/api/v1/contacts/", {"account": "999999"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    "until",
    [
        "0034-06-13T22:06:05.5+17:28",  # an offset PostgreSQL cannot store (was a 500)
        "0001-01-01T00:00:00+14:00",  # falls off the calendar in UTC
        "9999-12-31T23:59:59-14:00",
    ],
)
def test_a_datetime_filter_with_any_offset_is_answered(viewer_api, until):
    response = viewer_api.get("/api/v1/activities/", {"until": until})

    assert response.status_code == 200


def test_a_search_with_a_nul_character_is_answered(viewer_api):
    response = viewer_api.get("/api/v1/tasks/", {"q": "a\x00b"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


# --- the schema documents it all ------------------------------------------------------------------


def test_every_operation_documents_its_error_statuses(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            codes = set(operation["responses"])
            assert {"401", "403", "404", "429"} <= codes, f"{method.upper()} {path}"
            if method != "get":
                assert "409" in codes, f"{method.upper()} {path}"
            if "requestBody" in operation:
                assert {"400", "415"} <= codes, f"{method.upper()} {path}"
    assert {"Error400", "Error409"} <= set(schema["components"]["responses"])


def test_extra_list_actions_are_documented_as_plain_lists(schema):
    ok = schema["paths"]["/api/v1/content/articles/analytics/"]["get"]["responses"]["200"]

    assert ok["content"]["application/json"]["schema"]["type"] == "array"


def test_text_fields_document_the_control_character_rule(schema):
    name = schema["components"]["schemas"]["SectionRequest"]["properties"]["name_ja"]

    assert name["pattern"] == "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"


def test_a_decimal_without_negative_values_documents_digits_and_no_sign(schema):
    cost = schema["components"]["schemas"]["TouchProgramRequest"]["properties"][
        "cost_hours_per_month"
    ]

    assert cost["pattern"] == "^(?:\\d{1,6}(?:\\.\\d{0,1})?|\\.\\d{1,1})$"


# --- every value accepted can be shown: one rule per field, everywhere ---------------------------


def test_control_characters_in_a_title_are_a_400(csm_api):
    response = csm_api.post(
        "/api/v1/content/sections/", {"key": "guides", "name_ja": "ガイド\x07", "name_en": "G"}
    )

    assert response.status_code == 400
    assert response.json()["name_ja"]
    assert not Section.objects.unscoped().exists()


def test_long_text_keeps_newlines_and_tabs_but_not_other_controls(csm_api):
    ok = {"key": "guides", "name_ja": "ガイド", "name_en": "Guides"}
    good = csm_api.post("/api/v1/content/sections/", {**ok, "description_en": "a\r\n\tb"})
    bad = csm_api.post("/api/v1/content/sections/", {**ok, "key": "x", "description_en": "a\x9bb"})

    assert good.status_code == 201
    assert bad.status_code == 400


def test_a_date_outside_the_domain_is_a_409(csm_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    payload = {"account": account.pk, "plan": "Pro", "arr": 1, "start_date": "0034-01-01"}

    response = csm_api.post(
        "/api/v1/contracts/", {**payload, "renewal_date": "0035-01-01"}, format="json"
    )

    assert response.status_code == 409
    assert "start_date" in response.json()


def test_a_negative_program_cost_is_a_400_and_the_database_refuses_it_too(admin_api, tenant):
    payload = {"name_ja": "P", "kind": "one_to_one", "tier": "high"}

    response = admin_api.post("/api/v1/programs/", {**payload, "cost_hours_per_month": "-3"})

    assert response.status_code == 400
    assert "cost_hours_per_month" in response.json()
    with tenant_scope(tenant), pytest.raises(IntegrityError), transaction.atomic():
        TouchProgramFactory(cost_hours_per_month=Decimal("-3"))


def test_a_form_refuses_control_characters_with_the_same_rule(admin_user, client, tenant):
    client.force_login(admin_user)

    response = client.post(
        f"/t/{tenant.slug}/accounts/new/", {"name": "株式会社\x1bテスト", "licensed_seats": 1}
    )

    assert response.status_code in (200, 400)  # the form again, with its error
    with tenant_scope(tenant):
        assert not Account.objects.exists()


def test_csv_import_reports_control_characters_and_dates_out_of_the_domain(scoped):
    data = "external_id,name,plan,arr,start_date,renewal_date,account_external_id\n"
    data += "C-1,x,Pro\x07,1,1900-01-01,2026-01-01,A-1\n"
    with tenant_scope(scoped):
        AccountFactory(external_id="A-1")

    report = run_import(kind="contracts", data=data.encode(), dry_run=True)

    columns = {e.column for e in report.errors}
    assert {"plan", "start_date"} <= columns, report.errors


def test_the_planner_page_answers_for_programs_of_any_cost(admin_user, client, tenant):
    with tenant_scope(tenant):
        TouchProgramFactory(cost_hours_per_month=Decimal("0"))
        TouchProgramFactory(cost_hours_per_month=Decimal("99999.9"), reach_per_month=0)
    client.force_login(admin_user)

    assert client.get(f"/t/{tenant.slug}/touchmodel/").status_code == 200


def test_a_datetime_in_the_domain_is_shown_in_a_parseable_format(csm_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    at = dt.datetime(1970, 1, 2, tzinfo=dt.UTC).isoformat()

    response = csm_api.post(
        "/api/v1/activities/",
        {"account": account.pk, "kind": "note", "title": "t", "occurred_at": at},
    )

    assert response.status_code == 201, response.json()
    assert dt.datetime.fromisoformat(response.json()["occurred_at"])


def test_a_save_that_skips_full_clean_still_refuses_control_characters(tenant):
    with tenant_scope(tenant), pytest.raises(ValidationError) as refused:
        Section(tenant=tenant, key="guides", name_ja="ガイド\x1b", name_en="Guides").save()

    assert "name_ja" in refused.value.message_dict


def test_a_plain_form_shows_the_model_rule_as_a_form_error(admin_user, client, tenant):
    client.force_login(admin_user)
    form = {"key": "guides", "name_ja": "ガイド\x9b", "name_en": "Guides", "kind": "guide"}

    response = client.post(f"/t/{tenant.slug}/content/sections/", form)

    assert response.status_code == 200
    assert not Section.objects.unscoped().exists()


def test_a_page_whose_view_lets_a_refused_value_through_answers_400_not_500(rf, admin_user):
    from cs_platform.middleware import ValidationErrorMiddleware

    request = rf.post("/t/acme/anything/")
    request.user = admin_user
    middleware = ValidationErrorMiddleware(lambda r: None)  # type: ignore[arg-type, return-value]

    response = middleware.process_exception(request, ValidationError({"name": ["refused"]}))

    assert response is not None and response.status_code == 400
    assert "refused" in response.content.decode()


def test_text_the_server_computes_is_not_held_to_the_client_rule(schema):
    body_html = schema["components"]["schemas"]["Translation"]["properties"]["body_html"]

    assert "pattern" not in body_html


def test_a_list_that_may_not_be_empty_documents_min_items(schema):
    events = schema["components"]["schemas"]["WebhookEndpointRequest"]["properties"]["events"]

    assert events["minItems"] == 1


def test_free_text_search_is_q_on_every_endpoint(viewer_api, tenant):
    from cs_platform.scoping import tenant_scope
    from tests.factories import AccountFactory, ContactFactory

    with tenant_scope(tenant):
        account = AccountFactory(name="検索株式会社")
        ContactFactory(account=account, name="山田 太郎")
        ContactFactory(account=account, name="佐藤 花子")

    contacts = viewer_api.get("/api/v1/contacts/", {"q": "山田"}).json()["results"]
    accounts = viewer_api.get("/api/v1/accounts/", {"q": "検索"}).json()["results"]

    assert [c["name"] for c in contacts] == ["山田 太郎"]
    assert [a["name"] for a in accounts] == ["検索株式会社"]
    schema = viewer_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path, item in schema["paths"].items():
        names = {p["name"] for p in item.get("get", {}).get("parameters", [])}
        assert "search" not in names, path


# --- numbers that feed date arithmetic are bounded by the domain ---------------------------------


@pytest.mark.parametrize(
    "path,payload,field",
    [
        (
            "/api/v1/journey-templates/",
            {"name": "T", "items": [{"title": "M", "due_after_days": 3651}]},
            "items",
        ),
        ("/api/v1/rules/", {"name_ja": "R", "trigger": "no_activity", "due_in_days": 366}, None),
        (
            "/api/v1/rules/",
            {"name_ja": "R", "trigger": "no_activity", "params": {"days": 3651}},
            None,
        ),
        (
            "/api/v1/rules/",
            {"name_ja": "R", "trigger": "health_below", "params": {"threshold": 101}},
            None,
        ),
        (
            "/api/v1/rules/",
            {"name_ja": "R", "trigger": "health_dropped", "params": {"points": 0}},
            None,
        ),
    ],
)
def test_a_day_count_or_score_beyond_the_domain_is_a_400(admin_api, path, payload, field):
    response = admin_api.post(path, payload)

    assert response.status_code == 400, response.content
    assert (field or next(iter(set(payload) - {"name_ja", "trigger"}))) in response.json()


def test_the_schema_documents_the_day_bounds(schema):
    components = schema["components"]["schemas"]
    assert components["TemplateMilestone"]["properties"]["due_after_days"]["maximum"] == 3650
    assert components["Rule"]["properties"]["due_in_days"]["maximum"] == 365


def test_the_database_refuses_day_counts_beyond_the_domain(tenant):
    from tests.touchmodel.factories import RuleFactory

    with tenant_scope(tenant), pytest.raises(IntegrityError), transaction.atomic():
        RuleFactory(due_in_days=366)


def test_a_map_from_a_template_at_the_longest_due_day_answers(admin_api, tenant):
    template = admin_api.post(
        "/api/v1/journey-templates/",
        {"name": "Long", "items": [{"title": "M", "due_after_days": 3650}]},
    ).json()
    with tenant_scope(tenant):
        account = AccountFactory()

    created = admin_api.post(
        "/api/v1/journey-maps/", {"account": account.pk, "template": template["id"], "title": "J"}
    )

    assert created.status_code == 201, created.content


def test_the_rule_form_refuses_a_day_count_beyond_the_domain(admin_user, client, tenant):
    from touchmodel.forms import RuleForm

    with tenant_scope(tenant):
        form = RuleForm(data={"name_ja": "R", "trigger": "no_activity", "days": 3651})
        assert not form.is_valid()
    assert "days" in form.errors


def test_the_schema_describes_the_event_wire_format_field_by_field(viewer_api):
    schema = viewer_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    post = schema["paths"]["/api/v1/events/"]["post"]
    event = post["requestBody"]["content"]["application/json"]["schema"]["items"]

    assert set(event["required"]) == {"account_id", "event", "timestamp"}
    assert "external id" in event["properties"]["account_id"]["description"]
    assert "offset" in event["properties"]["timestamp"]["description"]
    assert "8 KB" in event["properties"]["properties"]["description"]
    assert "stored twice" in event["properties"]["idempotency_key"]["description"]
    assert "application/x-ndjson" in post["requestBody"]["content"]
    codes = post["responses"]["200"]["content"]["application/json"]["schema"]["properties"][
        "rejected"
    ]["items"]["properties"]["code"]["enum"]
    assert {"unknown_account", "bad_timestamp", "properties_too_large"} <= set(codes)
    assert "`ingest`" in post["description"]


@pytest.mark.parametrize(("language", "words"), [("ja", "全文検索"), ("en", "Free-text search")])
def test_the_old_search_parameter_is_a_400_naming_q_not_ignored(viewer_api, language, words):
    response = viewer_api.get(
        "/api/v1/contacts/", {"search": "山田"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    message = response.json()["search"][0]
    assert words in message and "`q`" in message


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_error_body_names_its_code(admin_api, language):
    from rest_framework.test import APIClient

    anonymous = APIClient().get("/api/v1/accounts/", HTTP_ACCEPT_LANGUAGE=language)
    bad_key = APIClient().get(
        "/api/v1/accounts/", HTTP_AUTHORIZATION="Api-Key jk_nope", HTTP_ACCEPT_LANGUAGE=language
    )
    not_allowed = admin_api.put("/api/v1/accounts/", {}, HTTP_ACCEPT_LANGUAGE=language)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert (bad_key.status_code, bad_key.json()["code"]) == (401, "authentication_failed")
    assert (not_allowed.status_code, not_allowed.json()["code"]) == (405, "method_not_allowed")
    assert all(r.json()["detail"] for r in (anonymous, bad_key, not_allowed))


def test_the_schema_says_what_each_key_scope_allows(viewer_api):
    schema = viewer_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    words = schema["components"]["securitySchemes"]["ApiKeyAuth"]["description"]
    for scope in ("`read`:", "`write`:", "`ingest`:"):
        assert scope in words
    assert "403" in words and "POST /api/v1/events/" in words
