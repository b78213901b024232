"""A 403 page names the role the refused action needs and the reader's own (ja and en)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import signed_in_page

pytestmark = pytest.mark.browser

TEXT = {
    "ja": (
        "この操作には「CSマネージャー」以上のロールが必要です。"
        "このワークスペースでのあなたのロールは「CSM」です。"
    ),
    "en": "This needs the role CS manager or higher; your role here is CSM.",
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_403_page_names_the_role_needed(make_page, live_server, csm_user, language):
    page = signed_in_page(make_page, live_server, csm_user, language)

    response = page.goto(f"{live_server.url}/t/acme/journeys/funnel/")

    assert response.status == 403
    assert TEXT[language] in page.locator("[data-testid=role-needed]").inner_text()
