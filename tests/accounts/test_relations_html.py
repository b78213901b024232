"""Account 360's coverage, contacts and contracts made in Python (accounts.relations_html)
write what the template's loops wrote (tests/accounts/templates/accounts_tests/
relations_before.html, the template before), for every branch: no contacts or contracts,
each level known or not, decision makers, champions, phones, languages, a contact met just
after midnight in the reader's time zone, renewed and expanded contracts, live ones (their
forms), both currencies, markup in the data, each role's links, in Japanese and English."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.template import engines
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import timezone, translation

from accounts.models import RelationshipLevel
from accounts.selectors import contacts_of, contract_history_of
from accounts.views import _relations_context
from cs_platform.pagecache import page_csrf_token
from cs_platform.requestmemo import request_memo_scope
from tests.factories import AccountFactory, ContactFactory, ContractFactory

pytestmark = pytest.mark.django_db

BEFORE = Path(__file__).parent / "templates" / "accounts_tests" / "relations_before.html"


def _request(tenant, role_edit: bool, role_delete: bool, monkeypatch):
    request = RequestFactory().get("/")
    request.tenant = tenant
    request.membership = None
    allowed = {"account.change": role_edit, "contact.delete": role_delete}
    monkeypatch.setattr("accounts.views.can", lambda _request, action: allowed[action])
    return request


def _account_with_everything(tenant):
    account = AccountFactory(name="<b>&Co</b>")
    midnight = timezone.localtime().replace(hour=0, minute=5) - dt.timedelta(days=2)
    ContactFactory(
        account=account,
        name='O\'Neil "Al" <x>',
        title="",
        phone="03 1234 5678",
        language="en",
        relationship_level="executive",
        is_decision_maker=True,
        is_champion=True,
        last_met_at=midnight,
    )
    ContactFactory(account=account, name="佐藤", title="部長 & CTO", relationship_level="manager")
    ContactFactory(account=account, name="Field", relationship_level="field", language="ja")
    today = timezone.localdate()
    first = ContractFactory(
        account=account,
        status="expanded",
        start_date=today - dt.timedelta(days=700),
        renewal_date=today - dt.timedelta(days=335),
        currency="USD",
        arr=1_234_567,
    )
    second = ContractFactory(
        account=account,
        previous=first,
        status="renewed",
        plan="Pro <2>",
        start_date=today - dt.timedelta(days=335),
        renewal_date=today - dt.timedelta(days=1),
    )
    ContractFactory(
        account=account,
        previous=second,
        status="active",
        external_id="C-9",
        start_date=today - dt.timedelta(days=1),
        renewal_date=today + dt.timedelta(days=364),
    )
    return account


def _both(request, account, delete: bool) -> tuple[str, str]:
    with request_memo_scope():
        ctx = _relations_context(request, account)
    # What the template before read, besides what the page's context still holds.
    ctx_before = {
        **ctx,
        "level_labels": dict(RelationshipLevel.choices),
        "contacts": contacts_of(account=account),
        "contracts": list(reversed(contract_history_of(account_id=account.pk))),
        "can_delete": delete,
    }
    token = page_csrf_token(request)
    context = {"ctx": ctx_before, "request": request, "csrf_token": token}
    before = engines["django"].from_string(BEFORE.read_text()).render(context, request)
    context = {"ctx": ctx, "request": request, "csrf_token": token}
    return before, get_template("accounts/_relations.html").render(context, request)


@pytest.mark.parametrize("edit,delete", [(True, True), (True, False), (False, False)])
def test_the_rows_are_written_as_the_templates_loops_wrote_them(scoped, monkeypatch, edit, delete):
    request = _request(scoped, edit, delete, monkeypatch)
    full, empty = _account_with_everything(scoped), AccountFactory()
    written = []
    for language in ("ja", "en"):
        with translation.override(language), timezone.override("Asia/Tokyo"):
            for account in (full, empty):
                before, after = _both(request, account, delete)
                assert after == before
                written.append(after)
    assert ("renew-arr-" in written[0]) == edit and ("contact-delete" in written[0]) == delete
    assert "O&#x27;Neil &quot;Al&quot; &lt;x&gt;" in written[0]


def test_no_row_of_the_tables_is_left_to_the_template():
    assert "{% for" not in get_template("accounts/_relations.html").template.source
