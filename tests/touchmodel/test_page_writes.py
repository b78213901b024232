"""The playbook's pages write through the named services (the forms only validate): what a
form posts is what is stored, for a new row and for a changed one."""

from __future__ import annotations

import pytest

from touchmodel.models import CsmCapacity, Rule, TierRule, TouchProgram, TouchSettings, UserGroup

from .factories import RuleFactory, SeminarFactory, UserGroupFactory


@pytest.fixture
def admin_client(client, admin_user, scoped):
    client.force_login(admin_user)
    return client


def test_a_rule_is_created_and_changed_with_its_settings_packed(admin_client):
    form = {
        "name_ja": "更新前フォロー",
        "name_en": "Before renewal",
        "trigger": "renewal_due",
        "days": "45",
        "threshold": "30",  # not read by this trigger: not stored
        "tiers": ["high"],
        "act_high": "on",
        "due_in_days": "3",
        "checklist_text": "利用状況を確認\n\n  打ち合わせを設定 ",
        "is_active": "on",
    }
    response = admin_client.post("/t/acme/touchmodel/rules/new/", form)
    rule = Rule.objects.get(name_ja="更新前フォロー")
    assert response.status_code == 302
    assert (rule.params, rule.checklist, rule.tiers, rule.act_low) == (
        {"days": 45},
        ["利用状況を確認", "打ち合わせを設定"],
        ["high"],
        False,
    )
    admin_client.post(f"/t/acme/touchmodel/rules/{rule.pk}/edit/", {**form, "days": "20"})
    rule.refresh_from_db()
    assert rule.params == {"days": 20}


def test_a_rule_is_switched_off_and_on(admin_client):
    rule = RuleFactory(is_active=True)
    admin_client.post(f"/t/acme/touchmodel/rules/{rule.pk}/toggle/")
    rule.refresh_from_db()
    assert rule.is_active is False
    admin_client.post(f"/t/acme/touchmodel/rules/{rule.pk}/toggle/")
    rule.refresh_from_db()
    assert rule.is_active is True


def test_programs_tier_rules_and_user_groups_are_saved_from_their_pages(admin_client):
    admin_client.post(
        "/t/acme/touchmodel/programs/new/",
        {
            "name_ja": "オンボーディング",
            "kind": "seminar_series",
            "tier": "low",
            "value_per_customer": "3",
            "reach_per_month": "40",
            "cost_hours_per_month": "8",
            "is_active": "on",
        },
    )
    assert TouchProgram.objects.get(name_ja="オンボーディング").reach_per_month == 40
    admin_client.post(
        "/t/acme/touchmodel/tiers/rules/new/",
        {"name": "大口", "position": "1", "tier": "high", "arr_min": "1000000"},
    )
    assert TierRule.objects.get(name="大口").tier == "high"
    group = UserGroupFactory(topics=["old"])
    admin_client.post(
        f"/t/acme/touchmodel/community/groups/{group.pk}/edit/",
        {"name_ja": "採用分科会", "level": "advanced", "topics_text": "採用広報\n\n面接"},
    )
    group.refresh_from_db()
    assert (group.name_ja, group.level, group.topics) == (
        "採用分科会",
        "advanced",
        ["採用広報", "面接"],
    )
    assert UserGroup.objects.count() == 1


def test_settings_and_a_csms_capacity_are_saved(admin_client, csm_user):
    admin_client.post(
        "/t/acme/touchmodel/settings/",
        {
            "s-default_tier": "low",
            "s-hours_high": "10",
            "s-hours_low": "2",
            "s-hours_tech": "0",
            "s-default_csm_hours": "120",
            "s-email_from": "",
        },
    )
    assert (TouchSettings.objects.get().default_tier, TouchSettings.objects.get().hours_high) == (
        "low",
        10,
    )
    for hours in ("80", "60"):
        admin_client.post(
            "/t/acme/touchmodel/settings/", {"c-user": csm_user.pk, "c-hours_per_month": hours}
        )
    assert list(CsmCapacity.objects.values_list("user_id", "hours_per_month")) == [
        (csm_user.pk, 60)
    ]


def test_a_seminar_is_changed_from_its_page(admin_client):
    seminar = SeminarFactory(capacity=30)
    page = admin_client.get(f"/t/acme/touchmodel/seminars/{seminar.pk}/edit/")
    form = page.context["form"]
    data = {
        name: value
        for name, value in (
            (name, form[name].value()) for name in form.fields if name != "target_phase_id"
        )
        if value not in (None, False)
    }
    data["starts_at"] = seminar.starts_at.strftime("%Y-%m-%dT%H:%M")
    response = admin_client.post(
        f"/t/acme/touchmodel/seminars/{seminar.pk}/edit/", {**data, "capacity": "12"}
    )
    assert response.status_code == 302
    seminar.refresh_from_db()
    assert seminar.capacity == 12
