"""The account list reads its query string against the options it offers, without building
the filter form (issue #16); the form is built, and says what is wrong, for any other value."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import forms, listing
from accounts.extensions import (
    AccountListExtension,
    _list_extensions,
    list_extensions,
    register_list_extension,
)
from accounts.forms import AccountFilterForm, account_list_query, list_filter_choices
from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db

QUERIES = [
    "sort=-arr&market_segment=enterprise&x_health_band=amber",
    "sort=renewal_date&renewal=90&lifecycle_status=paused",
    "q=%20%E6%A0%AA%E5%BC%8F%20&sort=name",
    "owner={owner}&segment={segment}&sort=-tier&x_tier=high",
    "sort=&owner=&segment=&x_score_change=drop10&page=2&after=abc",
    "sort=name&sort=-name",  # the last of a key's values, as the form reads it
    "renewal=7",  # not offered
    "sort=bogus",
    "owner=abc",
    "segment=999999",
    "x_health_band=purple",
    "q=a%00b",  # a NUL: refused by the form's field
]


def _params(query: str, owner: int, segment: int) -> QueryDict:
    return QueryDict(query.format(owner=owner, segment=segment))


def test_the_query_is_cleaned_as_the_filter_form_cleans_it(tenant, csm_user):
    with tenant_scope(tenant), request_memo_scope():
        segment = SegmentFactory(name="大口", rules={"market_segments": ["enterprise"]})
        for query in QUERIES:
            params = _params(query, csm_user.pk, segment.pk)
            form = AccountFilterForm(params)
            read = account_list_query(params)
            expected = form.cleaned_data if form.is_valid() else None
            assert read.cleaned == expected, query
            # The form is built only for a value the page does not offer.
            assert (read.form is None) == form.is_valid(), query


def test_an_empty_query_string_filters_nothing_as_the_unbound_form(tenant):
    with tenant_scope(tenant), request_memo_scope():
        read = account_list_query(QueryDict(""))
    assert read.cleaned is None and read.form is None


def test_the_page_builds_the_form_only_for_a_refused_value(tenant, csm_user, monkeypatch):
    built: list[object] = []
    real = AccountFilterForm.__init__

    def counted(self, *args, **kwargs):
        built.append(args)
        real(self, *args, **kwargs)

    monkeypatch.setattr(forms.AccountFilterForm, "__init__", counted)
    client = Client()
    client.force_login(csm_user)
    url = reverse("accounts:list", kwargs={"tenant_slug": tenant.slug})
    response = client.get(url, {"sort": "-arr", "x_health_band": "amber"})
    assert response.status_code == 200 and built == []
    assert '<option value="amber" selected>' in response.content.decode()
    response = client.get(url, {"sort": "bogus"})
    assert len(built) == 1
    assert 'class="error"' in response.content.decode()


def test_the_fixed_options_are_translated_once_per_language(tenant):
    with tenant_scope(tenant), request_memo_scope():
        with translation.override("ja"):
            ja = list_filter_choices()
            assert list_filter_choices()["market_segment"] is ja["market_segment"]
        with translation.override("en"):
            en = list_filter_choices()
    assert ("-arr", "ARR (highest first)") in en["sort"]
    assert ja["renewal"] != en["renewal"] and en["renewal"][0] == ("", "Any time")
    # The plugins' fixed options too (bands, score changes, tiers).
    assert ("drop10", "Fell 10+ points in 30 days") in en["x_score_change"]
    assert ja["x_score_change"] != en["x_score_change"] and ja["x_tier"] != en["x_tier"]
    assert ja["x_health_band"] != en["x_health_band"]


def _fields(tenant, params: str) -> dict[str, str]:
    with tenant_scope(tenant), request_memo_scope():
        query = account_list_query(QueryDict(params))
        return listing.filter_fields_html(query, list(query.choices))


def test_a_filters_select_is_written_once_per_options_and_value(tenant, csm_user, monkeypatch):
    written: list[str] = []
    real = listing._select

    def counted(name, choices, value):
        written.append(name)
        return real(name, choices, value)

    monkeypatch.setattr(listing, "_select", counted)
    listing._select_kept.cache_clear()
    with translation.override("ja"):
        first = _fields(tenant, "sort=-arr&x_health_band=amber")
        assert written and '<option value="amber" selected>' in first["x_health_band"]
        written.clear()
        assert _fields(tenant, "sort=-arr&x_health_band=amber") == first
        assert written == []
        # Another value, another language, a renamed owner: written again, as they are now.
        assert (
            '<option value="red" selected>' in _fields(tenant, "x_health_band=red")["x_health_band"]
        )
        csm_user.full_name = "<改名> 後"
        csm_user.save()
        assert "&lt;改名&gt; 後" in _fields(tenant, "sort=-arr")["owner"]
    with translation.override("en"):
        assert ">Fell 10+ points in 30 days<" in _fields(tenant, "sort=-arr")["x_score_change"]


def test_the_table_head_is_written_once_per_query_string_and_language(tenant, monkeypatch):
    written: list[str] = []
    real = listing.sort_url

    def counted(query, key):
        written.append(key)
        return real(query, key)

    monkeypatch.setattr(listing, "sort_url", counted)
    listing._table_head.cache_clear()
    with tenant_scope(tenant):
        columns = [ext for ext in list_extensions() if ext.annotate is not None]
        with translation.override("ja"):
            head = listing.table_head_html(QueryDict("sort=name&q=a"), columns, selectable=True)
            assert 'href="?sort=-name&amp;q=a"' in head and "▲" in head and written
            written.clear()
            again = listing.table_head_html(QueryDict("sort=name&q=a"), columns, selectable=True)
            assert again == head and written == []
            other = listing.table_head_html(QueryDict("sort=-name&q=a"), columns, selectable=True)
            assert 'href="?sort=name&amp;q=a"' in other and "▼" in other
        with translation.override("en"):
            en = listing.table_head_html(QueryDict("sort=name&q=a"), columns, selectable=True)
    assert en != head and ">Name</a>" in en


def test_a_filter_with_option_groups_is_written_by_djangos_widget(tenant, csm_user):
    register_list_extension(
        AccountListExtension(
            key="colour",
            label="Colour",
            choices=lambda: [("Warm", [("red", "Red")]), ("Cool", [("blue", "Blue")])],
            apply=lambda qs, v: qs.filter(name__startswith=v),
        )
    )
    try:
        client = Client()
        client.force_login(csm_user)
        url = reverse("accounts:list", kwargs={"tenant_slug": tenant.slug})
        response = client.get(url, {"sort": "-arr"})
    finally:
        _list_extensions.pop("colour")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<optgroup label="Cool">' in body and '<option value="blue">Blue</option>' in body
