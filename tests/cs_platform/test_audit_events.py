"""Each kind of change the audit log promises lands there, with its diff and its actor:
scorecards edited and published, health / alert / touch / phase settings, tier rules, playbook
rules, custom domains, imports and exports."""

from __future__ import annotations

import copy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.importing.export import export_csv
from accounts.importing.jobs import import_job_create, import_job_run
from cs_platform.audit.context import audit_context, request_context
from cs_platform.models import AuditEvent
from cs_platform.scoping import cross_tenant, tenant_scope
from healthscore.models import Scorecard
from healthscore.services.scorecards import healthscore_tenant_defaults
from journeys.services.phases import phases_seed_defaults
from tests.conftest import api_client_for
from tests.factories import AccountFactory
from touchmodel.models import Rule, TierRule
from touchmodel.services.tiers import touch_settings_get


@pytest.fixture(autouse=True)
def _every_tenants_rows():
    """These tests read what the services wrote, from outside the tenant's scope: past the
    database's row-level security (tests/cs_platform/test_rls.py tests that wall)."""
    with cross_tenant("tenant-admin"):
        yield


def events(tenant, **filters):
    return list(AuditEvent.objects.unscoped().filter(tenant=tenant, **filters).order_by("id"))


@pytest.fixture
def admin_api(admin_user, tenant):
    return api_client_for(admin_user, tenant)


def test_a_scorecard_draft_edit_and_its_publish_are_recorded(admin_api, admin_user, tenant):
    with tenant_scope(tenant):
        healthscore_tenant_defaults(tenant=tenant)
        card = Scorecard.objects.get(is_default=True)
    draft = copy.deepcopy(card.draft)
    green = draft["bands"]["green"]
    draft["bands"]["green"] = green + 5
    url = f"/api/v1/health/scorecards/{card.pk}/"

    assert admin_api.patch(url, {"draft": draft}, format="json").status_code == 200
    assert admin_api.post(f"{url}publish/").status_code == 201

    (edited,) = events(tenant, action="scorecard.updated", target_id=card.pk)
    assert edited.changes == {"draft.bands.green": [green, green + 5]}
    assert edited.actor_user_id == admin_user.pk
    # Version 1 was published when the tenant's defaults were made; this is version 2.
    first, published = events(tenant, action="scorecard.published", target_id=card.pk)
    assert first.changes["version"] == [None, 1]
    assert published.changes == {
        "version": [1, 2],
        "definition.bands.green": [green, green + 5],
    }
    assert published.source == "api"


def test_alert_settings_saved_on_the_page_are_recorded(client, admin_user, tenant):
    with tenant_scope(tenant):
        healthscore_tenant_defaults(tenant=tenant)
    client.force_login(admin_user)

    response = client.post(
        "/t/acme/healthscore/settings/alerts/",
        {
            "drop_points": 20,
            "drop_window_days": 7,
            "alert_on_red": "on",
            "task_due_days": 3,
            "milestone_risk_days": 14,
        },
        REMOTE_ADDR="198.51.100.30",
    )

    assert response.status_code == 302
    (event,) = events(tenant, action="health_settings.updated")
    assert event.changes["drop_points"] == [15, 20]
    assert event.actor_user_id == admin_user.pk
    assert str(event.ip) == "198.51.100.30"
    assert event.source == "web"


def test_touch_settings_changes_are_recorded_and_an_unchanged_save_is_not(tenant, admin_user):
    with tenant_scope(tenant):
        settings = touch_settings_get()
        before = settings.email_from
        settings.email_from = "cs@acme.example"
        settings.save()
        settings.save()  # nothing changed: nothing recorded

    (event,) = events(tenant, action="touch_settings.updated")
    assert event.changes == {"email_from": [before, "cs@acme.example"]}
    assert event.target_label == "high 4h · low 1h · tech 0.1h"


def test_phase_renamed_through_the_api_is_recorded(admin_api, tenant):
    with tenant_scope(tenant):
        phase = phases_seed_defaults()[0]
    old = phase.name_en

    response = admin_api.patch(f"/api/v1/phases/{phase.pk}/", {"name_en": "Signed"}, format="json")

    assert response.status_code == 200
    (event,) = events(tenant, action="phase.updated", target_id=phase.pk)
    assert event.changes == {"name_en": [old, "Signed"]}


def test_tier_rules_created_changed_and_deleted_are_recorded(admin_api, admin_user, tenant):
    created = admin_api.post(
        "/api/v1/tier-rules/", {"name": "Enterprise", "tier": "high", "position": 1}, format="json"
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert (
        admin_api.patch(f"/api/v1/tier-rules/{pk}/", {"tier": "low"}, format="json").status_code
        == 200
    )
    assert admin_api.delete(f"/api/v1/tier-rules/{pk}/").status_code == 204

    made, changed, deleted = events(tenant, target_type="touchmodel.tierrule", target_id=pk)
    assert made.action == "tier_rule.created"
    assert made.changes["name"] == [None, "Enterprise"]
    assert changed.action == "tier_rule.updated"
    assert changed.changes == {"tier": ["high", "low"]}
    assert deleted.action == "object.deleted"
    assert deleted.changes["tier"] == ["low", None]
    assert {made.actor_user_id, changed.actor_user_id, deleted.actor_user_id} == {admin_user.pk}
    assert not TierRule.objects.unscoped().filter(pk=pk).exists()


def test_a_playbook_rule_switched_off_is_recorded(admin_api, tenant):
    created = admin_api.post(
        "/api/v1/rules/", {"name_ja": "更新前", "trigger": "renewal_due"}, format="json"
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]

    admin_api.patch(f"/api/v1/rules/{pk}/", {"is_active": False}, format="json")

    made, changed = events(tenant, target_type="touchmodel.rule", target_id=pk)
    assert made.action == "rule.created"
    assert made.changes["trigger"] == [None, "renewal_due"]
    assert changed.action == "rule.updated"
    assert changed.changes == {"is_active": [True, False]}
    assert Rule.objects.unscoped().get(pk=pk).is_active is False


def test_a_custom_domain_claimed_verified_made_primary_and_removed_is_recorded(tenant, admin_user):
    from content.services.domains import (
        site_domain_claim,
        site_domain_delete,
        site_domain_set_primary,
        site_domain_verify,
    )

    with tenant_scope(tenant), _acting_as(admin_user):
        first = site_domain_claim(domain="help.acme.example")
        site_domain_verify(site_domain=first, lookup=lambda name: [first.verification_token])
        second = site_domain_claim(domain="docs.acme.example")
        site_domain_verify(site_domain=second, lookup=lambda name: [second.verification_token])
        site_domain_set_primary(site_domain=second)
        site_domain_delete(site_domain=first)

    actions = [(e.action, e.target_label) for e in events(tenant, target_type="content.sitedomain")]
    assert actions == [
        ("custom_domain.created", "help.acme.example"),
        ("custom_domain.updated", "help.acme.example"),
        ("custom_domain.created", "docs.acme.example"),
        ("custom_domain.updated", "docs.acme.example"),
        ("custom_domain.made_primary", "docs.acme.example"),
        ("custom_domain.deleted", "help.acme.example"),
    ]
    verified = events(tenant, action="custom_domain.updated")[0]
    assert verified.changes["verified_at"][0] is None
    assert verified.changes["is_primary"] == [False, True]
    assert "verification_token" not in str(verified.changes)
    assert all(
        e.actor_user_id == admin_user.pk for e in events(tenant, target_type="content.sitedomain")
    )


def test_an_import_is_recorded_when_queued_and_when_finished(tenant, csm_user):
    upload = SimpleUploadedFile("accounts.csv", "external_id,name\nA-1,採用ラボ\n".encode())
    with tenant_scope(tenant), _acting_as(csm_user):
        job = import_job_create(kind="accounts", upload=upload, dry_run=False, created_by=csm_user)
    with tenant_scope(tenant):  # the worker: no request, acting for the uploader
        import_job_run(job_id=job.pk)

    queued, finished = events(tenant, target_type="accounts.importjob")
    assert queued.action == "import.queued"
    assert queued.changes["kind"] == [None, "accounts"]
    assert queued.target_label == "accounts.csv"
    assert finished.action == "import.finished"
    assert finished.actor_user_id == csm_user.pk
    assert finished.changes["created"] == [None, 1]
    assert finished.changes["status"] == ["running", "succeeded"]


def test_a_csv_export_is_recorded(tenant, csm_user):
    with tenant_scope(tenant):
        AccountFactory.create_batch(3)
        with _acting_as(csm_user):
            export_csv("accounts")

    (event,) = events(tenant, action="export.csv")
    assert event.target_type == "accounts.account"
    assert event.changes["rows"] == [None, 3]
    assert event.actor_user_id == csm_user.pk


def _acting_as(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.50")
    request.user = user
    return audit_context(request_context(request, "web"))


def test_a_scorecard_created_on_the_page_is_recorded_whole(client, admin_user, tenant):
    with tenant_scope(tenant):
        healthscore_tenant_defaults(tenant=tenant)
        phases_seed_defaults()
    client.force_login(admin_user)

    response = client.post(
        "/t/acme/healthscore/scorecards/new/",
        {"name": "導入期", "priority": "10", "phase_keys": ["onboarding"], "description": "新規"},
    )

    assert response.status_code == 302
    (event,) = events(tenant, action="scorecard.created", target_label="導入期")
    assert event.changes["phase_keys"] == [None, ["onboarding"]]
    assert event.changes["description"] == [None, "新規"]
    assert event.actor_user_id == admin_user.pk


def test_removing_the_primary_domain_records_its_successor(tenant):
    from content.services.domains import (
        site_domain_claim,
        site_domain_delete,
        site_domain_verify,
    )

    with tenant_scope(tenant):
        first = site_domain_claim(domain="help.acme.example")
        site_domain_verify(site_domain=first, lookup=lambda name: [first.verification_token])
        second = site_domain_claim(domain="docs.acme.example")
        site_domain_verify(site_domain=second, lookup=lambda name: [second.verification_token])
        site_domain_delete(site_domain=first)

    (event,) = events(tenant, action="custom_domain.made_primary")
    assert (event.target_id, event.changes) == (second.pk, {"is_primary": [False, True]})
