"""The health panel's words around its data (the range links, the band's word, the table's
head) are kept in the process (`{% kept %}`, issue #16): each view still shows its own range,
band and language."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import gettext

from healthscore.selectors.pages import RANGES

pytestmark = pytest.mark.django_db


def _render(*, language: str, days: int, band: str) -> str:
    request = RequestFactory().get("/t/acme/accounts/1/")
    request.tenant = SimpleNamespace(slug="acme")  # type: ignore[attr-defined]
    explanation = {
        "band": band,
        "score": 50.0,
        "day": dt.date(2026, 1, 1),
        "scorecard": {"name": "Default"},
        "version": 1,
        "compared_with": None,
    }
    ctx = {
        "range": days,
        "ranges": RANGES,
        "explanation": explanation,
        "components_html": "",
        "labels": [],
        "datasets": [{"label": "Health score", "data": []}],
        "markers": [],
        "movers": [],
        "alerts": [],
    }
    with translation.override(language):
        return get_template("healthscore/panels/health.html").render(
            {"ctx": ctx, "request": request}, request
        )


@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_view_shows_its_own_range_band_and_language(language):
    for days in (*RANGES, RANGES[0]):
        html = _render(language=language, days=days, band="green")
        assert html.count('aria-current="true"') == 1
        assert f'class="active" data-testid="health-range-{days}"' in html
    for band, word in (("green", "Healthy"), ("red", "At risk"), ("amber", "Needs attention")):
        html = _render(language=language, days=RANGES[0], band=band)
        with translation.override(language):
            assert f'<span class="band-{band}">{gettext(word)}</span>' in html
        with translation.override(language):
            assert gettext("Why this score") in html
