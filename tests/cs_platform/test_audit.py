"""The audit log's core: the context, recording, append-only in the database, the purge,
sign-ins, memberships, API keys, deletes and restores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import shared_task
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Segment
from cs_platform.audit.context import (
    AuditContext,
    audit_context,
    get_audit_context,
    request_context,
)
from cs_platform.audit.services import (
    audit_delete_path,
    audit_diff,
    audit_event,
    audit_purge_expired,
    audit_record,
    audit_record_many,
)
from cs_platform.models import ApiKey, AuditEvent, Membership, Role
from cs_platform.scoping import cross_tenant, tenant_scope
from cs_platform.services import api_key_issue, membership_set, tenant_delete
from cs_platform.tasks import TenantTask
from cs_platform.trash.services import trash_delete, trash_purge_expired, trash_restore
from tests.conftest import api_client_for
from tests.factories import MembershipFactory, SegmentFactory, UserFactory

TABLE = AuditEvent._meta.db_table


@pytest.fixture(autouse=True)
def _every_tenants_events():
    """These tests read every tenant's events, and those of no tenant: past the database's
    row-level security (tests/cs_platform/test_rls.py tests that wall)."""
    with cross_tenant("tenant-admin"):
        yield


def events(tenant=None, **filters):
    queryset = AuditEvent.objects.unscoped().order_by("id")
    if tenant is not None:
        queryset = queryset.filter(tenant=tenant)
    return list(queryset.filter(**filters))


def acting_as(user, ip="203.0.113.7", agent="pytest-browser/1.0"):
    request = RequestFactory().get("/", REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    request.user = user
    return audit_context(request_context(request, "web"))


# --- recording --------------------------------------------------------------------------------


def test_a_recorded_event_carries_the_contexts_actor_ip_agent_and_tenant(tenant, admin_user):
    with tenant_scope(tenant), acting_as(admin_user):
        audit_record(action="test.done", target=tenant, changes={"name": ["a", "b"]})

    (event,) = events(tenant, action="test.done")
    assert event.actor_user_id == admin_user.pk
    assert event.actor_label == admin_user.full_name + " <admin@acme.example>"
    assert str(event.ip) == "203.0.113.7"
    assert event.user_agent == "pytest-browser/1.0"
    assert event.source == "web"
    assert event.target_type == "cs_platform.tenant"
    assert event.changes == {"name": ["a", "b"]}
    assert abs(event.at - timezone.now()) < timedelta(seconds=5)


def test_a_proxy_header_gives_the_address_only_when_configured(settings, admin_user):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="198.51.100.4, 10.0.0.1"
    )
    assert request_context(request, "web").ip == "10.0.0.1"
    settings.AUDIT_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert request_context(request, "web").ip == "198.51.100.4"
    request.META["HTTP_X_REAL_IP"] = "not an address"
    assert request_context(request, "web").ip is None


def test_recording_is_one_insert_and_many_events_one_multi_row_insert(
    tenant, django_assert_num_queries
):
    with tenant_scope(tenant):
        with django_assert_num_queries(1):
            audit_record(action="test.one")
        many = [audit_event(action="test.many", target_id=n) for n in range(50)]
        with django_assert_num_queries(1):
            audit_record_many(many)
    assert len(events(tenant, action="test.many")) == 50


def test_the_diff_names_nested_changes_by_path():
    before = {"name": "A", "draft": {"weights": {"usage": 40, "support": 60}, "bands": {"g": 70}}}
    after = {"name": "A", "draft": {"weights": {"usage": 50, "support": 60}, "bands": {"g": 70}}}

    assert audit_diff(before, after) == {"draft.weights.usage": [40, 50]}


@shared_task(name="tests.audit_context_probe", base=TenantTask)
def audit_context_probe(*, tenant_id: int) -> str:
    return get_audit_context().source


def test_a_task_runs_in_a_task_audit_context(tenant):
    assert audit_context_probe.apply(kwargs={"tenant_id": tenant.pk}).get() == (
        "task:tests.audit_context_probe"
    )
    assert get_audit_context().source == ""


# --- append-only --------------------------------------------------------------------------------


@pytest.fixture
def one_event(tenant):
    with tenant_scope(tenant):
        return audit_record(action="test.kept", changes={"a": [1, 2]})


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET action = 'forged' WHERE id = %s",
        f"UPDATE {TABLE} SET changes = '{{}}'::jsonb WHERE id = %s",
        f"DELETE FROM {TABLE} WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(one_event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [one_event.pk])
    assert AuditEvent.objects.unscoped().get(pk=one_event.pk).action == "test.kept"


def test_the_orm_cannot_update_or_delete_an_event_either(one_event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.unscoped().filter(pk=one_event.pk).update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.unscoped().filter(pk=one_event.pk).delete()
    assert AuditEvent.objects.unscoped().filter(pk=one_event.pk).exists()


def test_naming_a_path_allows_delete_but_never_update(one_event):
    with transaction.atomic(), audit_delete_path("retention_purge"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.unscoped().filter(pk=one_event.pk).update(action="forged")
        AuditEvent.objects.unscoped().filter(pk=one_event.pk).delete()
    assert not AuditEvent.objects.unscoped().filter(pk=one_event.pk).exists()
    with (
        pytest.raises(ValueError, match="not a path"),
        transaction.atomic(),
        audit_delete_path("cleanup"),
    ):
        pass


def test_the_permission_to_delete_ends_with_its_block(one_event):
    with transaction.atomic():
        with audit_delete_path("retention_purge"):
            pass
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.unscoped().filter(pk=one_event.pk).delete()


def test_deleting_the_actor_or_the_tenant_through_the_orm_leaves_the_log_alone(tenant, admin_user):
    with tenant_scope(tenant), acting_as(admin_user):
        event = audit_record(action="test.kept")
    user_id = admin_user.pk
    admin_user.delete()
    tenant.delete()

    kept = AuditEvent.objects.unscoped().get(pk=event.pk)
    assert kept.actor_user_id == user_id
    assert kept.actor_label == event.actor_label


# --- retention ----------------------------------------------------------------------------------


def test_the_purge_deletes_only_events_older_than_the_retention(tenant, other_tenant, settings):
    settings.AUDIT_RETENTION_DAYS = 730
    now = timezone.now()
    with tenant_scope(tenant):
        old = audit_record(action="test.old", at=now - timedelta(days=731))
        young = audit_record(action="test.young", at=now - timedelta(days=729))
    with tenant_scope(other_tenant):
        theirs_old = audit_record(action="test.old", at=now - timedelta(days=800))

    assert audit_purge_expired(batch_size=1) == 2

    left = set(AuditEvent.objects.unscoped().values_list("pk", flat=True))
    assert young.pk in left
    assert old.pk not in left and theirs_old.pk not in left


def test_the_beat_schedule_runs_the_purge_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-purge"]
    assert entry["task"] == "cs_platform.audit_purge"
    assert entry["schedule"] == timedelta(days=1)


def test_deleting_a_tenant_takes_its_audit_log_and_only_its(tenant, other_tenant):
    with tenant_scope(tenant):
        audit_record(action="test.gone")
    with tenant_scope(other_tenant):
        kept = audit_record(action="test.kept")

    tenant_delete(tenant=tenant)

    assert list(AuditEvent.objects.unscoped().values_list("pk", flat=True)) == [kept.pk]


# --- sign-ins -----------------------------------------------------------------------------------


def test_a_sign_in_is_recorded_in_each_workspace_of_the_person(client, admin_user, other_tenant):
    MembershipFactory(tenant=other_tenant, user=admin_user, role=Role.VIEWER)

    response = client.post(
        "/login/",
        {"username": admin_user.email, "password": "pw-for-tests-1"},
        REMOTE_ADDR="192.0.2.10",
        HTTP_USER_AGENT="Firefox/140",
    )

    assert response.status_code == 302
    signed_in = events(action="auth.signed_in")
    assert sorted(e.tenant_id for e in signed_in) == sorted(
        Membership.objects.filter(user=admin_user).values_list("tenant_id", flat=True)
    )
    for event in signed_in:
        assert event.actor_user_id == admin_user.pk
        assert event.target_id == admin_user.pk
        assert str(event.ip) == "192.0.2.10"
        assert event.user_agent == "Firefox/140"


def test_a_failed_sign_in_of_a_member_lands_in_their_workspace(client, admin_user, tenant):
    client.post(
        "/login/", {"username": admin_user.email, "password": "wrong"}, REMOTE_ADDR="192.0.2.11"
    )

    (event,) = events(action="auth.sign_in_failed")
    assert event.tenant_id == tenant.pk
    assert event.actor_user_id is None
    assert event.target_id == admin_user.pk
    assert str(event.ip) == "192.0.2.11"
    assert "wrong" not in str(event.changes)


def test_a_failed_sign_in_naming_nobody_is_recorded_without_a_tenant(client, db):
    client.post("/login/", {"username": "nobody@example.com", "password": "x"})

    (event,) = events(action="auth.sign_in_failed")
    assert event.tenant_id is None
    assert event.target_id is None
    assert event.target_label == "nobody@example.com"


def test_signing_out_is_recorded(client, admin_user, tenant):
    client.force_login(admin_user)
    client.post("/logout/")

    assert [e.tenant_id for e in events(action="auth.signed_out")] == [tenant.pk]


# --- memberships and API keys -------------------------------------------------------------------


def test_a_role_change_is_recorded_with_its_diff(tenant, admin_user):
    colleague = UserFactory(email="colleague@acme.example")
    with acting_as(admin_user):
        membership_set(tenant=tenant, user=colleague, role=Role.CSM)
        membership_set(tenant=tenant, user=colleague, role=Role.CS_MANAGER)
        membership_set(tenant=tenant, user=colleague, role=Role.CS_MANAGER)  # no change

    created, updated = events(
        tenant, target_type="cs_platform.membership", target_label=colleague.email
    )
    assert created.action == "membership.created"
    assert created.changes["role"] == [None, "csm"]
    assert updated.action == "membership.updated"
    assert updated.changes == {"role": ["csm", "cs_manager"]}
    assert updated.actor_user_id == admin_user.pk


def test_removing_a_member_is_recorded(tenant, admin_user):
    membership = Membership.objects.get(user=admin_user, tenant=tenant)
    membership.delete()

    (event,) = events(tenant, action="membership.deleted")
    assert event.changes["role"] == ["admin", None]
    assert event.target_label == admin_user.email


def test_issuing_and_revoking_a_key_on_the_page_records_who(client, admin_user, tenant):
    client.force_login(admin_user)
    client.post(
        "/t/acme/settings/api-keys/",
        {"name": "CRM sync", "scope": "read"},
        REMOTE_ADDR="198.51.100.20",
    )
    key = ApiKey.objects.get(tenant=tenant, name="CRM sync")
    client.post(f"/t/acme/settings/api-keys/{key.pk}/revoke/", REMOTE_ADDR="198.51.100.21")
    client.post(f"/t/acme/settings/api-keys/{key.pk}/revoke/")  # twice: recorded once

    issued, revoked = events(tenant, target_type="cs_platform.apikey")
    assert issued.action == "api_key.issued"
    assert issued.changes == {
        "name": [None, "CRM sync"],
        "scope": [None, "read"],
        "prefix": [None, key.prefix],
    }
    assert revoked.action == "api_key.revoked"
    assert revoked.actor_user_id == admin_user.pk
    assert str(revoked.ip) == "198.51.100.21"
    assert revoked.changes["revoked_at"][0] is None


def test_revoking_a_key_through_the_api_records_the_admin(tenant, admin_user):
    issued = api_key_issue(tenant=tenant, name="victim", scope="read")

    client = api_client_for(admin_user, tenant)
    response = client.post(f"/api/v1/api-keys/{issued.api_key.pk}/revoke/")

    assert response.status_code in (200, 204)
    (event,) = events(tenant, action="api_key.revoked")
    assert event.actor_user_id == admin_user.pk
    assert event.source == "api"
    assert event.target_label == str(issued.api_key)


# --- deletes and restores -----------------------------------------------------------------------


def test_a_delete_and_its_restore_are_recorded(tenant, admin_user):
    with tenant_scope(tenant), acting_as(admin_user):
        segment = SegmentFactory(name="Enterprise")
        segment_id = segment.pk
        entry = trash_delete(obj=segment, actor=admin_user)
        trash_restore(entry_id=entry.pk, actor=admin_user)

    deleted, restored = events(tenant, target_type="accounts.segment")
    assert deleted.action == "object.deleted"
    assert deleted.target_label == "Enterprise"
    assert deleted.changes["name"] == ["Enterprise", None]
    assert deleted.changes["trash_entry"] == [None, entry.pk]
    assert restored.action == "object.restored"
    assert restored.changes["rows.accounts.segment"] == [None, 1]
    assert {deleted.actor_user_id, restored.actor_user_id} == {admin_user.pk}
    assert deleted.target_id == restored.target_id == segment_id
    assert Segment.objects.unscoped().filter(pk=segment_id).exists()


def test_the_trash_purge_is_recorded_in_the_same_statement(tenant, settings):
    with tenant_scope(tenant):
        segment_id = SegmentFactory(name="Old").pk
        entry = trash_delete(obj=Segment.objects.get(pk=segment_id))
    settings.TRASH_RETENTION_DAYS = 0
    from cs_platform.models import TrashEntry

    TrashEntry.objects.unscoped().filter(pk=entry.pk).update(
        deleted_at=timezone.now() - timedelta(days=1)
    )

    assert trash_purge_expired() == 1
    (purged,) = events(tenant, action="object.purged")
    assert purged.target_id == segment_id
    assert purged.changes == {"trash_entry": [entry.pk, None]}


def test_an_api_delete_records_the_api_and_the_actor(admin_user, tenant):
    with tenant_scope(tenant):
        segment = SegmentFactory(name="Via API")
    response = api_client_for(admin_user, tenant).delete(f"/api/v1/segments/{segment.pk}/")

    assert response.status_code == 204
    (event,) = events(tenant, action="object.deleted")
    assert event.source == "api"
    assert event.actor_user_id == admin_user.pk
    assert event.target_id == segment.pk


def test_an_event_outside_any_context_has_no_actor(tenant):
    with tenant_scope(tenant), audit_context(AuditContext()):
        event = audit_record(action="test.quiet")
    assert (event.actor_user_id, event.actor_api_key_id, event.ip, event.source) == (
        None,
        None,
        None,
        "",
    )


def test_attempts_refused_by_the_lockout_are_recorded_as_failed_sign_ins(
    client, csm_user, tenant, settings
):
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(limit):
        client.post(
            "/login/",
            {"username": csm_user.email, "password": "wrong"},
            REMOTE_ADDR=f"198.51.100.{100 + n}",
        )
    locked = client.post(
        "/login/",
        {"username": csm_user.email, "password": "pw-for-tests-1"},
        REMOTE_ADDR="203.0.113.99",
    )

    assert locked.status_code == 429
    failed = events(tenant, action="auth.sign_in_failed")
    assert len(failed) == limit + 1
    assert str(failed[-1].ip) == "203.0.113.99"
    assert not events(tenant, action="auth.signed_in")
