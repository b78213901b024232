"""The step curve of a component's scheme (measure value → points), drawn on the server as
inline SVG coordinates: the scorecard editor shows it beside the ranges or thresholds table and
htmx swaps in a fresh one when the table changes (no script draws it).

The curve follows `scoring.points_for`: below the first range a value gets 0 points; a rag scheme
gives 100 / 50 / 0 points for green / amber / red.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

WIDTH, HEIGHT = 260, 130
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 8, 22
RAG_POINTS = {"green": 100.0, "amber": 50.0, "red": 0.0}


def _label(value: float) -> str:
    return f"{value:g}"


def scheme_steps(scheme: dict[str, Any]) -> tuple[float, list[tuple[float, float]]]:
    """(points below the first step, [(from value, points)] ascending)."""
    if scheme.get("type") == "rag":
        points = {**RAG_POINTS, **(scheme.get("points") or {})}
        green, amber = float(scheme["green"]), float(scheme["amber"])
        if scheme.get("higher_is_better", True):
            return points["red"], [(amber, points["amber"]), (green, points["green"])]
        # Lower is better: green up to its threshold, then amber, then red.
        return points["green"], [(green, points["amber"]), (amber, points["red"])]
    steps = sorted((float(s["min"]), float(s["points"])) for s in scheme.get("ranges") or [])
    return 0.0, steps


def step_curve(scheme: dict[str, Any] | None) -> dict[str, Any] | None:
    """SVG path and axis labels of the scheme's step curve; None when there is nothing to draw."""
    if not scheme:
        return None
    base, steps = scheme_steps(scheme)
    if not steps:
        return None
    low, high = steps[0][0], steps[-1][0]
    span = (high - low) or max(abs(high), 1.0)
    x0, x1 = low - span * 0.15, high + span * 0.15
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return round(LEFT + (x - x0) / (x1 - x0) * plot_w, 1)

    def sy(points: float) -> float:
        return round(TOP + (100 - points) / 100 * plot_h, 1)

    path = [f"M{sx(x0)},{sy(base)}"]
    for x, points in steps:
        path += [f"H{sx(x)}", f"V{sy(points)}"]
    path.append(f"H{sx(x1)}")
    parts = [
        _("below %(value)s: %(points)s points") % {"value": _label(low), "points": _label(base)}
    ]
    parts += [
        _("from %(value)s: %(points)s points") % {"value": _label(x), "points": _label(points)}
        for x, points in steps
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "path": " ".join(path),
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "label_y": HEIGHT - 6,
        "x_ticks": [{"x": sx(x), "label": _label(x)} for x, _points in steps],
        "y_ticks": [{"y": sy(p), "text_y": sy(p) + 3, "label": _label(p)} for p in (0, 50, 100)],
        "dots": [{"x": sx(x), "y": sy(points)} for x, points in steps],
        "description": _("Points by value: %(steps)s.") % {"steps": "; ".join(parts)},
    }
