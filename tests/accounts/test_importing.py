import datetime as dt

import pytest
from django.test import override_settings
from django.utils import translation

from accounts.importing import export_csv, run_import
from accounts.models import Account, Contact, Contract
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.django_db


def _csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _lines(report):
    return [(e.line, e.column) for e in report.errors]


def test_import_creates_accounts_from_utf8(scoped):
    data = _csv("external_id,name,industry", "A-1,株式会社採用ラボ,人材", "A-2,名刺商事,商社")
    report = run_import(kind="accounts", data=data.encode(), dry_run=False)
    assert report.ok and report.created == 2
    assert Account.objects.get(external_id="A-1").name == "株式会社採用ラボ"


def test_import_reads_utf8_with_bom(scoped):
    data = _csv("external_id,name", "A-1,株式会社採用ラボ").encode("utf-8-sig")
    assert run_import(kind="accounts", data=data, dry_run=False).ok
    assert Account.objects.get().name == "株式会社採用ラボ"


def test_import_reads_shift_jis_with_japanese_headers(scoped):
    data = _csv("外部ID,会社名,従業員数", "A-1,株式会社採用ラボ,１，２００").encode("cp932")
    report = run_import(kind="accounts", data=data, dry_run=False)
    assert report.ok, report.errors
    account = Account.objects.get()
    assert (account.name, account.employee_count) == ("株式会社採用ラボ", 1200)


def test_dry_run_reports_but_writes_nothing(scoped):
    data = _csv("external_id,name", "A-1,X")
    report = run_import(kind="accounts", data=data.encode(), dry_run=True)
    assert (report.ok, report.created) == (True, 1)
    assert not Account.objects.exists()


def test_missing_required_column_is_reported_on_line_1(scoped):
    report = run_import(kind="accounts", data=_csv("external_id", "A-1").encode(), dry_run=True)
    assert _lines(report) == [(1, "name")]


def test_every_bad_row_is_reported_with_its_line_and_reason(scoped, csm_user):
    data = _csv(
        "external_id,name,employee_count,owner_email,market_segment",
        "A-1,ok,10,csm@acme.example,enterprise",
        "A-2,,10,,",
        "A-3,bad number,ten,,",
        "A-4,unknown owner,1,nobody@example.com,",
        "A-5,bad choice,1,,huge",
        "A-1,duplicate,1,,",
    )
    with translation.override("en"):
        report = run_import(kind="accounts", data=data.encode(), dry_run=True)
    assert _lines(report) == [
        (3, "name"),
        (4, "employee_count"),
        (5, "owner_email"),
        (6, "market_segment"),
        (7, "external_id"),
    ]
    assert "line 2" in report.errors[-1].message


def test_a_real_run_with_one_bad_row_changes_nothing(scoped):
    AccountFactory(external_id="A-1", name="old")
    data = _csv("external_id,name,employee_count", "A-1,new,5", "A-2,other,many")
    report = run_import(kind="accounts", data=data.encode(), dry_run=False)
    assert not report.ok
    assert list(Account.objects.values_list("name", flat=True)) == ["old"]


def test_import_updates_existing_accounts_by_external_id(scoped):
    AccountFactory(external_id="A-1", name="old", industry="IT")
    AccountFactory(external_id="A-2", name="same")
    data = _csv("external_id,name", "A-1,new", "A-2,same", "A-3,created")
    report = run_import(kind="accounts", data=data.encode(), dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    account = Account.objects.get(external_id="A-1")
    assert (account.name, account.industry) == ("new", "IT")


def test_contact_import_needs_a_known_account(scoped):
    AccountFactory(external_id="A-1")
    data = _csv(
        "external_id,account_external_id,name,relationship_level,is_decision_maker",
        "C-1,A-1,山田 太郎,executive,はい",
        "C-2,A-9,佐藤 花子,field,",
    )
    report = run_import(kind="contacts", data=data.encode(), dry_run=False)
    assert _lines(report) == [(3, "account_external_id")]
    assert not Contact.objects.exists()


def test_contact_import_accepts_japanese_level_labels(scoped):
    AccountFactory(external_id="A-1")
    data = _csv("担当者ID,顧客外部ID,氏名,関係レベル,決裁者", "C-1,A-1,山田 太郎,経営層,はい")
    report = run_import(kind="contacts", data=data.encode("cp932"), dry_run=False)
    assert report.ok, report.errors
    contact = Contact.objects.get()
    assert (contact.relationship_level, contact.is_decision_maker) == ("executive", True)


def test_contract_import_checks_dates(scoped):
    AccountFactory(external_id="A-1")
    data = _csv(
        "external_id,account_external_id,plan,arr,start_date,renewal_date",
        'K-1,A-1,Pro,"1,200,000",2026/04/01,2027/04/01',
        "K-2,A-1,Pro,100,2026-13-01,2027-01-01",
        "K-3,A-1,Pro,100,2026-05-01,2026-01-01",
    )
    report = run_import(kind="contracts", data=data.encode(), dry_run=True)
    assert _lines(report) == [(3, "start_date"), (4, "renewal_date")]


def test_contract_import_writes_yen_and_dates(scoped):
    AccountFactory(external_id="A-1")
    data = _csv(
        "契約ID,顧客外部ID,プラン,年額,開始日,更新日",
        'K-1,A-1,プロ,"1,200,000",2026/04/01,2027年4月1日',
    )
    assert run_import(kind="contracts", data=data.encode(), dry_run=False).ok
    contract = Contract.objects.get()
    assert (contract.arr, contract.renewal_date) == (1_200_000, dt.date(2027, 4, 1))


def test_a_row_with_too_many_fields_is_reported(scoped):
    data = _csv("external_id,name", "A-1,x,extra")
    assert _lines(run_import(kind="accounts", data=data.encode(), dry_run=True)) == [(2, "")]


def test_binary_garbage_is_reported_not_raised(scoped):
    report = run_import(kind="accounts", data=b"\xff\xfe\x00\x81\xff", dry_run=True)
    assert not report.ok


def test_export_writes_utf8_with_bom_that_imports_back(scoped):
    ContractFactory(account=AccountFactory(external_id="A-1", name="株式会社採用ラボ"))
    data = export_csv("accounts")
    assert data.startswith("\ufeff".encode())
    Account.objects.all().delete()
    assert run_import(kind="accounts", data=data, dry_run=False).created == 1


def test_export_escapes_cells_a_spreadsheet_would_run_as_formulas(scoped):
    AccountFactory(external_id="A-1", name='=HYPERLINK("http://evil.example")')
    AccountFactory(external_id="A-2", name="@SUM(1+1)")
    text = export_csv("accounts").decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    assert "\n=" not in text and ",=" not in text and ",@" not in text


def test_an_escaped_export_imports_back_unchanged(scoped):
    AccountFactory(external_id="A-1", name="+81 (3) 1234")
    report = run_import(kind="accounts", data=export_csv("accounts"), dry_run=False)
    assert (report.ok, report.unchanged) == (True, 1)
    assert Account.objects.get(external_id="A-1").name == "+81 (3) 1234"


def test_export_of_contracts_round_trips(scoped):
    ContractFactory(external_id="K-1", account=AccountFactory(external_id="A-1"))
    report = run_import(kind="contracts", data=export_csv("contracts"), dry_run=False)
    assert (report.ok, report.unchanged) == (True, 1)


def test_malformed_10000_row_file_gets_a_report_per_row_and_changes_nothing(scoped):
    AccountFactory(external_id="keep", name="untouched")
    rows = [f"X-{i},会社{i},{'many' if i % 2 else i}" for i in range(10_000)]
    data = _csv("external_id,name,employee_count", *rows).encode("cp932")
    report = run_import(kind="accounts", data=data, dry_run=False)
    assert report.bad_lines == 5_000
    assert report.errors[0].line == 3
    assert Account.objects.count() == 1


def test_a_nul_character_is_reported_on_its_row_and_nothing_is_written(scoped):
    data = _csv("external_id,name", "A-1,Bad\x00Name", "A-2,Good")
    report = run_import(kind="accounts", data=data.encode(), dry_run=False)
    assert _lines(report) == [(2, "name")]
    assert not Account.objects.exists()


@override_settings(IMPORT_MAX_COLUMNS=3)
def test_a_header_wider_than_the_limit_is_refused_whole(scoped):
    data = _csv("external_id,name,industry,domain", "A-1,X,IT,x.example")
    report = run_import(kind="accounts", data=data.encode(), dry_run=False)
    assert _lines(report) == [(1, "")]
    assert "4" in report.errors[0].message and "3" in report.errors[0].message
    assert not Account.objects.exists()


@override_settings(IMPORT_MAX_ROWS=3)
def test_a_file_longer_than_the_limit_is_refused_whole_with_the_line(scoped):
    rows = [f"A-{i},Name {i}" for i in range(5)]
    report = run_import(
        kind="accounts", data=_csv("external_id,name", *rows).encode(), dry_run=False
    )
    assert _lines(report) == [(5, "")]
    assert "3" in report.errors[0].message
    assert not Account.objects.exists()
    assert run_import(
        kind="accounts", data=_csv("external_id,name", *rows[:3]).encode(), dry_run=False
    ).ok


@override_settings(IMPORT_MAX_ERRORS_STORED=2)
def test_a_job_stores_the_first_errors_and_the_summary_counts_them_all(scoped):
    rows = [f"A-{i}," for i in range(5)]  # every name missing
    report = run_import(
        kind="accounts", data=_csv("external_id,name", *rows).encode(), dry_run=True
    )
    assert len(report.errors) == 5
    assert [e["line"] for e in report.errors_as_json()] == [2, 3]
    with translation.override("en"):
        assert "(5 errors)" in report.summary()
        assert "The first 2 errors are listed." in report.summary()


def test_whole_numbers_export_without_a_decimal_point_even_beside_empty_cells(scoped):
    AccountFactory(external_id="A-1", employee_count=120)
    AccountFactory(external_id="A-2", employee_count=None)
    text = export_csv("accounts").decode("utf-8-sig")
    header, first, second = text.splitlines()[:3]
    column = header.split(",").index("employee_count")
    assert first.split(",")[column] == "120"
    assert second.split(",")[column] == ""
    assert "120.0" not in text


def test_export_in_shift_jis_for_excel_imports_back(scoped):
    AccountFactory(external_id="A-1", name="株式会社採用ラボ", employee_count=5)
    data = export_csv("accounts", japanese_headers=True, encoding="shift_jis")
    assert "株式会社採用ラボ" in data.decode("cp932")
    assert not data.startswith("\ufeff".encode())
    Account.objects.all().delete()
    assert run_import(kind="accounts", data=data, dry_run=False).created == 1


def test_the_export_page_refuses_an_unknown_encoding(admin_user):
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    sjis = client.get("/t/acme/accounts/export/?kind=accounts&encoding=shift_jis")
    bad = client.get("/t/acme/accounts/export/?kind=accounts&encoding=latin-9")
    assert sjis.status_code == 200 and sjis["Content-Type"] == "text/csv; charset=shift_jis"
    assert bad.status_code == 400
