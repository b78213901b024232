"""The audit-log page (filters, keyset pages, CSV export) and the read API."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from cs_platform.audit.services import audit_record
from cs_platform.models import ApiKeyScope, AuditEvent
from cs_platform.scoping import cross_tenant, tenant_scope
from tests.conftest import api_client_for, api_key_client


@pytest.fixture
def log(tenant, other_tenant, admin_user, csm_user):
    """Five events of acme (two people, three days) and one of globex."""
    now = timezone.now()
    with tenant_scope(tenant):
        made = [
            audit_record(
                action="rule.updated",
                target_type="touchmodel.rule",
                target_id=7,
                target_label="Usage drop",
                changes={"is_active": [True, False]},
                actor=admin_user,
                at=now - timedelta(days=2),
            ),
            audit_record(
                action="rule.created",
                target_type="touchmodel.rule",
                target_id=8,
                target_label='=HYPERLINK("http://evil")',
                actor=csm_user,
                at=now - timedelta(days=1),
            ),
            audit_record(
                action="membership.updated",
                target_type="cs_platform.membership",
                target_id=3,
                target_label="csm@acme.example",
                changes={"role": ["csm", "cs_manager"]},
                actor=admin_user,
                at=now - timedelta(hours=1),
            ),
            audit_record(action="auth.signed_in", actor=csm_user, at=now - timedelta(minutes=5)),
            audit_record(action="auth.sign_in_failed", actor=None, at=now),
        ]
    with tenant_scope(other_tenant):
        audit_record(action="rule.updated", target_type="touchmodel.rule", target_id=7)
    return made


def _actions(response):
    return [row["event"].action for row in response.context["events"]]


def test_the_page_lists_the_tenants_events_newest_first(client, admin_user, log):
    client.force_login(admin_user)

    response = client.get("/t/acme/settings/audit/")

    assert response.status_code == 200
    ours = {e.pk for e in log}
    shown_log = [row["event"].pk for row in response.context["events"] if row["event"].pk in ours]
    assert shown_log == [e.pk for e in reversed(log)]
    shown = [row["event"].pk for row in response.context["events"]]
    assert set(e.pk for e in log) <= set(shown)
    with cross_tenant("tenant-admin"):
        assert not AuditEvent.objects.unscoped().exclude(tenant__slug="acme").filter(pk__in=shown)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=rule.updated", ["rule.updated"]),
        ("action=membership.updated", ["membership.updated"]),
        ("target_type=touchmodel.rule", ["rule.created", "rule.updated"]),
        ("target_type=touchmodel.rule&target_id=8", ["rule.created"]),
    ],
)
def test_the_page_filters_by_action_and_target(client, admin_user, log, query, expected):
    client.force_login(admin_user)

    response = client.get(f"/t/acme/settings/audit/?{query}")

    assert response.status_code == 200
    assert _actions(response) == expected


def test_the_page_filters_by_actor_and_dates(client, admin_user, csm_user, log):
    client.force_login(admin_user)

    by_csm = client.get(f"/t/acme/settings/audit/?actor=user:{csm_user.pk}")
    assert set(_actions(by_csm)) == {"rule.created", "auth.signed_in"}

    day = timezone.localdate() - timedelta(days=2)
    that_day = client.get(f"/t/acme/settings/audit/?date_from={day}&date_to={day}")
    assert _actions(that_day) == ["rule.updated"]


def test_bad_filters_are_a_400_that_says_why(client, admin_user, log):
    client.force_login(admin_user)

    assert client.get("/t/acme/settings/audit/?action=nope.never").status_code == 400
    assert (
        client.get("/t/acme/settings/audit/?date_from=2030-01-02&date_to=2030-01-01").status_code
        == 400
    )
    assert client.get("/t/acme/settings/audit/?after=garbage").status_code == 400


def test_the_pages_follow_each_other_without_gaps(client, admin_user, tenant, monkeypatch):
    from cs_platform.audit import views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    now = timezone.now()
    with tenant_scope(tenant):
        for n in range(9):
            # Three events share each instant: the keyset must order ties by id.
            audit_record(action="rule.updated", target_id=n, at=now - timedelta(minutes=n // 3))
    client.force_login(admin_user)

    seen, url = [], "/t/acme/settings/audit/?action=rule.updated"
    while url:
        response = client.get(url)
        seen += [row["event"].target_id for row in response.context["events"]]
        nxt = response.context["next_query"]
        url = f"/t/acme/settings/audit/?{nxt}" if nxt else None

    assert sorted(seen) == list(range(9))
    assert len(seen) == 9


def test_the_page_is_for_admins_only(client, csm_user, outsider, log):
    client.force_login(csm_user)
    assert client.get("/t/acme/settings/audit/").status_code == 403
    client.force_login(outsider)
    assert client.get("/t/acme/settings/audit/").status_code == 404


def test_the_csv_export_is_filtered_escaped_and_recorded(client, admin_user, tenant, log):
    client.force_login(admin_user)

    response = client.get("/t/acme/settings/audit/export.csv?target_type=touchmodel.rule")

    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["action"] for r in rows] == ["rule.created", "rule.updated"]
    assert rows[0]["target"] == '\'=HYPERLINK("http://evil")'
    assert rows[1]["changes"] == '{"is_active": [true, false]}'
    with tenant_scope(tenant):
        (export,) = AuditEvent.objects.filter(action="export.csv")
    assert export.actor_user_id == admin_user.pk
    assert export.changes == {"filter.target_type": [None, "touchmodel.rule"]}


def test_a_csv_export_longer_than_a_read_has_every_event_once(
    client, admin_user, tenant, monkeypatch
):
    from cs_platform.audit import services

    monkeypatch.setattr(services, "EXPORT_PAGE_SIZE", 2)
    now = timezone.now()
    with tenant_scope(tenant):
        for n in range(7):
            audit_record(action="rule.updated", target_id=n + 1, at=now - timedelta(minutes=n // 2))
    client.force_login(admin_user)

    response = client.get("/t/acme/settings/audit/export.csv?action=rule.updated")

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    ids = [int(r["target_id"]) for r in csv.DictReader(io.StringIO(body))]
    assert sorted(ids) == list(range(1, 8))


# --- the API -------------------------------------------------------------------------------------


def test_the_api_lists_and_filters_for_an_admin(admin_user, tenant, log):
    api = api_client_for(admin_user, tenant)

    response = api.get("/api/v1/audit-events/", {"action": "rule", "target_id": 7})

    assert response.status_code == 200
    (event,) = response.json()["results"]
    assert event["action"] == "rule.updated"
    assert event["changes"] == {"is_active": [True, False]}
    assert event["actor_user"] == admin_user.pk


def test_the_api_filters_by_actor_and_time(admin_user, csm_user, tenant, log):
    api = api_client_for(admin_user, tenant)
    since = (timezone.now() - timedelta(days=1, minutes=1)).isoformat()
    until = (timezone.now() - timedelta(minutes=1)).isoformat()

    response = api.get(
        "/api/v1/audit-events/", {"actor_user": csm_user.pk, "since": since, "until": until}
    )

    assert [e["action"] for e in response.json()["results"]] == ["auth.signed_in", "rule.created"]


def test_a_read_key_may_read_the_log_but_not_a_write_key(tenant, log):
    assert api_key_client(tenant, ApiKeyScope.READ).get("/api/v1/audit-events/").status_code == 200
    assert api_key_client(tenant, ApiKeyScope.WRITE).get("/api/v1/audit-events/").status_code == 403
    assert (
        api_key_client(tenant, ApiKeyScope.INGEST).get("/api/v1/audit-events/").status_code == 403
    )


def test_the_api_is_refused_below_admin_and_bad_filters_are_400(csm_user, admin_user, tenant, log):
    assert api_client_for(csm_user, tenant).get("/api/v1/audit-events/").status_code == 403
    api = api_client_for(admin_user, tenant)
    assert api.get("/api/v1/audit-events/", {"action": "DROP TABLE"}).status_code == 400
    assert api.get(
        "/api/v1/audit-events/", {"since": "2030-01-02T00:00:00Z", "until": "2030-01-01T00:00:00Z"}
    ).status_code in (400, 409)


def test_the_api_is_append_only(admin_user, tenant, log):
    api = api_client_for(admin_user, tenant)
    event = log[0]

    assert api.delete(f"/api/v1/audit-events/{event.pk}/").status_code == 405
    assert api.patch(f"/api/v1/audit-events/{event.pk}/", {"action": "x"}).status_code == 405


def test_the_schema_documents_the_filters(admin_user, tenant):
    api = api_client_for(admin_user, tenant)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/audit-events/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {
        "actor_user",
        "actor_api_key",
        "action",
        "target_type",
        "target_id",
        "since",
        "until",
    } <= names
