"""The dashboard's touch panel: playbook firings of the last 7 days and the next seminars are
cached under the touch version (#16): a repeat view reads neither table, and each kind of write
that changes them, and the clock moving a firing or a seminar out, shows at once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from touchmodel.models import RuleFiring
from touchmodel.plugins import _dashboard

from .factories import RuleFiringFactory, SeminarFactory

pytestmark = pytest.mark.django_db


def _panel() -> tuple[int, list[str]]:
    context = _dashboard(RequestFactory().get("/"))
    return context["fired_week"], [s.title_en for s in context["seminars"]]


def _reads_touch_tables() -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        _panel()
    return [
        q["sql"]
        for q in captured
        if "touchmodel_rulefiring" in q["sql"] or "touchmodel_seminar" in q["sql"]
    ]


def test_a_repeat_view_reads_no_firing_and_no_seminar(scoped):
    RuleFiringFactory()
    SeminarFactory()
    assert _panel()[0] == 1
    assert _reads_touch_tables() == []


def test_each_write_shows_at_once(scoped):
    now = timezone.now()
    firing = RuleFiringFactory(fired_at=now - dt.timedelta(days=1))
    seminar = SeminarFactory(title_en="Later", starts_at=now + dt.timedelta(days=3))
    assert _panel() == (1, ["Later"])

    RuleFiringFactory(fired_at=now - dt.timedelta(hours=1))  # a new firing
    assert _panel() == (2, ["Later"])
    SeminarFactory(title_en="Sooner", starts_at=now + dt.timedelta(days=1))  # a new seminar
    assert _panel() == (2, ["Sooner", "Later"])
    seminar.title_en = "Renamed"
    seminar.save()
    assert _panel() == (2, ["Sooner", "Renamed"])
    seminar.delete()
    assert _panel() == (2, ["Sooner"])
    RuleFiring.objects.filter(pk=firing.pk).delete()
    assert _panel() == (1, ["Sooner"])


def test_the_clock_moves_a_firing_out_of_the_week_and_a_started_seminar_off(scoped):
    now = timezone.now()
    RuleFiringFactory(fired_at=now - dt.timedelta(days=6))
    RuleFiringFactory(fired_at=now - dt.timedelta(days=2))
    SeminarFactory(title_en="First", starts_at=now + dt.timedelta(hours=12))
    SeminarFactory(title_en="Second", starts_at=now + dt.timedelta(days=3))
    assert _panel() == (2, ["First", "Second"])
    with time_machine.travel(now + dt.timedelta(hours=13), tick=False):
        assert _panel() == (2, ["Second"])  # the first seminar has started
    with time_machine.travel(now + dt.timedelta(days=1, hours=1), tick=False):
        assert _panel() == (1, ["Second"])  # the 6-day-old firing left the 7 days
