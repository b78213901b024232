"""The phase funnel is cached per data version: a phase move shows on the next view."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cs_platform.scoping import tenant_scope
from journeys.services import activity_record, phase_transition, phases_seed_defaults
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def counts(client: Client) -> list[str]:
    body = client.get(reverse("journeys:funnel", kwargs={"tenant_slug": "acme"})).content
    rows = body.decode().split('data-testid="funnel-row"')[1:]
    return [re.search(r"<td>(\d+)</td>", row).group(1) for row in rows]


def test_a_phase_move_shows_in_the_cached_funnel(manager_user, tenant):
    with tenant_scope(tenant):
        phases = phases_seed_defaults()
        accounts = [AccountFactory() for _ in range(3)]
    client = Client()
    client.force_login(manager_user)
    before = counts(client)
    assert counts(client) == before  # served from the cache
    with tenant_scope(tenant):
        phase_transition(account=accounts[0], to_phase=phases[-1], actor=None, reason="")
    after = counts(client)
    assert after != before
    assert after[-1] == str(int(before[-1]) + 1)


def test_a_learn_and_support_read_leaves_the_cached_funnel(manager_user, tenant):
    """A content view goes on the timeline and raises the touch version only (touchmodel
    0015): the next funnel view is served from the cache, reading no account or phase."""
    with tenant_scope(tenant):
        phases_seed_defaults()
        account = AccountFactory()
    client = Client()
    client.force_login(manager_user)
    before = counts(client)
    with tenant_scope(tenant):
        activity_record(account=account, kind="content_view", title="Get Started")
    with CaptureQueriesContext(connection) as captured:
        assert counts(client) == before
    read = " ".join(q["sql"] for q in captured.captured_queries)
    assert "junkan_versions(" in read  # the versions, read (cs_platform 0013)
    assert "accounts_account" not in read and "journeys_phase" not in read, read
