"""The touch panel's relationship map made in Python (touchmodel.panel_html) writes what the
template's loop wrote (tests/touchmodel/templates/account_touch_before.html, the template
before): empty levels, champions, awards, user groups, markup in names, ja and en."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import engines
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import translation

from accounts.models import Contact
from touchmodel.panel_html import relationship_html
from touchmodel.selectors.community import RelationshipPerson

BEFORE = Path(__file__).parent / "templates" / "account_touch_before.html"


def _person(name: str, champion: bool = False, awards=(), groups=()) -> RelationshipPerson:
    contact = Contact(name=name, is_champion=champion)
    return RelationshipPerson(contact=contact, awards=list(awards), groups=list(groups))


MAPS = [
    {"executive": [], "manager": [], "field": []},
    {
        "executive": [_person('<b>"Ana"</b>', True, ["Guide", "a&b"], ["分科会1", "<g>"])],
        "manager": [],
        "field": [_person("佐藤"), _person("Ben", groups=["x"])],
    },
    {"executive": [], "manager": [_person("Cho", awards=["m"])], "field": [], "other": []},
]


@pytest.mark.parametrize("relationship", MAPS)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_map_is_written_as_the_templates_loop_wrote_it(relationship, language):
    request = RequestFactory().get("/")
    ctx = {"account_tier": None, "can_override": False, "relationship": relationship}
    with translation.override(language):
        before = engines["django"].from_string(BEFORE.read_text())
        after = get_template("touchmodel/panels/account_touch.html")
        expected = before.render({"ctx": ctx, "request": request}, request)
        ctx = {**ctx, "relationship_html": relationship_html(relationship)}
        assert after.render({"ctx": ctx, "request": request}, request) == expected
