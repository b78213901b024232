import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.extensions import (
    AccountListExtension,
    AccountPanel,
    _list_extensions,
    _panels,
    register_account_panel,
    register_list_extension,
)
from accounts.models import Account, Contract, ImportJob, Segment
from cs_platform.scoping import tenant_scope
from demo.accounts import accounts_seed_demo
from tests.accounts.conftest import url
from tests.factories import AccountFactory, ContactFactory, ContractFactory, SegmentFactory

pytestmark = pytest.mark.django_db
TEST_TEMPLATES = Path(__file__).parent / "templates"


def test_account_list_renders_and_searches_japanese(viewer, tenant):
    with tenant_scope(tenant):
        AccountFactory(name="株式会社採用ラボ")
        AccountFactory(name="名刺商事")
    response = viewer.get(url(tenant, "list"), {"q": "採用"})
    assert response.status_code == 200
    assert "株式会社採用ラボ" in response.text
    assert "名刺商事" not in response.text


def test_account_list_filters_by_renewal_window(viewer, tenant):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    with tenant_scope(tenant):
        ContractFactory(
            account=AccountFactory(name="soon"),
            start_date=today - dt.timedelta(days=300),
            renewal_date=today + dt.timedelta(days=20),
        )
        ContractFactory(
            account=AccountFactory(name="later"),
            start_date=today,
            renewal_date=today + dt.timedelta(days=200),
        )
    response = viewer.get(url(tenant, "list"), {"renewal": "30"})
    assert ">soon<" in response.text and ">later<" not in response.text


def test_account_list_reads_accounts_in_one_page_query_and_no_count(viewer, tenant):
    with tenant_scope(tenant):
        for _ in range(60):
            ContractFactory()
    with CaptureQueriesContext(connection) as queries:
        response = viewer.get(url(tenant, "list"), {"sort": "-arr"})
    assert response.status_code == 200
    table = re.compile(r'FROM "?accounts_account\b')  # the ORM's, or the rows' lean read
    account_queries = [q["sql"] for q in queries.captured_queries if table.search(q["sql"])]
    # Two steps (issue #16): the page's ids and sort values, then those 50 rows; no count.
    assert len(account_queries) == 2, account_queries
    assert not any("COUNT(" in sql.upper() for sql in account_queries)
    assert len(response.context["page"].rows) == 50 and response.context["page"].next_cursor


def test_account_list_shows_a_registered_column_and_filter(viewer, tenant):
    from django.db.models import Value

    register_list_extension(
        AccountListExtension(
            key="colour",
            label="Colour",
            choices=lambda: [("blue", "Blue")],
            apply=lambda qs, v: qs.filter(name__startswith=v),
            annotate=lambda qs: qs.annotate(colour=Value("blue-ish")),
        )
    )
    try:
        with tenant_scope(tenant):
            AccountFactory(name="blue one")
            AccountFactory(name="red one")
        response = viewer.get(url(tenant, "list"), {"x_colour": "blue"})
        assert "blue-ish" in response.text
        assert "blue one" in response.text and "red one" not in response.text
    finally:
        _list_extensions.pop("colour")


def test_account_360_renders_coverage_contracts_and_registered_panels(viewer, tenant, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}
    ]
    register_account_panel(
        AccountPanel(
            key="test_panel",
            template="accounts_tests/panel.html",
            get_context=lambda request, account: {"greeting": f"hello {account.external_id}"},
            slot="side",
        )
    )
    try:
        with tenant_scope(tenant):
            account = AccountFactory(external_id="A-42")
            ContactFactory(account=account, name="山田 太郎", relationship_level="executive")
            ContractFactory(account=account, arr=1_200_000)
        response = viewer.get(url(tenant, "detail", pk=account.pk))
        assert response.status_code == 200
        assert "山田 太郎" in response.text
        assert "¥1,200,000" in response.text
        assert "hello A-42" in response.text
    finally:
        _panels.pop("test_panel")


def test_another_tenants_account_is_404(viewer, other_tenant, tenant):
    with tenant_scope(other_tenant):
        theirs = AccountFactory()
    assert viewer.get(url(tenant, "detail", pk=theirs.pk)).status_code == 404


def test_csm_creates_an_account_and_lands_on_it(csm, tenant, csm_user):
    response = csm.post(
        url(tenant, "create"),
        {
            "name": "株式会社採用ラボ",
            "external_id": "A-1",
            "owner": csm_user.pk,
            "licensed_seats": 10,
            "lifecycle_status": "active",
            "business_potential": "medium",
            "potential_arr": 0,
            "maturity_stage": 0,
        },
    )
    with tenant_scope(tenant):
        account = Account.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(tenant, "detail", pk=account.pk)


def test_create_form_shows_a_duplicate_external_id_as_an_error(csm, tenant):
    with tenant_scope(tenant):
        AccountFactory(external_id="A-1")
    response = csm.post(
        url(tenant, "create"),
        {
            "name": "X",
            "external_id": "A-1",
            "licensed_seats": 0,
            "lifecycle_status": "active",
            "business_potential": "medium",
            "potential_arr": 0,
            "maturity_stage": 0,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_viewer_may_not_open_the_create_form(viewer, tenant):
    assert viewer.get(url(tenant, "create")).status_code == 403


def test_csm_edits_an_account(csm, tenant):
    with tenant_scope(tenant):
        account = AccountFactory(name="old")
    response = csm.post(
        url(tenant, "edit", pk=account.pk),
        {
            "name": "new",
            "external_id": account.external_id,
            "licensed_seats": 1,
            "lifecycle_status": "active",
            "business_potential": "high",
            "potential_arr": 0,
            "maturity_stage": 2,
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.maturity_stage) == ("new", 2)


def test_csm_adds_a_contact_and_a_contract(csm, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    csm.post(
        url(tenant, "contact_create", pk=account.pk),
        {"name": "佐藤 花子", "relationship_level": "manager"},
    )
    csm.post(
        url(tenant, "contract_create", pk=account.pk),
        {"plan": "Pro", "arr": 500000, "start_date": "2026-01-01", "renewal_date": "2027-01-01"},
    )
    with tenant_scope(tenant):
        assert account.contacts.get().name == "佐藤 花子"
        assert account.contracts.get().arr == 500_000


def test_renew_button_renews_the_contract(csm, tenant):
    with tenant_scope(tenant):
        contract = ContractFactory(arr=100)
    response = csm.post(url(tenant, "contract_renew", pk=contract.pk), {"arr": "150"})
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert Contract.objects.get(previous=contract).arr == 150


def test_segments_page_saves_a_segment_from_the_form(csm, tenant):
    response = csm.post(
        url(tenant, "segments"),
        {"name": "Enterprise", "market_segments": ["enterprise"], "arr_min": "1000"},
    )
    with tenant_scope(tenant):
        segment = Segment.objects.get()
    assert response.status_code == 302
    assert segment.rules == {"arr_min": 1000, "market_segments": ["enterprise"]}


def test_segment_detail_lists_matching_accounts(viewer, tenant):
    with tenant_scope(tenant):
        AccountFactory(name="ent", market_segment="enterprise")
        AccountFactory(name="smb", market_segment="smb")
        segment = SegmentFactory(rules={"market_segments": ["enterprise"]})
    response = viewer.get(url(tenant, "segment_detail", pk=segment.pk))
    assert ">ent<" in response.text and ">smb<" not in response.text


def test_import_page_creates_a_job_and_shows_its_progress(csm, tenant, monkeypatch):
    monkeypatch.setattr("accounts.tasks.import_csv.delay", lambda **kw: None)
    upload = SimpleUploadedFile("a.csv", "external_id,name\nA-1,X\n".encode("cp932"))
    response = csm.post(
        url(tenant, "import"), {"kind": "accounts", "file": upload, "dry_run": "on"}
    )
    with tenant_scope(tenant):
        job = ImportJob.objects.get()
    assert response["Location"] == url(tenant, "import_job", pk=job.pk)
    page = csm.get(url(tenant, "import_job", pk=job.pk))
    assert 'http-equiv="refresh"' in page.text
    assert job.dry_run


def test_export_downloads_utf8_with_bom(csm, tenant):
    with tenant_scope(tenant):
        AccountFactory(name="株式会社採用ラボ")
    response = csm.get(url(tenant, "export"), {"kind": "accounts", "headers": "ja"})
    assert response.content.startswith("\ufeff外部ID".encode())
    assert "株式会社採用ラボ" in response.content.decode("utf-8-sig")


def test_nav_has_accounts_and_segments(viewer, tenant):
    response = viewer.get(url(tenant, "list"))
    assert url(tenant, "segments") in response.text


def test_seed_demo_creates_thousands_of_accounts_once(tenant, csm_user, settings):
    settings.DEMO_SCALE = 2.0  # a tenant outside the demo list gets 1,000 × DEMO_SCALE
    with tenant_scope(tenant):
        accounts_seed_demo(tenant=tenant, log=lambda message: None)
        accounts_seed_demo(tenant=tenant, log=lambda message: None)
        assert Account.objects.count() == 2000
        assert Contract.objects.filter(previous__isnull=False).exists()
        assert set(Account.objects.values_list("contacts__relationship_level", flat=True)) >= {
            "field",
            "manager",
            "executive",
        }
        assert Account.objects.filter(owner=csm_user).exists()
