"""A contact's own language: the form and Account 360, the API, the CSV import and export, demo."""

import pytest
from django.urls import reverse

from accounts.importing import export_csv, run_import
from accounts.models import Contact
from cs_platform.scoping import tenant_scope
from demo.accounts import accounts_seed_demo
from tests.accounts.conftest import url
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(tenant):
    with tenant_scope(tenant):
        return ContactFactory(name="佐藤 花子")


def _reload(tenant, contact):
    with tenant_scope(tenant):
        contact.refresh_from_db()
    return contact


CONTACT_DATA = {
    "name": "Jane Smith",
    "email": "jane@customer.example",
    "relationship_level": "field",
}


# --- pages --------------------------------------------------------------------------------------


def test_a_new_contact_has_a_blank_language(scoped):
    assert ContactFactory().language == ""


def test_csm_adds_a_contact_who_reads_english(csm, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    response = csm.post(
        url(tenant, "contact_create", pk=account.pk), {**CONTACT_DATA, "language": "en"}
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        assert Contact.objects.get(account=account).language == "en"


def test_csm_sets_a_contact_back_to_the_workspace_language(csm, tenant):
    with tenant_scope(tenant):
        contact = ContactFactory(language="en")
    response = csm.post(
        url(tenant, "contact_edit", pk=contact.pk), {**CONTACT_DATA, "language": ""}
    )
    assert response.status_code == 302
    assert _reload(tenant, contact).language == ""


def test_contact_form_refuses_a_language_the_platform_does_not_have(csm, tenant, contact):
    response = csm.post(
        url(tenant, "contact_edit", pk=contact.pk), {**CONTACT_DATA, "language": "fr"}
    )
    assert response.status_code == 200
    assert 'id="id_language"' in response.text and "errorlist" in response.text
    assert _reload(tenant, contact).name == "佐藤 花子"


def test_contact_form_offers_the_workspace_default_first(csm, tenant, contact):
    text = csm.get(url(tenant, "contact_edit", pk=contact.pk)).text
    select = text.split('id="id_language"', 1)[1].split("</select>", 1)[0]
    assert select.index('value=""') < select.index('value="ja"') < select.index('value="en"')


def test_account_360_shows_each_contacts_email_language(csm, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
        ContactFactory(account=account, language="en")
        ContactFactory(account=account)
    text = csm.get(url(tenant, "detail", pk=account.pk), HTTP_ACCEPT_LANGUAGE="ja").text
    cells = [
        part.split("</td>", 1)[0] for part in text.split('data-testid="contact-language">')[1:]
    ]
    assert sorted(cells) == sorted(["英語", '<span class="muted">ワークスペースの既定</span>'])


# --- API ----------------------------------------------------------------------------------------


def test_api_creates_a_contact_with_a_language(csm_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    response = csm_api.post(
        reverse("contact-list"), {"account": account.pk, "name": "Jane", "language": "en"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["language"] == "en"


def test_api_reports_an_unknown_language_as_a_400_on_that_field(csm_api, tenant):
    with tenant_scope(tenant):
        account = AccountFactory()
    response = csm_api.post(
        reverse("contact-list"), {"account": account.pk, "name": "Jane", "language": "fr"}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["language"]


def test_api_clears_a_contacts_language(csm_api, tenant):
    with tenant_scope(tenant):
        contact = ContactFactory(language="en")
    response = csm_api.patch(reverse("contact-detail", args=[contact.pk]), {"language": ""})
    assert response.status_code == 200, response.content
    assert _reload(tenant, contact).language == ""


# --- CSV ----------------------------------------------------------------------------------------


def _contacts_csv(header: str, *rows: str) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode("cp932")


def test_import_reads_the_language_from_japanese_headers_and_words(scoped):
    AccountFactory(external_id="A-1")
    data = _contacts_csv(
        "外部ID,顧客外部ID,氏名,言語",
        "C-1,A-1,ジェーン・スミス,英語",
        "C-2,A-1,佐藤 花子,日本語",
        "C-3,A-1,鈴木 一郎,",
    )
    report = run_import(kind="contacts", data=data, dry_run=False)
    assert report.ok, report.errors
    assert dict(Contact.objects.values_list("external_id", "language")) == {
        "C-1": "en",
        "C-2": "ja",
        "C-3": "",
    }


def test_import_reports_an_unknown_language_with_its_line(scoped):
    AccountFactory(external_id="A-1")
    data = _contacts_csv("external_id,account_external_id,name,language", "C-1,A-1,Jane,fr")
    report = run_import(kind="contacts", data=data, dry_run=True)
    assert [(e.line, e.column) for e in report.errors] == [(2, "language")]


def test_export_of_contacts_carries_the_language_and_round_trips(scoped):
    ContactFactory(external_id="C-1", language="en")
    data = export_csv("contacts", japanese_headers=True)
    assert "言語" in data.decode("utf-8-sig").splitlines()[0]
    Contact.objects.update(language="ja")
    report = run_import(kind="contacts", data=data, dry_run=False)
    assert (report.ok, report.updated) == (True, 1)
    assert Contact.objects.get().language == "en"


# --- demo ---------------------------------------------------------------------------------------


def test_demo_of_a_japanese_workspace_has_some_english_contacts(tenant, settings):
    settings.DEMO_SCALE = 0.2
    tenant.default_language = "ja"
    tenant.save()
    with tenant_scope(tenant):
        accounts_seed_demo(tenant=tenant, log=lambda message: None)
        languages = list(Contact.objects.values_list("language", flat=True))
    english = languages.count("en")
    assert 0 < english < languages.count("")
