from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cs_platform.scoping import tenant_scope
from journeys.models import AccountPhase, Activity, ActivityKind, Meeting, Milestone, Task
from journeys.services import phases_seed_defaults
from tests.factories import AccountFactory, ContactFactory, ContractFactory
from tests.journeys.factories import FeedbackItemFactory, MilestoneFactory, TaskFactory

pytestmark = pytest.mark.django_db


def url(name: str, pk: int | None = None, tenant_slug: str = "acme") -> str:
    kwargs = {"tenant_slug": tenant_slug} if pk is None else {"tenant_slug": tenant_slug, "pk": pk}
    return reverse(f"journeys:{name}", kwargs=kwargs)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def phases(tenant):
    with tenant_scope(tenant):
        return {p.key: p for p in phases_seed_defaults()}


@pytest.fixture
def account(tenant, csm_user):
    with tenant_scope(tenant):
        return AccountFactory(owner=csm_user, name="株式会社テスト")


def test_the_account_page_shows_the_phase_and_panels(csm_user, phases, account):
    response = client_for(csm_user).get(url("account", account.pk), follow=True)
    assert response.status_code == 200
    # One account page: the journeys address leads to Account 360.
    assert response.redirect_chain == [(f"/t/acme/accounts/{account.pk}/", 302)]
    assert 'data-testid="account-header"' in response.content.decode()
    body = response.content.decode()
    assert "契約" in body
    assert 'data-testid="journey-map-panel"' in body
    assert 'data-testid="timeline-panel"' in body


def test_moving_the_phase_redirects_back_and_records_it(csm_user, tenant, phases, account):
    response = client_for(csm_user).post(
        url("phase_move", account.pk), {"to_phase": phases["onboarding"].pk, "reason": "契約"}
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert AccountPhase.objects.get(account=account).phase == phases["onboarding"]


def test_a_viewer_cannot_move_the_phase(viewer_user, phases, account):
    response = client_for(viewer_user).post(
        url("phase_move", account.pk), {"to_phase": phases["onboarding"].pk}
    )
    assert response.status_code == 403


def test_my_work_links_every_account_to_account_360(csm_user, phases, account):
    from journeys.services import task_create

    with tenant_scope(account.tenant):
        task_create(account=account, title="キックオフ", assignee=csm_user)
    body = client_for(csm_user).get(url("my_work")).content.decode()
    assert f'href="/t/acme/accounts/{account.pk}/"' in body
    assert "/journeys/accounts/" not in body


def test_an_outsider_cannot_see_the_account_page(outsider, account):
    assert client_for(outsider).get(url("account", account.pk)).status_code == 404


def test_adding_a_milestone_and_a_step_from_the_page(csm_user, tenant, phases, account):
    client = client_for(csm_user)
    client.post(
        url("milestone_add", account.pk),
        {"title": "週100枚スキャン", "customer_goal": "名刺を全部共有", "target_score": 70},
    )
    with tenant_scope(tenant):
        milestone = Milestone.objects.get()
        contact = ContactFactory(account=account)
    client.post(
        url("step_add", milestone.pk),
        {"description": "スキャン数を可視化", "owner": f"contact:{contact.pk}"},
    )
    with tenant_scope(tenant):
        assert milestone.steps.get().owner_contact == contact


def test_an_invalid_milestone_shows_an_error_and_writes_nothing(csm_user, tenant, phases, account):
    response = client_for(csm_user).post(
        url("milestone_add", account.pk), {"title": "x", "target_score": 300}, follow=True
    )
    assert response.status_code == 200
    with tenant_scope(tenant):
        assert Milestone.objects.count() == 0


def test_logging_a_meeting_from_the_page_puts_it_on_the_timeline(csm_user, tenant, phases, account):
    with tenant_scope(tenant):
        contact = ContactFactory(account=account)
    client = client_for(csm_user)
    client.post(
        url("meeting_add", account.pk),
        {
            "occurred_at": "2026-11-20T10:00",
            "meeting_type": "onsite",
            "contacts": [contact.pk],
            "staff": [csm_user.pk],
            "agenda": "キックオフ会議",
            "notes": "順調",
            "next_steps": "管理者研修\n資料送付",
            "sentiment": "positive",
        },
    )
    with tenant_scope(tenant):
        assert Meeting.objects.count() == 1
        assert Task.objects.count() == 2
    page = client.get(url("timeline", account.pk)).content.decode()
    assert "キックオフ会議" in page


def test_completing_a_task_from_my_work(csm_user, tenant, account):
    with tenant_scope(tenant):
        task = TaskFactory(account=account, assignee=csm_user)
    response = client_for(csm_user).post(url("task_done", task.pk), {"next": "my_work"})
    assert response["Location"] == url("my_work")
    with tenant_scope(tenant):
        assert Activity.objects.get().kind == ActivityKind.TASK


def test_my_work_lists_my_tasks_steps_and_renewals(csm_user, tenant, phases, account):
    with tenant_scope(tenant):
        TaskFactory(account=account, assignee=csm_user, title="見積もり送付")
        MilestoneFactory(journey_map__account=account).steps.create(
            description="週次レポート", owner_user=csm_user, tenant=tenant
        )
        import datetime as dt

        from django.utils import timezone

        ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=30))
    body = client_for(csm_user).get(url("my_work")).content.decode()
    assert "見積もり送付" in body
    assert "週次レポート" in body
    assert body.count("株式会社テスト") >= 3


def test_the_funnel_is_for_cs_managers(csm_user, manager_user, phases, account):
    assert client_for(csm_user).get(url("funnel")).status_code == 403
    response = client_for(manager_user).get(url("funnel"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="funnel-row"') == 4


def test_a_viewer_reads_the_voice_of_the_customer_with_filters(viewer_user, tenant):
    with tenant_scope(tenant):
        FeedbackItemFactory(quote="レポートがほしい", kind="request")
        FeedbackItemFactory(quote="画面が遅い", kind="pain_point")
    response = client_for(viewer_user).get(url("feedback"), {"kind": "pain_point"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "画面が遅い" in body
    assert "レポートがほしい" not in body


def test_the_phase_list_extension_filters_and_annotates(tenant, phases):
    from accounts.extensions import list_extensions
    from accounts.models import Account

    extension = next(e for e in list_extensions() if e.key == "phase")
    with tenant_scope(tenant):
        moved, stayed = AccountFactory(), AccountFactory()
        AccountPhase.objects.create(account=moved, phase=phases["adoption"])
        in_first = extension.apply(Account.objects.all(), str(phases["contract"].order))
        assert list(in_first) == [stayed]
        names = dict(extension.annotate(Account.objects.all()).values_list("pk", "phase_name"))
        assert names == {moved.pk: "活用", stayed.pk: "契約"}


def test_the_phase_segment_rule_accepts_keys(tenant, phases):
    from accounts.extensions import segment_rules
    from accounts.models import Account

    rule = segment_rules()["phase"]
    with tenant_scope(tenant):
        moved, _stayed = AccountFactory(), AccountFactory()
        AccountPhase.objects.create(account=moved, phase=phases["renewal"])
        assert list(rule.apply(Account.objects.all(), ["renewal", "adoption"])) == [moved]


def test_the_account_list_filters_by_phase_and_shows_the_phase_column(csm_user, tenant, phases):
    with tenant_scope(tenant):
        moved = AccountFactory(name="移行済み商事")
        AccountFactory(name="未移行物産")
        AccountPhase.objects.create(account=moved, phase=phases["adoption"])
    list_url = reverse("accounts:list", kwargs={"tenant_slug": "acme"})
    response = client_for(csm_user).get(list_url, {"x_phase": phases["adoption"].order})
    body = response.content.decode()
    assert response.status_code == 200
    assert "移行済み商事" in body
    assert "未移行物産" not in body
    assert "活用" in body


def _phase_post(phases: dict) -> dict[str, object]:
    data: dict[str, object] = {"form-TOTAL_FORMS": 5, "form-INITIAL_FORMS": 4, "form-4-order": 0}
    for i, phase in enumerate(sorted(phases.values(), key=lambda p: p.order)):
        data |= {
            f"form-{i}-id": phase.pk,
            f"form-{i}-key": phase.key,
            f"form-{i}-name_ja": phase.name_ja,
            f"form-{i}-name_en": phase.name_en,
            f"form-{i}-order": phase.order,
        }
    return data


def test_an_admin_renames_a_phase(admin_user, tenant, phases):
    data = _phase_post(phases) | {"form-0-name_en": "Signed"}
    response = client_for(admin_user).post(url("phase_settings"), data)
    assert response.status_code == 302, response.context["formset"].errors
    with tenant_scope(tenant):
        phases["contract"].refresh_from_db()
        assert phases["contract"].name_en == "Signed"


def test_two_phases_with_one_key_are_refused(admin_user, tenant, phases):
    data = _phase_post(phases) | {"form-1-key": "contract"}
    response = client_for(admin_user).post(url("phase_settings"), data)
    assert response.status_code == 200
    with tenant_scope(tenant):
        phases["onboarding"].refresh_from_db()
        assert phases["onboarding"].key == "onboarding"


def test_a_csm_cannot_edit_phases(csm_user, phases):
    assert client_for(csm_user).get(url("phase_settings")).status_code == 403
