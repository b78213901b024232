"""`{% chart %}`: a Chart.js chart with a plain table behind it.

The table is the chart's data, readable without JavaScript (and by screen readers); with
JavaScript, static/js/junkan-charts.js draws the chart from the JSON and hides the table.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from django import template
from django.conf import settings
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from cs_platform.htmltext import escaped

register = template.Library()
_ids = itertools.count(1)


@register.inclusion_tag("partials/chart.html")
def chart(
    kind: str,
    labels: list[Any],
    datasets: list[dict[str, Any]],
    *,
    title: str = "",
    markers: list[dict[str, Any]] | None = None,
    y_max: float | None = None,
    height: int = 260,
) -> dict[str, Any]:
    """Render a chart.

    kind: "line", "bar" or "doughnut"; labels: x values; datasets: [{"label", "data",
    optional "color"}]; markers: vertical lines [{"x": label, "label": text}] (e.g. the days a
    new scorecard version took effect).
    """
    labels = [str(label) for label in labels]
    config = {
        "kind": kind,
        "labels": labels,
        "datasets": datasets,
        "markers": markers or [],
        "yMax": y_max,
    }
    return {
        "chart_id": f"chart-{next(_ids)}",
        "config": config,
        "title": title,
        "headers": [dataset["label"] for dataset in datasets],
        "body": _table_body(labels, datasets),
        "height": height,
    }


def _cell(value: Any) -> str:
    """A data cell as `{{ cell|default_if_none:"—" }}` renders it (localized, escaped)."""
    return "—" if value is None else conditional_escape(localize(value))


def _number_cell() -> Callable[[Any], str]:
    """`_cell` for the cells of one table, the locale's decimal separator read once: a float
    or an int (not a bool) is written as `localize` writes it without thousand grouping (its
    `str`, the separator in place of the point); anything else, or with grouping on, goes
    through `_cell` (a 90-day chart has 90 cells per dataset: issue #16)."""
    if settings.USE_THOUSAND_SEPARATOR:
        return _cell
    separator = escape(get_format("DECIMAL_SEPARATOR"))

    def cell(value: Any) -> str:
        kind = type(value)
        if kind is float:
            text = str(value)
            if "e" not in text:  # numberformat writes these through Decimal
                return text.replace(".", separator)
        elif kind is int:
            return str(value)
        return _cell(value)

    return cell


def _column_cells(values: list[Any], cell: Callable[[Any], str]) -> list[str]:
    """`cell` of each value; a column of floats alone (a score chart's) in one pass, the
    point replaced in all its numbers at once."""
    if values and not settings.USE_THOUSAND_SEPARATOR and all(type(v) is float for v in values):
        text = "\n".join(map(str, values))
        if "e" not in text:  # as `cell` writes each of them
            return text.replace(".", escape(get_format("DECIMAL_SEPARATOR"))).split("\n")
    return [cell(value) for value in values]


def _escaped_labels(labels: list[Any]) -> list[str]:
    """`escaped` of each label; plain text labels (a chart's days) escaped in one pass."""
    if all(type(label) is str for label in labels):
        text = escape("\n".join(labels))
        if text.count("\n") == len(labels) - 1:  # no label holds a line break
            return text.split("\n")
    return [escaped(label) for label in labels]


def _table_body(labels: list[str], datasets: list[dict[str, Any]]) -> SafeString:
    """The table's rows, one per label, made here: a 90-day chart is 90 rows, and a template
    loop over them cost Account 360 a tenth of its time (issue #16)."""
    cell = _number_cell()
    count = len(labels)
    columns = []
    for dataset in datasets:
        values = list(dataset["data"][:count])
        if len(values) < count:
            raise IndexError("a chart's dataset has fewer values than labels")
        columns.append([f"<td>{text}</td>" for text in _column_cells(values, cell)])
    if len(columns) == 1:
        rows = columns[0]
    else:
        rows = ["".join(cells) for cells in zip(*columns, strict=True)] if columns else [""] * count
    # NOTE: safe because every label and value is escaped (escape, _cell).
    return mark_safe(
        "".join(
            f'<tr><th scope="row">{head}</th>{cells}</tr>'
            for head, cells in zip(_escaped_labels(labels), rows, strict=True)
        )
    )
