import datetime as dt

import pytest
from django.utils import timezone

from journeys.models import Activity
from tests.conftest import api_key_client
from tests.factories import AccountFactory, ContactFactory, ContractFactory
from touchmodel.models import AccountTier, EmailOptOut, RuleFiring

from .factories import (
    ChampionNominationFactory,
    OutboundEmailFactory,
    RuleFactory,
    SeminarFactory,
    SeminarRegistrationFactory,
    TouchProgramFactory,
)

pytestmark = pytest.mark.django_db


def test_program_effect_returns_the_four_stages(admin_api, scoped):
    program = TouchProgramFactory()
    body = admin_api.get(f"/api/v1/programs/{program.pk}/effect/").json()
    assert {"activity", "input", "outcome", "impact"} <= set(body)
    assert set(body["input"]) == {"window_days", "touched", "control"}


def test_rule_test_action_lists_accounts_without_firing(admin_api, scoped):
    account = AccountFactory()
    ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=9))
    rule = RuleFactory(trigger="renewal_due", params={"days": 30})
    body = admin_api.get(f"/api/v1/rules/{rule.pk}/test/").json()
    assert [row["account_id"] for row in body] == [account.pk]
    assert RuleFiring.objects.count() == 0


def test_a_csm_cannot_write_rules(csm_api, scoped):
    response = csm_api.post(
        "/api/v1/rules/", {"name_ja": "x", "trigger": "renewal_due"}, format="json"
    )
    assert response.status_code == 403


def test_rule_with_unknown_params_is_a_400(admin_api, scoped):
    response = admin_api.post(
        "/api/v1/rules/",
        {"name_ja": "x", "trigger": "renewal_due", "params": {"dayz": 3}},
        format="json",
    )
    assert response.status_code == 400
    assert "params" in response.json()


def test_a_csm_registers_a_contact_for_a_seminar(csm_api, scoped):
    seminar = SeminarFactory()
    contact = ContactFactory()
    response = csm_api.post(
        f"/api/v1/seminars/{seminar.pk}/registrations/", {"contact": contact.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["account"] == contact.account_id


def test_a_csm_cannot_plan_a_seminar(csm_api, scoped):
    response = csm_api.post(
        "/api/v1/seminars/",
        {"title_ja": "x", "kind": "webinar", "starts_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 403


def test_attendance_goes_on_the_account_timeline(csm_api, scoped):
    came = SeminarRegistrationFactory(seminar__starts_at=timezone.now())
    missed = SeminarRegistrationFactory(seminar=came.seminar)
    response = csm_api.post(
        f"/api/v1/seminars/{came.seminar_id}/attendance/",
        {"attended": [came.pk], "missed": [missed.pk]},
        format="json",
    )
    assert response.json() == {"updated": 2, "activities": 2}
    rows = Activity.objects.filter(kind="seminar_attendance").order_by("account_id")
    assert {(a.account_id, a.data["attended"]) for a in rows} == {
        (came.account_id, True),
        (missed.account_id, False),
    }


def test_recording_attendance_twice_writes_the_timeline_once(csm_api, scoped):
    came = SeminarRegistrationFactory()
    url = f"/api/v1/seminars/{came.seminar_id}/attendance/"
    csm_api.post(url, {"attended": [came.pk]}, format="json")
    csm_api.post(url, {"attended": [came.pk]}, format="json")
    assert Activity.objects.filter(kind="seminar_attendance").count() == 1


def test_a_manager_overrides_a_tier_through_the_api(manager_user, tenant, scoped):
    from tests.conftest import api_client_for

    client = api_client_for(manager_user, tenant)
    account = AccountFactory()
    response = client.post(
        "/api/v1/tiers/override/",
        {"account": account.pk, "tier": "high", "reason": "経営層の関与"},
        format="json",
    )
    assert response.status_code == 200
    assert AccountTier.objects.get(account=account).override_by == manager_user


def test_an_override_without_reason_is_a_409(admin_api, scoped):
    account = AccountFactory()
    response = admin_api.post(
        "/api/v1/tiers/override/", {"account": account.pk, "tier": "high"}, format="json"
    )
    assert response.status_code == 409


def test_awarding_a_nomination_makes_the_contact_a_champion(admin_api, scoped):
    nomination = ChampionNominationFactory()
    admin_api.post(
        f"/api/v1/champions/{nomination.pk}/award/", {"award_title": "MVP"}, format="json"
    )
    nomination.contact.refresh_from_db()
    assert nomination.contact.is_champion


def test_the_bounce_webhook_records_a_bounce(tenant, scoped):
    email = OutboundEmailFactory(status="sent", to_email="gone@customer.example")
    client = api_key_client(tenant, "write")
    response = client.post(
        "/api/v1/emails/bounce/",
        {"email": "gone@customer.example", "reason": "550 no such user"},
        format="json",
    )
    assert response.json() == {"marked": 1}
    email.refresh_from_db()
    assert email.status == "bounced"
    assert EmailOptOut.objects.filter(email="gone@customer.example").exists()


def test_the_schema_documents_the_touchmodel_endpoints(admin_api):
    schema = admin_api.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/tiers/",
        "/api/v1/programs/{id}/effect/",
        "/api/v1/rules/{id}/test/",
        "/api/v1/firings/",
        "/api/v1/seminars/{id}/attendance/",
        "/api/v1/user-groups/",
        "/api/v1/champions/",
    ):
        assert path in schema["paths"], path
