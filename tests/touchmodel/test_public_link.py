"""Learn & Support links the seminar list while a published seminar is upcoming: asked on
every Learn & Support page from the cache (the data version), yet exact at once after a
seminar is added or unpublished and when the last one starts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.touchmodel.factories import SeminarFactory

pytestmark = pytest.mark.django_db


def _linked(client: Client) -> bool:
    body = client.get("/learn/acme/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    return 'data-testid="public-link"' in body


def test_the_seminar_link_follows_seminars_and_the_clock_without_a_query(scoped):
    client = Client()
    assert not _linked(client)
    starts = timezone.now() + dt.timedelta(hours=2)
    seminar = SeminarFactory(is_published=True, starts_at=starts)
    assert _linked(client)

    with CaptureQueriesContext(connection) as queries:
        assert _linked(client)
    assert not [q for q in queries.captured_queries if "touchmodel_seminar" in q["sql"]]

    with time_machine.travel(starts + dt.timedelta(minutes=1)):
        assert not _linked(client)  # it started: none upcoming, with the same data version
    seminar.is_published = False
    seminar.save()
    assert not _linked(client)
