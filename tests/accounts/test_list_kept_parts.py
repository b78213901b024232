"""The account list's words, links and forms around its data are written once per language,
workspace and the values they show (`{% kept %}`, issue #16), with the viewer's CSRF token."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, engines
from django.utils import translation

from cs_platform.pagecache import page_csrf_token

pytestmark = pytest.mark.django_db

SOURCE = (
    "{% load i18n accounts_tags %}{% kept flag %}{{ flag }} {{ counter.next }} "
    "{% translate 'Accounts' %} {% csrf_token %}{% endkept %}"
)


class Counter:
    def __init__(self) -> None:
        self.count = 0

    @property
    def next(self) -> int:
        self.count += 1
        return self.count


def _request(rf, slug: str):
    request = rf.get("/")
    request.tenant = SimpleNamespace(slug=slug)
    return request


def _render(template, request, counter, flag) -> str:
    token = page_csrf_token(request)
    context = {"request": request, "counter": counter, "flag": flag, "csrf_token": token}
    return template.template.render(Context(context, autoescape=True))


def test_a_kept_block_is_written_once_per_language_workspace_and_value(rf):
    template = engines["django"].from_string(SOURCE)
    counter = Counter()
    with translation.override("en"):
        first = _render(template, _request(rf, "a"), counter, True)
        assert first.startswith("True 1 Accounts") and counter.count == 1
        again = _render(template, _request(rf, "a"), counter, True)
        assert again.startswith("True 1 Accounts") and counter.count == 1
        assert _render(template, _request(rf, "a"), counter, False).startswith("False 2")
        assert _render(template, _request(rf, "b"), counter, True).startswith("True 3")
    with translation.override("ja"):
        ja = _render(template, _request(rf, "a"), counter, True)
    assert ja.startswith("True 4") and "Accounts" not in ja


def test_a_kept_block_carries_the_viewers_csrf_token(rf):
    template = engines["django"].from_string(SOURCE)
    counter = Counter()
    one, two = _request(rf, "a"), _request(rf, "a")
    first = _render(template, one, counter, True)
    second = _render(template, two, counter, True)
    assert counter.count == 1
    assert page_csrf_token(one) != page_csrf_token(two)
    assert f'value="{page_csrf_token(one)}"' in first
    assert f'value="{page_csrf_token(two)}"' in second and page_csrf_token(one) not in second


def test_the_bulk_form_is_written_once_with_each_viewers_token(monkeypatch):
    from accounts import listing

    written: list[str] = []
    real = listing._bulk_words

    def counted(language):
        written.append(language)
        return real(language)

    monkeypatch.setattr(listing, "_bulk_words", counted)
    listing._bulk_form.cache_clear()
    action = SimpleNamespace(key="set_tier", label="Tier <x>")
    actions = [(action, listing.options_html([("high", "High & mighty"), ("low", "Low")]))]
    with translation.override("en"):
        one = listing.bulk_form_html(actions, url="/t/a/bulk/", query="q=a", csrf_token="tok1")
        two = listing.bulk_form_html(actions, url="/t/a/bulk/", query="q=a", csrf_token="tok2")
        other = listing.bulk_form_html(actions, url="/t/a/bulk/", query="q=b", csrf_token="tok1")
    assert written == ["en", "en"]  # the first form and the other query's
    assert 'value="tok1"' in one and 'value="tok2"' in two and "tok1" not in two
    assert one.replace("tok1", "tok2") == two and 'name="query" value="q=b"' in other
    assert "Tier &lt;x&gt;" in one and "High &amp; mighty" in one
