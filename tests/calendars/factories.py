"""Factories for every calendars model (each valid with only `tenant` in scope)."""

from __future__ import annotations

import factory

from calendars.models import CalendarFeed
from tests.factories import TenantOwnedFactory, UserFactory


class CalendarFeedFactory(TenantOwnedFactory):
    class Meta:
        model = CalendarFeed

    user = factory.SubFactory(UserFactory)
    hashed_token = factory.Sequence(lambda n: f"{n:064x}")
