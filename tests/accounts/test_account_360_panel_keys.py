"""Account 360's panel keys (`accounts.views._panel_keys`): each is the panel's
`account_cache_key`, made from one prefix, and a `cache_key` several panels share is asked
once per view (issue #16: the keys of a first view's fourteen panels)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import RequestFactory

from accounts import views
from accounts.extensions import AccountPanel
from cs_platform.datacache import account_cache_key
from cs_platform.requestmemo import request_memo_scope
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _panels(cache_key) -> dict[str, list[AccountPanel]]:
    def panel(key: str, slot: str) -> AccountPanel:
        return AccountPanel(key, "t.html", lambda request, account: {}, slot, cache_key=cache_key)

    return {"header": [panel("h", "header")], "main": [panel("m", "main")], "side": []}


def test_each_panel_key_is_its_account_cache_key_and_a_shared_cache_key_is_asked_once(
    scoped, monkeypatch
):
    asked = []

    def shared(request, account) -> str:
        asked.append(account.pk)
        return f"day{len(asked)}"

    panels = _panels(shared)
    monkeypatch.setattr(views, "account_panels", lambda slot: panels[slot])
    account = AccountFactory()
    request = RequestFactory().get(f"/t/acme/accounts/{account.pk}/?x=1")
    request.membership = SimpleNamespace(role="cs_manager")
    with request_memo_scope():
        slots, keys, _unscored = views._panel_keys(request, account)
        place = f"{account.pk}:cs_manager:/t/acme/accounts/{account.pk}/?x=1"
        relations = views.RELATIONS.cache_key(request, account)
        assert keys == {
            "accounts_relations": account_cache_key(
                account.pk, "accounts.panel.accounts_relations", f"{place}:{relations}"
            ),
            "h": account_cache_key(account.pk, "accounts.panel.h", f"{place}:day1"),
            "m": account_cache_key(account.pk, "accounts.panel.m", f"{place}:day1"),
        }
    assert asked == [account.pk]
    assert [p.key for p in slots["header"]] == ["h"]
