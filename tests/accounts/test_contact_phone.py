"""A contact's phone number: one rule (accounts.phones) for the form and Account 360, the API,
the CSV import and export (ja/en headers) and Segment's identify trait."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.importing import export_csv, run_import
from accounts.models import Contact
from accounts.phones import phone_normalise, phone_problem
from cs_platform.scoping import tenant_scope
from tests.accounts.conftest import url
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw,stored",
    [
        ("03-1234-5678", "03-1234-5678"),
        ("０３－１２３４－５６７８", "03-1234-5678"),  # full-width from a Japanese sheet
        ("+81 3  1234 5678", "+81 3 1234 5678"),
        ("(03) 1234-5678", "(03) 1234-5678"),
        ("090 1234 5678 内線 12", "090 1234 5678 内線 12"),
        ("+1 (415) 555-0100 ext. 7", "+1 (415) 555-0100 ext. 7"),
    ],
)
def test_a_phone_number_is_stored_as_people_write_it(raw, stored):
    assert phone_normalise(raw) == stored
    assert phone_problem(phone_normalise(raw)) is None


@pytest.mark.parametrize(
    "raw", ["12345", "call me", "03-1234-5678-9999-0000", "03+1234", "1234567890123456", "--"]
)
def test_what_is_not_a_phone_number_is_refused(raw):
    assert phone_problem(phone_normalise(raw))


def test_a_blank_phone_is_fine():
    assert phone_problem("") is None


# --- pages --------------------------------------------------------------------------------------


def test_the_contact_form_stores_the_phone_and_account_360_shows_it(csm, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    response = csm.post(
        url(tenant, "contact_create", pk=account.pk),
        {"name": "佐藤 花子", "relationship_level": "field", "phone": "０３－１２３４－５６７８"},
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert Contact.objects.get().phone == "03-1234-5678"
    page = csm.get(url(tenant, "detail", pk=account.pk)).text
    assert 'href="tel:03-1234-5678" data-testid="contact-phone">03-1234-5678</a>' in page


@pytest.mark.parametrize(
    "language,message", [("ja", "電話番号ではありません"), ("en", "is not a phone number")]
)
def test_the_contact_form_refuses_a_bad_phone_in_the_readers_language(
    csm, tenant, language, message
):
    with tenant_scope(tenant):
        contact = ContactFactory(phone="03-1111-2222")
    response = csm.post(
        url(tenant, "contact_edit", pk=contact.pk),
        {"name": contact.name, "relationship_level": "field", "phone": "call me"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    assert message in response.text
    with tenant_scope(tenant):
        contact.refresh_from_db()
    assert contact.phone == "03-1111-2222"


# --- API ----------------------------------------------------------------------------------------


def test_the_api_normalises_the_phone_and_refuses_a_bad_one(csm_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    created = csm_api.post(
        reverse("contact-list"),
        {"account": account.pk, "name": "Jane", "phone": "＋８１ ３ 1234 5678"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["phone"] == "+81 3 1234 5678"
    bad = csm_api.patch(reverse("contact-detail", args=[created.json()["id"]]), {"phone": "12"})
    assert bad.status_code == 400
    assert list(bad.json()) == ["phone"]


# --- CSV ----------------------------------------------------------------------------------------


def test_import_reads_phones_under_japanese_headers_and_reports_bad_ones(scoped):
    AccountFactory(external_id="A-1")
    data = (
        "外部ID,顧客外部ID,氏名,電話番号\n"
        "C-1,A-1,佐藤 花子,０３－１２３４－５６７８\n"
        "C-2,A-1,鈴木 一郎,\n"
        "C-3,A-1,田中 次郎,なし\n"
    ).encode("cp932")
    report = run_import(kind="contacts", data=data, dry_run=True)
    assert [(e.line, e.column) for e in report.errors] == [(4, "phone")]
    data = data.decode("cp932").replace("なし", "+81-90-1234-5678").encode("cp932")
    report = run_import(kind="contacts", data=data, dry_run=False)
    assert report.ok, report.errors
    assert dict(Contact.objects.values_list("external_id", "phone")) == {
        "C-1": "03-1234-5678",
        "C-2": "",
        "C-3": "+81-90-1234-5678",
    }


@pytest.mark.parametrize("japanese,header", [(True, "電話番号"), (False, "phone")])
def test_export_carries_the_phone_and_round_trips(scoped, japanese, header):
    ContactFactory(external_id="C-1", phone="+81 3 1234 5678")
    data = export_csv("contacts", japanese_headers=japanese)
    assert header in data.decode("utf-8-sig").splitlines()[0].split(",")
    Contact.objects.update(phone="")
    report = run_import(kind="contacts", data=data, dry_run=False)
    assert (report.ok, report.updated) == (True, 1)
    assert Contact.objects.get().phone == "+81 3 1234 5678"
