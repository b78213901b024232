"""The account list a CS team lives in: sorting, the score-change filter, CSV of the current
view, saved views, bulk actions with a confirmation that says how many, and its speed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, SavedView, Segment
from accounts.selectors import segment_accounts
from cs_platform.scoping import tenant_scope
from journeys.models import Activity
from tests.factories import AccountFactory, ContractFactory, SavedViewFactory, SegmentFactory
from tests.healthscore.factories import HealthScoreFactory
from tests.touchmodel.factories import RuleFactory
from touchmodel.models import AccountTier

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs) -> str:
    return reverse(f"accounts:{name}", kwargs={"tenant_slug": "acme", **kwargs})


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _names(response) -> list[str]:
    return [row.values["name"] for row in response.context["page"].rows]  # listing.ListRow


# --- sorting and filters ----------------------------------------------------------------------


def test_the_list_sorts_by_owner_and_toggles_the_direction(tenant, viewer_user, csm_user):
    with tenant_scope(tenant):
        AccountFactory(name="B社", owner=viewer_user)  # "viewer@…" sorts after "csm@…"
        AccountFactory(name="A社", owner=csm_user)
    client = client_for(viewer_user)
    csm_user.full_name = "Aoki"
    csm_user.save()
    viewer_user.full_name = "Yamada"
    viewer_user.save()
    assert _names(client.get(url("list"), {"sort": "owner"})) == ["A社", "B社"]
    response = client.get(url("list"), {"sort": "-owner"})
    assert _names(response) == ["B社", "A社"]
    # The header link of the current sort reverses it, and the column shows the direction.
    body = response.content.decode()
    assert "?sort=owner" in body and "▼" in body


def test_the_arr_header_starts_highest_first_then_reverses(tenant, viewer_user):
    response = client_for(viewer_user).get(url("list"), {"sort": "-arr"})
    assert "?sort=arr" in response.content.decode()


def test_the_score_change_filter_finds_accounts_that_fell(tenant, viewer_user):
    today = timezone.localdate()
    with tenant_scope(tenant):
        fell, rose, new = (AccountFactory(name=n) for n in ("落ちた", "上がった", "新規"))
        for account, before, now in ((fell, 80, 62), (rose, 50, 70)):
            HealthScoreFactory(account=account, day=today - dt.timedelta(days=35), score=before)
            HealthScoreFactory(account=account, day=today, score=now)
        HealthScoreFactory(account=new, day=today, score=30)
    client = client_for(viewer_user)
    assert _names(client.get(url("list"), {"x_score_change": "drop10"})) == ["落ちた"]
    assert _names(client.get(url("list"), {"x_score_change": "rise10"})) == ["上がった"]


def test_the_list_stays_one_page_query_with_views_and_bulk_actions(tenant, admin_user):
    with tenant_scope(tenant):
        for _ in range(60):
            ContractFactory()
        SavedViewFactory(owner=admin_user)
        SegmentFactory()
    with CaptureQueriesContext(connection) as queries:
        response = client_for(admin_user).get(url("list"), {"sort": "owner", "q": "株式"})
    assert response.status_code == 200
    assert 'data-testid="bulk-form"' in response.content.decode()
    table = re.compile(r'FROM "?accounts_account\b')  # the ORM's, or the rows' lean read
    account_queries = [q["sql"] for q in queries.captured_queries if table.search(q["sql"])]
    # Two steps (issue #16): the page's ids and sort keys (the search and the order), then
    # those rows with their owner; the second neither searches nor sorts.
    assert len(account_queries) == 2, account_queries
    ids, rows = account_queries
    assert "accountnamegram" in ids.lower() or "ILIKE" in ids
    assert "a.id = ANY(" in rows and "ORDER BY" not in rows
    assert "ILIKE" not in rows and "accountnamegram" not in rows.lower()


# --- CSV of the current view ------------------------------------------------------------------


def test_the_csv_follows_the_current_view_and_escapes_formulas(tenant, csm_user):
    with tenant_scope(tenant):
        AccountFactory(name="=HYPERLINK(1)", market_segment="enterprise", external_id="e1")
        AccountFactory(name="中堅商事", market_segment="mid_market", external_id="m1")
        AccountFactory(name="大手商事", market_segment="enterprise", external_id="e2")
    response = client_for(csm_user).get(
        url("list_csv"), {"market_segment": "enterprise", "sort": "-name"}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["大手商事", "'=HYPERLINK(1)"]


def test_a_viewer_may_not_download_the_csv(tenant, viewer_user):
    assert client_for(viewer_user).get(url("list_csv")).status_code == 403


# --- saved views ------------------------------------------------------------------------------


def test_a_user_saves_a_view_and_opens_it_again(tenant, csm_user):
    client = client_for(csm_user)
    response = client.post(
        url("view_save"), {"name": "更新間近", "query": "renewal=30&sort=-arr&page=3"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?renewal=30&sort=-arr")
    with tenant_scope(tenant):
        view = SavedView.objects.get()
    assert (view.owner, view.query, view.shared) == (csm_user, "renewal=30&sort=-arr", False)
    assert "更新間近" in client.get(url("list")).content.decode()


def test_only_a_manager_shares_a_view_and_the_team_sees_it(tenant, csm_user, manager_user):
    client_for(csm_user).post(url("view_save"), {"name": "私の", "query": "", "shared": "on"})
    client_for(manager_user).post(
        url("view_save"), {"name": "チーム", "query": "sort=arr", "shared": "on"}
    )
    with tenant_scope(tenant):
        assert dict(SavedView.objects.values_list("name", "shared")) == {
            "私の": False,
            "チーム": True,
        }
    names = [v.name for v in client_for(csm_user).get(url("list")).context["saved_views"]]
    assert names == ["チーム", "私の"]
    other = [v.name for v in client_for(manager_user).get(url("list")).context["saved_views"]]
    assert other == ["チーム"]  # another CSM's own view stays theirs


def test_a_csm_may_not_delete_a_shared_view_but_a_manager_may(tenant, csm_user, manager_user):
    with tenant_scope(tenant):
        view = SavedViewFactory(owner=manager_user, shared=True)
    assert client_for(csm_user).post(url("view_delete", pk=view.pk)).status_code == 403
    assert client_for(manager_user).post(url("view_delete", pk=view.pk)).status_code == 302
    with tenant_scope(tenant):
        assert not SavedView.objects.exists()


def test_another_users_private_view_is_404(tenant, csm_user, manager_user):
    with tenant_scope(tenant):
        view = SavedViewFactory(owner=manager_user)
    assert client_for(csm_user).post(url("view_delete", pk=view.pk)).status_code == 404


# --- bulk actions -----------------------------------------------------------------------------


def test_a_bulk_action_first_asks_with_the_number_of_accounts(tenant, csm_user, manager_user):
    with tenant_scope(tenant):
        accounts = [AccountFactory(owner=csm_user) for _ in range(3)]
    response = client_for(csm_user).post(
        url("bulk"),
        {
            "action": "assign_owner",
            "value_assign_owner": str(manager_user.pk),
            "ids": [a.pk for a in accounts[:2]],
            "query": "sort=name",
        },
    )
    assert response.status_code == 200
    assert response.context["count"] == 2
    assert "2" in response.content.decode()
    with tenant_scope(tenant):
        assert set(Account.objects.values_list("owner_id", flat=True)) == {csm_user.pk}


def test_the_bulk_form_posts_with_the_pages_csrf_token(tenant, csm_user, manager_user):
    """The bulk form is written in Python (accounts.listing.bulk_form_html) with the token
    the page's other forms carry: a browser's post passes the CSRF check."""
    with tenant_scope(tenant):
        account = AccountFactory(owner=csm_user)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(csm_user)
    body = browser.get(url("list")).content.decode()
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body))
    form = body[body.index('id="bulk-form"') : body.index("</form>", body.index('id="bulk-form"'))]
    assert len(tokens) == 1 and next(iter(tokens)) in form
    response = browser.post(
        url("bulk"),
        {
            "csrfmiddlewaretoken": next(iter(tokens)),
            "action": "assign_owner",
            "value_assign_owner": str(manager_user.pk),
            "ids": [account.pk],
            "query": "",
        },
    )
    assert response.status_code == 200 and response.context["count"] == 1


def test_confirming_assigns_the_owner_in_one_update(tenant, csm_user, manager_user):
    with tenant_scope(tenant):
        accounts = [AccountFactory(owner=csm_user) for _ in range(3)]
    ids = [a.pk for a in accounts[:2]]
    with CaptureQueriesContext(connection) as queries:
        response = client_for(csm_user).post(
            url("bulk"),
            {
                "action": "assign_owner",
                "value": str(manager_user.pk),
                "ids": ids,
                "confirm": "yes",
                "query": "sort=name",
            },
        )
    assert response.status_code == 302
    assert response["Location"].endswith("?sort=name")
    # Under row-level security each statement carries a set_config() prefix.
    updates = [q for q in queries.captured_queries if 'UPDATE "accounts_account"' in q["sql"]]
    assert len(updates) == 1
    with tenant_scope(tenant):
        owners = dict(Account.objects.values_list("pk", "owner_id"))
    assert owners == {ids[0]: manager_user.pk, ids[1]: manager_user.pk, accounts[2].pk: csm_user.pk}


def test_all_accounts_of_the_view_are_changed_not_only_the_page(tenant, csm_user):
    with tenant_scope(tenant):
        for i in range(55):
            AccountFactory(name=f"対象{i:02}", market_segment="smb", owner=csm_user)
        AccountFactory(name="対象外", market_segment="enterprise", owner=csm_user)
    client = client_for(csm_user)
    post = {
        "action": "assign_owner",
        "value": "none",
        "scope": "all",
        "query": "market_segment=smb",
    }
    assert client.post(url("bulk"), post).context["count"] == 55
    client.post(url("bulk"), {**post, "confirm": "yes"})
    with tenant_scope(tenant):
        assert Account.objects.filter(owner__isnull=True).count() == 55
        assert Account.objects.get(name="対象外").owner == csm_user


def test_adding_accounts_to_a_rule_based_segment_keeps_its_rules(tenant, csm_user):
    with tenant_scope(tenant):
        segment = SegmentFactory(rules={"market_segments": ["enterprise"]})
        by_rule = AccountFactory(market_segment="enterprise")
        by_hand = AccountFactory(market_segment="smb")
        AccountFactory(market_segment="smb")
    client_for(csm_user).post(
        url("bulk"),
        {
            "action": "add_to_segment",
            "value": str(segment.pk),
            "ids": [by_hand.pk],
            "confirm": "yes",
        },
    )
    with tenant_scope(tenant):
        segment.refresh_from_db()
        assert segment.rules["include_ids"] == [by_hand.pk]
        assert set(segment_accounts(segment).values_list("pk", flat=True)) == {
            by_rule.pk,
            by_hand.pk,
        }


def test_a_manager_changes_the_tier_of_many_accounts_with_timeline_entries(tenant, manager_user):
    with tenant_scope(tenant):
        accounts = [AccountFactory() for _ in range(3)]
    client_for(manager_user).post(
        url("bulk"),
        {"action": "set_tier", "value": "high", "ids": [a.pk for a in accounts], "confirm": "yes"},
    )
    with tenant_scope(tenant):
        assert set(AccountTier.objects.values_list("tier", "source")) == {("high", "manual")}
        assert Activity.objects.filter(kind="tier_change").count() == 3


@pytest.mark.parametrize(
    ("fixture", "action", "status"),
    [
        ("viewer_user", "assign_owner", 403),  # the bulk page needs account.change (CSM)
        ("csm_user", "set_tier", 403),  # tier.override: CS manager, as in the API
        ("csm_user", "start_playbook", 403),  # rule.run: CS manager, as in the API
    ],
)
def test_each_bulk_action_needs_the_role_of_its_single_action(
    request, tenant, fixture, action, status
):
    with tenant_scope(tenant):
        account = AccountFactory()
        rule = RuleFactory()
    value = {"assign_owner": "none", "set_tier": "high", "start_playbook": str(rule.pk)}[action]
    response = client_for(request.getfixturevalue(fixture)).post(
        url("bulk"), {"action": action, "value": value, "ids": [account.pk], "confirm": "yes"}
    )
    assert response.status_code == status


def test_an_admin_starts_a_playbook_for_the_ticked_accounts(tenant, admin_user):
    today = timezone.localdate()
    with tenant_scope(tenant):
        rule = RuleFactory(trigger="renewal_due", params={"days": 90})
        due = ContractFactory(renewal_date=today + dt.timedelta(days=20)).account
        later = ContractFactory(renewal_date=today + dt.timedelta(days=300)).account
    response = client_for(admin_user).post(
        url("bulk"),
        {
            "action": "start_playbook",
            "value": str(rule.pk),
            "ids": [due.pk, later.pk],
            "confirm": "yes",
        },
        follow=True,
    )
    assert response.status_code == 200
    with tenant_scope(tenant):
        from touchmodel.models import RuleFiring

        assert list(RuleFiring.objects.values_list("account_id", flat=True)) == [due.pk]


def test_a_bulk_action_without_accounts_or_value_says_so(tenant, csm_user):
    client = client_for(csm_user)
    response = client.post(url("bulk"), {"action": "assign_owner", "value": "none"}, follow=True)
    assert response.status_code == 200
    with tenant_scope(tenant):
        assert not Segment.objects.exists()
    messages = [str(m) for m in response.context["messages"]]
    assert messages


def test_a_manager_shares_an_existing_view_and_a_csm_may_not(tenant, csm_user, manager_user):
    with tenant_scope(tenant):
        own = SavedViewFactory(owner=manager_user)
        csm_view = SavedViewFactory(owner=csm_user)
    client_for(manager_user).post(url("view_share", pk=own.pk), {"shared": "on"})
    assert client_for(csm_user).post(url("view_share", pk=csm_view.pk)).status_code == 403
    with tenant_scope(tenant):
        own.refresh_from_db()
        assert own.shared
    client_for(manager_user).post(url("view_share", pk=own.pk))
    with tenant_scope(tenant):
        own.refresh_from_db()
        assert not own.shared
