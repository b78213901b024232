"""The customer's success plan on Learn & Support (pages), the CSM's share toggles and preview.

Who sees what: only a signed-in contact of the account, only what is shared; a step of another
account or tenant is a 404, a staff-owned step a 403, too many writes a 429."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from content import services
from content.services import plan as plan_services
from cs_platform.scoping import tenant_scope
from journeys.models import ActionStep, Activity, ActivityKind, JourneyMap
from journeys.services import success_plan_share_set
from tests.agents import BROWSER_USER_AGENT
from tests.content.factories import SiteDomainFactory
from tests.factories import ContactFactory
from tests.journeys.factories import ActionStepFactory, MilestoneFactory

pytestmark = pytest.mark.django_db

HOST = "help.acme.example"


@pytest.fixture
def plan(scoped):
    """A shared plan: one shared milestone with a customer step and a staff step shared, an
    unshared step and an unshared milestone; returns the customer step."""
    milestone = MilestoneFactory(title="全社で名刺を共有", target_score=70)
    contact = ContactFactory(account=milestone.account, name="山田 花子", email="hanako@c.example")
    step = ActionStepFactory(milestone=milestone, description="名刺を100枚スキャン")
    step.owner_contact = contact
    step.save()
    staff_step = ActionStepFactory(milestone=milestone, description="ダッシュボードを用意")
    ActionStepFactory(milestone=milestone, description="社内メモ: 値引き検討")
    MilestoneFactory(journey_map=milestone.journey_map, title="非公開のマイルストーン")
    for item in (milestone.journey_map, milestone, step, staff_step):
        success_plan_share_set(item=item, shared=True)
    return step


def _reader(contact) -> Client:
    client = Client(HTTP_USER_AGENT=BROWSER_USER_AGENT)
    with tenant_scope(contact.tenant):
        client.get(services.reader_link_path(contact=contact))
    return client


def _staff_step(plan: ActionStep) -> ActionStep:
    return ActionStep.objects.get(milestone=plan.milestone, description="ダッシュボードを用意")


# --- reading ------------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in_and_comes_back_to_the_plan(
    client, plan, mailoutbox
):
    response = client.get("/learn/acme/plan/")
    assert response.status_code == 302
    assert response["Location"] == "/learn/acme/signin/"
    # (the sign-in form hands the address to a task that mails this link)
    services.magic_link_send(email="hanako@c.example", base_url="http://testserver/", language="ja")
    link = re.search(r"http://testserver(\S+)", mailoutbox[0].body)[1]
    assert client.get(link)["Location"] == "/learn/acme/plan/"
    assert "全社で名刺を共有" in client.get("/learn/acme/plan/").content.decode()


def test_the_contact_sees_only_what_is_shared(plan):
    page = _reader(plan.owner_contact).get("/learn/acme/plan/?lang=ja").content.decode()
    assert "全社で名刺を共有" in page
    assert "目標ヘルススコア: 70" in page
    assert "名刺を100枚スキャン" in page
    assert "ダッシュボードを用意" in page
    assert "社内メモ" not in page
    assert "非公開のマイルストーン" not in page
    assert page.count('data-testid="plan-step-done"') == 1  # only the customer's own step


def test_the_plan_reads_in_english(plan):
    page = _reader(plan.owner_contact).get("/learn/acme/plan/?lang=en").content.decode()
    assert '<html lang="en">' in page
    assert "Target health score: 70" in page
    assert "Your customer success team" in page


def test_a_plan_not_shared_says_so(plan):
    success_plan_share_set(item=plan.milestone.journey_map, shared=False)
    response = _reader(plan.owner_contact).get("/learn/acme/plan/")
    assert response.status_code == 200
    assert 'data-testid="plan-not-shared"' in response.content.decode()
    assert "全社で名刺を共有" not in response.content.decode()


def test_a_contact_of_another_account_sees_their_own_plan_not_this_one(plan):
    stranger = ContactFactory()
    page = _reader(stranger).get("/learn/acme/plan/").content.decode()
    assert "全社で名刺を共有" not in page
    assert 'data-testid="plan-not-shared"' in page


# --- writing ------------------------------------------------------------------------------------


def test_ticking_a_step_saves_it_and_lands_on_the_timeline(plan):
    reader = _reader(plan.owner_contact)
    response = reader.post(f"/learn/acme/plan/steps/{plan.pk}/done/", {"done": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/learn/acme/plan/#step-{plan.pk}"
    plan.refresh_from_db()
    assert plan.done
    entry = Activity.objects.get(kind=ActivityKind.SUCCESS_PLAN)
    assert entry.contact_id == plan.owner_contact_id


def test_htmx_gets_only_the_step_back(plan):
    reader = _reader(plan.owner_contact)
    response = reader.post(
        f"/learn/acme/plan/steps/{plan.pk}/comments/",
        {"body": "スキャン完了しました"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<li id="step-')
    assert "スキャン完了しました" in html
    assert "<html" not in html


def test_a_step_of_another_account_is_404(plan):
    stranger = _reader(ContactFactory())
    assert stranger.post(f"/learn/acme/plan/steps/{plan.pk}/done/", {"done": "1"}).status_code == (
        404
    )
    response = stranger.post(f"/learn/acme/plan/steps/{plan.pk}/comments/", {"body": "x"})
    assert response.status_code == 404
    plan.refresh_from_db()
    assert not plan.done


def test_a_step_of_another_tenant_is_404(plan, other_tenant):
    with tenant_scope(other_tenant):
        theirs = ContactFactory()
    reader = _reader(theirs)
    response = reader.post(f"/learn/globex/plan/steps/{plan.pk}/done/", {"done": "1"})
    assert response.status_code == 404
    # …and their session is no reader's on acme's site.
    assert reader.post(f"/learn/acme/plan/steps/{plan.pk}/done/", {"done": "1"}).status_code == (
        302
    )
    plan.refresh_from_db()
    assert not plan.done


def test_an_unshared_step_is_404(plan):
    success_plan_share_set(item=plan, shared=False)
    reader = _reader(plan.owner_contact)
    assert reader.post(f"/learn/acme/plan/steps/{plan.pk}/done/", {"done": "1"}).status_code == (
        404
    )


def test_a_staff_step_cannot_be_ticked_by_the_customer(plan):
    staff_step = _staff_step(plan)
    response = _reader(plan.owner_contact).post(
        f"/learn/acme/plan/steps/{staff_step.pk}/done/", {"done": "1"}
    )
    assert response.status_code == 403
    assert 'data-testid="plan-error"' in response.content.decode()
    staff_step.refresh_from_db()
    assert not staff_step.done


def test_an_empty_comment_or_a_bad_value_is_a_400_that_says_why(plan):
    reader = _reader(plan.owner_contact)
    response = reader.post(f"/learn/acme/plan/steps/{plan.pk}/comments/?lang=en", {"body": " "})
    assert response.status_code == 400
    assert "Write a comment first." in response.content.decode()
    response = reader.post(f"/learn/acme/plan/steps/{plan.pk}/done/", {"done": "maybe"})
    assert response.status_code == 400


def test_writes_are_throttled_per_contact(plan, monkeypatch):
    monkeypatch.setattr(plan_services, "PLAN_WRITES_PER_WINDOW", 2)
    reader = _reader(plan.owner_contact)
    url = f"/learn/acme/plan/steps/{plan.pk}/done/"
    assert reader.post(url, {"done": "1"}).status_code == 302
    assert reader.post(url, {"done": "0"}).status_code == 302
    response = reader.post(url, {"done": "1"})
    assert response.status_code == 429
    plan.refresh_from_db()
    assert not plan.done
    # Another contact of the account has a limit of their own.
    colleague = ContactFactory(account=plan.milestone.account)
    assert _reader(colleague).post(url, {"done": "1"}).status_code == 302


def test_the_plan_is_served_on_the_custom_domain(client, plan, mailoutbox):
    SiteDomainFactory(domain=HOST, verified_at=timezone.now(), is_primary=True)
    response = client.get("/plan/", HTTP_HOST=HOST)
    assert response["Location"] == "/signin/"
    services.magic_link_send(email="hanako@c.example", base_url=f"http://{HOST}/", language="ja")
    link = re.search(r"http://help\.acme\.example(\S+)", mailoutbox[0].body)[1]
    assert client.get(link, HTTP_HOST=HOST)["Location"] == "/plan/"
    page = client.get("/plan/", HTTP_HOST=HOST).content.decode()
    assert "全社で名刺を共有" in page
    assert f'action="/plan/steps/{plan.pk}/done/"' in page


# --- the CSM's side -----------------------------------------------------------------------------


def test_the_csm_shares_a_step_from_the_journey_map(client, plan, csm_user):
    hidden = ActionStep.objects.get(description="社内メモ: 値引き検討")
    client.force_login(csm_user)
    response = client.post(f"/t/acme/journeys/share/step/{hidden.pk}/", {"shared": "1"})
    assert response.status_code == 302
    hidden.refresh_from_db()
    assert hidden.shared_with_customer
    response = client.post(
        f"/t/acme/journeys/share/map/{plan.milestone.journey_map_id}/",
        {"shared": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-testid="share-map"' in response.content.decode()
    assert not JourneyMap.objects.get().shared_with_customer


def test_share_toggles_need_the_csm_role_and_a_clear_value(client, plan, viewer_user, csm_user):
    client.force_login(viewer_user)
    assert client.post(f"/t/acme/journeys/share/step/{plan.pk}/", {"shared": "0"}).status_code == (
        403
    )
    client.force_login(csm_user)
    response = client.post(f"/t/acme/journeys/share/step/{plan.pk}/", {"shared": "yes"})
    assert response.status_code == 400
    assert client.post(f"/t/acme/journeys/share/task/{plan.pk}/", {"shared": "1"}).status_code == (
        404
    )
    plan.refresh_from_db()
    assert plan.shared_with_customer


def test_another_tenants_step_cannot_be_shared(client, plan, outsider):
    client.force_login(outsider)
    response = client.post(f"/t/globex/journeys/share/step/{plan.pk}/", {"shared": "0"})
    assert response.status_code == 404


def test_account_360_shows_the_toggles_and_the_plan_panel(client, plan, csm_user):
    SiteDomainFactory(domain=HOST, verified_at=timezone.now(), is_primary=True)
    client.force_login(csm_user)
    page = client.get(f"/t/acme/accounts/{plan.milestone.account_id}/").content.decode()
    assert 'data-testid="share-map"' in page
    assert page.count('data-testid="share-step"') == 3
    assert 'data-testid="plan-panel"' in page
    panel = page[page.index('data-testid="plan-panel"') :]
    assert "https://help.acme.example/plan/" in panel[:3000], panel[:3000]


def test_the_preview_shows_what_the_customer_sees_with_the_buttons_off(client, plan, viewer_user):
    client.force_login(viewer_user)
    response = client.get(f"/t/acme/content/plan/{plan.milestone.account_id}/preview/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="plan-preview"' in page
    assert "名刺を100枚スキャン" in page
    assert "社内メモ" not in page
    assert re.search(r'data-testid="plan-step-done" disabled', page)


def test_the_preview_of_another_tenants_account_is_404(client, plan, outsider):
    client.force_login(outsider)
    url = f"/t/globex/content/plan/{plan.milestone.account_id}/preview/"
    assert client.get(url).status_code == 404


def test_the_csm_reads_the_customers_tick_on_the_timeline(client, plan, csm_user):
    _reader(plan.owner_contact).post(f"/learn/acme/plan/steps/{plan.pk}/done/", {"done": "1"})
    client.force_login(csm_user)
    page = client.get(
        f"/t/acme/journeys/accounts/{plan.milestone.account_id}/timeline/",
        HTTP_ACCEPT_LANGUAGE="ja",
    ).content.decode()
    assert "山田 花子さんがサクセスプランの「名刺を100枚スキャン」を完了にしました" in page


def test_the_plan_page_reads_a_bounded_number_of_queries(plan, django_assert_max_num_queries):
    for n in range(5):
        ActionStepFactory(milestone=plan.milestone, shared_with_customer=True, description=f"{n}")
    reader = _reader(plan.owner_contact)
    reader.get("/learn/acme/plan/")  # the site's sections are cached under the data version
    # Session, tenant, contact, the plan (map, milestones, steps, comments: 4), phases, the
    # account's phase, the data version, the links: none of it grows with the steps.
    with django_assert_max_num_queries(13):
        assert reader.get("/learn/acme/plan/").status_code == 200
