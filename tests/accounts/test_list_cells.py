"""The account list's extension cells are written by a call per page (`column`), not a
template include per row (issue #16); each cell is what its template writes, in ja and en."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.extensions import list_extensions
from accounts.selectors import account_filter
from cs_platform.scoping import tenant_scope
from healthscore.models import HealthScoreNow
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory
from touchmodel.services.tiers import tier_override

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(tenant, manager_user):
    """Accounts in every state a cell shows: scored green (a fraction), never scored, scored
    red with a newer intra-day amber score, only an intra-day score, a tier set by hand."""
    today = timezone.localdate()
    with tenant_scope(tenant):
        green = HealthScoreFactory(score=81.6, band="green", day=today).account
        AccountFactory(name="<b>未算出</b> & Co")
        red = HealthScoreFactory(score=31.2, band="red", day=today - dt.timedelta(days=1))
        HealthScoreNow.objects.create(
            account=red.account, day=today, version=red.version, score=55.4, band="amber"
        )
        only_now = AccountFactory()
        HealthScoreNow.objects.create(
            account=only_now, day=today, version=red.version, score=90, band="green"
        )
        tier_override(account=green, tier="high", user=manager_user, reason="key account")
        yield list(account_filter())


@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_cell_writes_what_its_template_writes(rows, language):
    columns = [e for e in list_extensions() if e.column is not None and e.template]
    assert {e.key for e in columns} >= {"phase", "health_band", "tier"}
    with translation.override(language):
        for ext in columns:
            cells = ext.column(rows)
            assert len(cells) == len(rows)
            for account, cell in zip(rows, cells, strict=True):
                value = getattr(account, ext.key, None)
                rendered = render_to_string(ext.template, {"account": account, "value": value})
                assert str(cell).strip() == rendered.strip(), (ext.key, account.name)


def test_the_list_page_shows_the_cells(rows, tenant, manager_user):
    from tests.accounts.conftest import url
    from tests.conftest import client_for

    response = client_for(manager_user).get(url(tenant, "list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.text
    assert '<span class="band-green">82</span>' in text
    assert 'data-testid="health-now-cell"' in text and '<span class="band-amber">55</span>' in text
    assert "High touch" in text and "not scored" in text
    assert "&lt;b&gt;未算出&lt;/b&gt; &amp; Co" in text and "<b>未算出</b>" not in text


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_page_fills_each_cell_with_what_the_annotations_give(rows, tenant, language):
    """The list page sets the cells' values on its rows (`fill`, one query) instead of
    annotating every row it reads: the same values, so the same cells."""
    from accounts.selectors import list_fill

    columns = [e for e in list_extensions() if e.fill is not None]
    assert {e.key for e in columns} >= {"phase", "health_band", "tier"}
    names = ["phase", "phase_name", "tier", "health_band", "health_score"]
    names += ["health_now_score", "health_now_band", "health_now_at"]
    with translation.override(language), tenant_scope(tenant):
        annotated = {a.pk: a for a in account_filter()}
        filled = list(account_filter(fill_later=True))
        list_fill(filled)
        assert len(filled) == len(annotated) == len(rows)
        for account in filled:
            expected = annotated[account.pk]
            for name in names:
                assert getattr(account, name) == getattr(expected, name), (name, account.name)
        for ext in columns:
            assert ext.column(filled) == ext.column([annotated[a.pk] for a in filled])


def test_a_scores_cell_is_written_once_per_band_and_score(rows, monkeypatch):
    from healthscore import plugins

    written: list[object] = []
    real = plugins._whole

    def counted(score):
        written.append(score)
        return real(score)

    monkeypatch.setattr(plugins, "_whole", counted)
    plugins._latest_float_cell.cache_clear()
    first = plugins.band_column(rows)
    assert '<span class="band-green">82</span>' in "".join(first) and 81.6 in written
    written.clear()
    assert plugins.band_column(rows) == first
    assert 81.6 not in written and 31.2 not in written  # the latest scores' cells kept
