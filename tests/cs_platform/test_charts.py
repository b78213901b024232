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


_ROWS_AS_THE_TEMPLATE_WROTE_THEM = (
    '{% for label, cells in rows %}<tr><th scope="row">{{ label }}</th>'
    '{% for cell in cells %}<td>{{ cell|default_if_none:"—" }}</td>{% endfor %}</tr>{% endfor %}'
)


@pytest.mark.parametrize("language", ["ja", "en", "de"])
@pytest.mark.parametrize("grouping", [False, True])
@pytest.mark.parametrize(
    ("labels", "columns"),
    [
        # A score chart: days and floats (labels and numbers written in one pass each).
        ([f"2026-11-{d:02d}" for d in range(1, 31)], [[60.5 + d / 4 for d in range(30)]]),
        (["a<b", "c&d", "\"'"], [[1.5, 2.0, -0.0]]),
        (["line\nbreak", "x"], [[1.0, 2.0]]),  # a label with a line break
        (["a", "b", "c"], [[1e-05, 2.5, 1234567.5]]),  # a float written through Decimal
        (["a", "b"], [[1.5, None], [3, "<i>"]]),  # two datasets, a gap, an int, text
        (["a", "b"], []),  # no dataset
        ([], [[]]),
    ],
)
def test_the_table_body_reads_as_the_template_loop_wrote_it(
    settings, language, grouping, labels, columns
):
    """`_table_body` (rows made in Python, issue #16) writes what a template loop over the
    rows wrote, byte for byte."""
    from cs_platform.templatetags.charts import _table_body

    settings.USE_THOUSAND_SEPARATOR = grouping
    rows = [(label, [column[i] for column in columns]) for i, label in enumerate(labels)]
    with translation.override(language):
        expected = Template(_ROWS_AS_THE_TEMPLATE_WROTE_THEM).render(Context({"rows": rows}))
        datasets = [{"label": "x", "data": column} for column in columns]
        assert _table_body(labels, datasets) == expected


def test_a_dataset_shorter_than_the_labels_is_refused():
    from cs_platform.templatetags.charts import _table_body

    with pytest.raises(IndexError):
        _table_body(["a", "b"], [{"label": "x", "data": [1.0]}])
