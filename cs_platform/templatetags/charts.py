"""`{% chart %}`: a Chart.js chart with a plain table behind it.

The table is the chart's data, readable without JavaScript (and by screen readers); with
JavaScript, static/js/junkan-charts.js draws the chart from the JSON and hides the table.
"""

from __future__ import annotations

import itertools
from typing import Any

from django import template

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
    rows = [
        [label, *[dataset["data"][i] for dataset in datasets]] for i, label in enumerate(labels)
    ]
    return {
        "chart_id": f"chart-{next(_ids)}",
        "config": config,
        "title": title,
        "headers": [dataset["label"] for dataset in datasets],
        "rows": rows,
        "height": height,
    }
