import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation


def render(source: str, **context) -> str:
    return Template("{% load charts %}" + source).render(Context(context))


def test_chart_renders_its_data_as_a_table_for_readers_without_javascript():
    html = render(
        "{% chart 'line' labels datasets title='Health' %}",
        labels=["2026-11-01", "2026-11-02"],
        datasets=[{"label": "Score", "data": [71, 64]}],
    )
    assert '<th scope="row">2026-11-02</th><td>64</td>' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert '"kind": "line"' in html


def test_chart_escapes_labels_inside_its_json():
    html = render(
        "{% chart 'bar' labels datasets %}",
        labels=["</script><script>alert(1)</script>"],
        datasets=[{"label": "x", "data": [1]}],
    )
    assert "</script><script>alert(1)" not in html


def test_chart_rows_read_as_the_template_wrote_them_missing_localized_and_escaped():
    """The rows are made in Python (issue #16): a missing value is a dash, a number is
    localized, a label is escaped, as `{{ cell|default_if_none:"—" }}` did."""
    from django.utils import translation

    with translation.override("en"):
        html = render(
            "{% chart 'line' labels datasets %}",
            labels=["<b>1</b>", "2026-11-02"],
            datasets=[
                {"label": "Score", "data": [None, 64.5]},
                {"label": "Band", "data": ["a&b", 0]},
            ],
        )
    assert '<th scope="row">&lt;b&gt;1&lt;/b&gt;</th><td>—</td><td>a&amp;b</td>' in html
    assert '<th scope="row">2026-11-02</th><td>64.5</td><td>0</td></tr>' in html


@pytest.mark.parametrize("language", ["ja", "en", "de"])
@pytest.mark.parametrize("grouping", [False, True])
def test_a_number_cell_reads_as_localize_writes_it(settings, language, grouping):
    """The table's numbers skip `localize` (issue #16): each reads as `_cell` writes it, in a
    language whose decimal separator is a comma too, with and without thousand grouping."""
    from cs_platform.templatetags.charts import _cell, _number_cell

    settings.USE_THOUSAND_SEPARATOR = grouping
    values = [
        None,
        0,
        7,
        -3,
        12345678,
        True,
        False,
        0.0,
        -0.0,
        61.25,
        1234567.5,
        -12.5,
        1e-05,
        2.5e20,
        1 / 3,
        float("inf"),
        float("nan"),
        Decimal("12.50"),
        "<b>",
        dt.date(2026, 1, 2),
    ]
    with translation.override(language):
        cell = _number_cell()
        assert [cell(v) for v in values] == [_cell(v) for v in values]


def test_a_label_marked_safe_is_written_as_it_is_and_a_plain_one_escaped():
    from django.utils.safestring import mark_safe

    html = render(
        "{% chart 'line' labels datasets %}",
        labels=[mark_safe("<i>a</i>"), "x'\"&"],
        datasets=[{"label": "Score", "data": [1, 2]}],
    )
    assert '<th scope="row"><i>a</i></th>' in html
    assert '<th scope="row">x&#x27;&quot;&amp;</th>' in html
