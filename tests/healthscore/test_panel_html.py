"""The health panel's "Why this score" rows are made in Python (healthscore.panel_html, issue
#16): they read as the template's loop wrote them, and `fixed` as `floatformat` writes a
number, in ja and en."""

from __future__ import annotations

import random

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.utils import translation
from django.utils.formats import get_format

from healthscore.panel_html import components_html, fixed

# The template's loop as it was (healthscore/panels/health.html before issue #16).
LOOP = Template(
    "{% for c in components %}\n"
    '      <tr><td>{{ c.label }}{% if c.group_label %} <span class="muted">· {{ c.group_label }}'
    "</span>{% endif %}</td>\n"
    '      <td class="health-num">{% if c.value is None %}—{% else %}'
    "{{ c.value|floatformat:1 }} {{ c.unit_label }}{% endif %}</td>\n"
    '      <td class="health-num">{{ c.points|floatformat:0|default:"—" }}</td>\n'
    '      <td class="health-num">{{ c.weight|floatformat:1 }}%</td>\n'
    '      <td class="health-num">{{ c.contribution|floatformat:1|default:"—" }}</td></tr>\n'
    "    {% endfor %}"
)

NUMBERS = [
    0,
    1,
    -1,
    0.0,
    -0.0,
    0.05,
    -0.05,
    0.04,
    -0.04,
    0.25,
    2.5,
    12.45,
    12.55,
    99.95,
    -12.45,
    1e-7,
    123456789.25,
    35,
    37.5,
    100,
    1 / 3,
    float("nan"),
    float("inf"),
    None,
    "",
    "12.5",
    "x",
    True,
]


@pytest.mark.parametrize("language", ["ja", "en", "de"])
def test_fixed_writes_a_number_as_floatformat_does(language):
    rng = random.Random(16)
    numbers = NUMBERS + [rng.uniform(-200, 200) for _ in range(300)]
    numbers += [round(rng.uniform(-200, 200), 2) for _ in range(300)]
    with translation.override(language):
        separator = get_format("DECIMAL_SEPARATOR")  # as components_html reads it once
        for value in numbers:
            for places in (0, 1):
                expected = floatformat(value, places)
                assert fixed(value, places) == expected, (value, places)
                assert fixed(value, places, separator) == expected, (value, places)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_rows_read_as_the_template_wrote_them(language):
    components = [
        {
            "label": "利用者 <active>",
            "group_label": "利用 & 定着",
            "value": 30.25,
            "unit_label": "%",
            "points": 60,
            "weight": 35,
            "contribution": 21.0,
        },
        {
            "label": "Active days",
            "value": None,
            "unit_label": "days",
            "points": None,
            "weight": 12.5,
            "contribution": None,
        },
        {
            "label": "NPS",
            "group_label": "",
            "value": -12.45,
            "unit_label": "points",
            "points": 0.5,
            "weight": 0,
            "contribution": 0.0,
        },
    ]
    with translation.override(language):
        before = LOOP.render(Context({"components": components}))
        assert components_html(components) == before
