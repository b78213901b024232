"""Tech-touch From addresses: only at a sender domain the tenant verified by DNS TXT (the
custom-domain flow); any other address keeps only its display name, in front of Junkan's."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from icalendar import Calendar

from cs_platform.dns_verify import DnsLookupError
from cs_platform.scoping import tenant_scope
from tests.factories import ContactFactory
from touchmodel.models import OutboundEmail, SenderDomain
from touchmodel.services import (
    email_from_effective,
    email_queue,
    email_send,
    seminar_invite,
    sender_domain_claim,
    sender_domain_verify,
    touch_settings_get,
)
from touchmodel.services import senders as sender_services

from .factories import SeminarFactory

pytestmark = pytest.mark.django_db


def _txt(*values):
    return lambda name: list(values)


def _verified(domain: str) -> SenderDomain:
    claimed = sender_domain_claim(domain=domain)
    return sender_domain_verify(sender_domain=claimed, lookup=_txt(claimed.verification_token))


def _set_from(value: str) -> None:
    settings = touch_settings_get()
    settings.email_from = value
    settings.save()


def _sent_from() -> str:
    queued = email_queue(
        message_key="k1",
        to_email="reader@customer.example",
        template="content_recommendation",
        context={"articles": [("Guide", "https://help.example/a")], "message": ""},
    )
    mail.outbox.clear()
    email_send(email_id=queued.email.pk)
    return mail.outbox[0].from_email


def test_an_unverified_address_keeps_only_its_display_name(scoped):
    _set_from("Acme CS <cs@bank.example>")
    assert _sent_from() == "Acme CS <noreply@junkan.local>"


def test_without_a_display_name_the_tenants_name_is_shown(scoped):
    _set_from("cs@acme.example")
    assert email_from_effective(email_from="cs@acme.example") == (
        "アクメ株式会社 <noreply@junkan.local>"
    )


def test_an_address_at_a_verified_domain_is_used_as_written(scoped):
    _verified("acme.example")
    _set_from("Acme CS <cs@acme.example>")
    assert _sent_from() == "Acme CS <cs@acme.example>"


def test_a_verified_domain_covers_its_subdomains_but_not_lookalikes(scoped):
    _verified("acme.example")
    assert email_from_effective(email_from="cs@mail.acme.example") == "cs@mail.acme.example"
    assert "noreply@junkan.local" in email_from_effective(email_from="cs@evilacme.example")
    assert "noreply@junkan.local" in email_from_effective(email_from="cs@example")


def test_a_claimed_but_unverified_domain_does_not_count(scoped):
    sender_domain_claim(domain="acme.example")
    assert "noreply@junkan.local" in email_from_effective(email_from="cs@acme.example")


def test_another_tenants_verified_domain_does_not_count(tenant, other_tenant):
    with tenant_scope(other_tenant):
        _verified("acme.example")
    with tenant_scope(tenant):
        assert "noreply@junkan.local" in email_from_effective(email_from="cs@acme.example")


def test_no_sender_set_uses_the_sites_address(scoped):
    assert email_from_effective(email_from="") == "Junkan <noreply@junkan.local>"


def test_a_failed_check_says_what_to_fix_and_is_kept(scoped):
    claimed = sender_domain_claim(domain="Acme.Example.")
    assert claimed.domain == "acme.example"
    with pytest.raises(ValidationError, match=r"_junkan-verify\.acme\.example"):
        sender_domain_verify(sender_domain=claimed, lookup=_txt("something-else"))
    claimed.refresh_from_db()
    assert claimed.verified_at is None and "something-else" in claimed.last_check_error

    def down(name):
        raise DnsLookupError("timed out")

    with pytest.raises(ValidationError, match="timed out"):
        sender_domain_verify(sender_domain=claimed, lookup=down)


def test_a_bad_or_duplicate_domain_is_refused(scoped):
    with pytest.raises(ValidationError):
        sender_domain_claim(domain="https://acme.example/")
    sender_domain_claim(domain="acme.example")
    with pytest.raises(ValidationError):
        sender_domain_claim(domain="ACME.example")


def test_a_seminar_invitation_names_the_effective_sender_as_organizer(scoped):
    _set_from("Acme CS <cs@bank.example>")
    (email_id,) = seminar_invite(
        seminar=SeminarFactory(), contacts=[ContactFactory()], firing=None, message=""
    )
    (event,) = Calendar.from_ical(OutboundEmail.objects.get(pk=email_id).ics).walk("VEVENT")
    assert str(event["organizer"]) == "mailto:noreply@junkan.local"
    assert event["organizer"].params["CN"] == "Acme CS"


# --- the settings page ----------------------------------------------------------------------


@pytest.mark.parametrize("language,verified", [("ja", "確認済み"), ("en", "Verified")])
def test_an_admin_adds_and_verifies_a_sender_domain_on_the_settings_page(
    admin_user, tenant, monkeypatch, language, verified
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(admin_user)
    response = client.post(
        "/t/acme/touchmodel/settings/sender-domains/", {"domain": "acme.example"}
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        claimed = SenderDomain.objects.get()
    page = client.get("/t/acme/touchmodel/settings/").text
    assert "_junkan-verify.acme.example" in page and claimed.verification_token in page
    monkeypatch.setattr(sender_services, "dns_txt_lookup", _txt(claimed.verification_token))
    client.post(f"/t/acme/touchmodel/settings/sender-domains/{claimed.pk}/verify/")
    page = client.get("/t/acme/touchmodel/settings/").text
    assert verified in page
    client.post(f"/t/acme/touchmodel/settings/sender-domains/{claimed.pk}/delete/")
    with tenant_scope(tenant):
        assert not SenderDomain.objects.exists()


def test_a_csm_cannot_add_a_sender_domain(csm_user, tenant):
    client = Client()
    client.force_login(csm_user)
    response = client.post("/t/acme/touchmodel/settings/sender-domains/", {"domain": "a.example"})
    assert response.status_code == 403
