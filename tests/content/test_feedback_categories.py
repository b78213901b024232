"""An article's feedback is filed under its section's name: the voice-of-the-customer page
shows it in the reader's language (issue #17: words, not slugs, and in the reader's language)."""

from __future__ import annotations

import pytest
from django.test import Client

from cs_platform.scoping import tenant_scope
from tests.content.factories import SectionFactory
from tests.journeys.factories import FeedbackItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "shown", "other"),
    [("en", "Best practices", "活用のコツ"), ("ja", "活用のコツ", "Best practices")],
)
def test_a_section_category_reads_in_the_readers_language(tenant, csm_user, language, shown, other):
    with tenant_scope(tenant):
        SectionFactory(name_ja="活用のコツ", name_en="Best practices")
        FeedbackItemFactory(category="活用のコツ", quote="使い方を知りたい")
        FeedbackItemFactory(category="自由入力の分類", quote="もう一つ")
    client = Client()
    client.force_login(csm_user)
    body = client.get("/t/acme/journeys/feedback/", HTTP_ACCEPT_LANGUAGE=language)
    text = body.content.decode()
    assert f"<td>{shown}</td>" in text
    assert f"<td>{other}</td>" not in text
    assert "<td>自由入力の分類</td>" in text  # a category no app knows: as stored
