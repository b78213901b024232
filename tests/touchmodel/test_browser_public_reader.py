"""Learn & Support links the tenant's published seminars, and a reader signed in there
registers for one without typing their details again (ja and en)."""

from __future__ import annotations

import pytest

from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory, ContactFactory
from tests.touchmodel.factories import SeminarFactory
from touchmodel.models import SeminarRegistration

pytestmark = pytest.mark.browser

LINK = {"ja": "セミナー", "en": "Seminars"}
SIGNED_IN = {"ja": "としてサインインしています", "en": "Signed in as"}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_signed_in_reader_finds_the_seminars_and_registers_without_retyping(
    make_page, live_server, tenant, language
):
    from content.services import reader_link_path

    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社読者")
        contact = ContactFactory(
            account=account, name="読者 花子", email="hanako@reader.example", language=language
        )
        seminar = SeminarFactory(is_published=True)
        link = reader_link_path(contact=contact)
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")

    page.goto(f"{live_server.url}{link}")
    page.locator("[data-testid=public-link]", has_text=LINK[language]).click()
    page.locator(f"a[href$='/{seminar.pk}/']").first.click()

    assert SIGNED_IN[language] in page.locator("[data-testid=registering-as]").inner_text()
    assert page.locator("#id_name").input_value() == "読者 花子"
    assert page.locator("#id_email").input_value() == "hanako@reader.example"
    assert page.locator("#id_company").input_value() == "株式会社読者"
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**registered=1")
    with tenant_scope(tenant):
        assert SeminarRegistration.objects.filter(seminar=seminar, contact=contact).exists()
