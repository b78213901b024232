"""The official Segment library (segment-analytics-python) pointed at a live Junkan: only its
host changes."""

from __future__ import annotations

import pytest
from segment.analytics import Client

from accounts.models import Contact
from cs_platform.models import ApiKeyScope
from cs_platform.scoping import tenant_scope
from cs_platform.services import api_key_issue
from healthscore.models import UsageEvent
from tests.factories import AccountFactory
from tracking.models import RejectedMessage


@pytest.fixture
def write_key(transactional_db, tenant, settings):
    settings.HEALTH_INGEST_THROTTLE_RATE = None
    with tenant_scope(tenant):
        AccountFactory(external_id="org-42", name="Org 42")
    return api_key_issue(tenant=tenant, name="segment", scope=ApiKeyScope.INGEST).raw_key


def _drive(client: Client) -> None:
    client.identify("user-1", {"name": "Aiko Tanaka", "email": "aiko@example.jp"})
    client.group("user-1", "org-42", {"seats": 25})
    client.track("user-1", "Report Exported", {"format": "csv"})
    client.page("user-1", "Docs", "Getting started", {"url": "https://example.jp/docs"})
    client.track("user-1", "Report Exported", {"format": "pdf"}, message_id="fixed-id")
    client.track("user-1", "Report Exported", {"format": "pdf"}, message_id="fixed-id")
    client.track("nobody", "Login")


@pytest.mark.parametrize("gzip", [False, True], ids=["json", "gzip"])
def test_the_python_library_feeds_contacts_accounts_and_usage(live_server, tenant, write_key, gzip):
    errors: list[Exception] = []
    client = Client(
        write_key,
        host=f"{live_server.url}/segment",
        gzip=gzip,
        max_retries=0,
        on_error=lambda error, batch: errors.append(error),
        upload_interval=0.1,
    )
    _drive(client)
    client.flush()
    client.shutdown()
    assert errors == []
    with tenant_scope(tenant):
        contact = Contact.objects.get(external_id="user-1")
        assert (contact.name, contact.email, contact.account.external_id) == (
            "Aiko Tanaka",
            "aiko@example.jp",
            "org-42",
        )
        stored = sorted(UsageEvent.objects.values_list("event", "contact_key"))
        assert stored == [
            ("Report Exported", "user-1"),
            ("Report Exported", "user-1"),
            ("Viewed Getting started Page", "user-1"),
        ]
        assert list(RejectedMessage.objects.values_list("code", flat=True)) == ["unknown_account"]


def test_the_library_in_sync_mode_sends_each_call(live_server, tenant, write_key):
    client = Client(write_key, host=f"{live_server.url}/segment", sync_mode=True, max_retries=0)
    client.group("user-2", "org-42")
    client.track("user-2", "Login")
    with tenant_scope(tenant):
        assert UsageEvent.objects.filter(contact_key="user-2").count() == 1
