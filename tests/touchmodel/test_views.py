import pytest
from django.core import mail

from accounts.models import Contact
from tests.factories import AccountFactory, ContactFactory
from touchmodel.models import AccountTier, EmailOptOut
from touchmodel.services.email import email_queue, unsubscribe_token

from .factories import (
    RuleFactory,
    SeminarFactory,
    TierRuleFactory,
    TouchProgramFactory,
    UserGroupFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    "path",
    ["", "tiers/", "rules/", "firings/", "seminars/", "community/", "settings/", "rules/new/"],
)
def test_staff_pages_render_for_an_admin(admin_client, scoped, path):
    TouchProgramFactory()
    TierRuleFactory()
    RuleFactory()
    SeminarFactory()
    UserGroupFactory()
    response = admin_client.get(f"/t/acme/touchmodel/{path}")
    assert response.status_code == 200


def test_the_planner_plots_every_active_program(admin_client, scoped):
    TouchProgramFactory(name_ja="個別コンサル", tier="high", reach_per_month=5)
    TouchProgramFactory(name_ja="ウェビナー", tier="low", reach_per_month=200)
    TouchProgramFactory(is_active=False)
    body = admin_client.get("/t/acme/touchmodel/").content.decode()
    assert body.count('data-testid="planner-point"') == 2


def test_a_viewer_cannot_edit_rules(client, viewer_user, scoped):
    client.force_login(viewer_user)
    assert client.get("/t/acme/touchmodel/rules/new/").status_code == 403


def test_an_outsider_gets_404(client, outsider, tenant):
    client.force_login(outsider)
    assert client.get("/t/acme/touchmodel/").status_code == 404


def test_rule_test_mode_lists_accounts_without_side_effects(admin_client, scoped):
    account = AccountFactory(name="更新間近")
    import datetime as dt

    from django.utils import timezone

    from tests.factories import ContractFactory

    ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=30))
    rule = RuleFactory(trigger="renewal_due", params={"days": 60})
    body = admin_client.get(f"/t/acme/touchmodel/rules/{rule.pk}/?test=1").content.decode()
    assert "更新間近" in body
    assert rule.firings.count() == 0


def test_a_manager_can_override_an_accounts_tier(client, manager_user, scoped):
    client.force_login(manager_user)
    account = AccountFactory()
    client.post(
        f"/t/acme/touchmodel/accounts/{account.pk}/tier/", {"tier": "high", "reason": "VIP"}
    )
    assert AccountTier.objects.get(account=account).tier == "high"


def test_the_public_seminar_list_of_an_unknown_tenant_is_404(client, db):
    assert client.get("/seminars/nope/").status_code == 404


def test_the_unsubscribe_link_opts_the_address_out(client, tenant, scoped):
    token = unsubscribe_token(tenant=tenant, email="reader@customer.example")
    assert client.get(f"/email/unsubscribe/{token}/").status_code == 200
    client.post(f"/email/unsubscribe/{token}/")
    assert EmailOptOut.objects.filter(email="reader@customer.example").exists()


def test_a_tampered_unsubscribe_token_is_404(client, tenant):
    token = unsubscribe_token(tenant=tenant, email="reader@customer.example")
    assert client.post(f"/email/unsubscribe/{token[:-2]}xx/").status_code == 404


def test_queued_email_contains_a_working_unsubscribe_link(client, tenant, scoped):
    queued = email_queue(
        message_key="k1",
        to_email="reader@customer.example",
        template="content_recommendation",
        context={"articles": [("Get started", "https://x.example/a")], "message": ""},
    )
    link = next(
        line.split(": ", 1)[1]
        for line in queued.email.body_text.splitlines()
        if "/email/unsubscribe/" in line
    )
    path = link.split("localhost:8000", 1)[1]
    client.post(path)
    assert EmailOptOut.objects.filter(email="reader@customer.example").exists()
    assert not mail.outbox
    assert Contact.objects.count() == 0


def test_the_program_effect_page_shows_the_four_stages(admin_client, scoped):
    program = TouchProgramFactory()
    body = admin_client.get(f"/t/acme/touchmodel/programs/{program.pk}/effect/").content.decode()
    assert 'data-testid="effect-chain"' in body


def test_the_rule_page_shows_its_effect_chain_on_request(admin_client, scoped):
    rule = RuleFactory()
    body = admin_client.get(f"/t/acme/touchmodel/rules/{rule.pk}/?effect=1").content.decode()
    assert 'data-testid="effect-chain"' in body


@pytest.mark.parametrize(
    "path",
    [
        "seminars/{s}/",
        "seminars/new/",
        "seminars/{s}/edit/",
        "community/groups/{g}/",
        "community/groups/new/",
        "tiers/rules/new/",
        "programs/new/",
    ],
)
def test_detail_pages_render(admin_client, scoped, path):
    seminar = SeminarFactory()
    group = UserGroupFactory()
    url = "/t/acme/touchmodel/" + path.format(s=seminar.pk, g=group.pk)
    assert admin_client.get(url).status_code == 200


def test_the_account_360_page_shows_the_touch_panel(admin_client, scoped):
    account = AccountFactory()
    ContactFactory(account=account, is_champion=True)
    body = admin_client.get(f"/t/acme/accounts/{account.pk}/").content.decode()
    assert 'data-testid="touch-panel"' in body
    assert 'data-testid="champion-badge"' in body


def test_the_dashboard_shows_the_touch_model_panel(admin_client, scoped):
    SeminarFactory(title_ja="次回セミナー")
    body = admin_client.get("/t/acme/").content.decode()
    assert 'data-testid="touch-dashboard"' in body
    assert "次回セミナー" in body


def test_the_bounce_command_records_a_bounce(tenant, scoped):
    from django.core.management import call_command

    from .factories import OutboundEmailFactory

    email = OutboundEmailFactory(status="sent", to_email="gone@customer.example")
    call_command("touchmodel_bounce", "--tenant", tenant.slug, "--email", "gone@customer.example")
    email.refresh_from_db()
    assert email.status == "bounced"


def test_a_tier_override_never_redirects_off_the_site(admin_client, scoped):
    account = AccountFactory()
    response = admin_client.post(
        f"/t/acme/touchmodel/accounts/{account.pk}/tier/",
        {"clear": "1", "next": "//evil.example/phish"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/t/acme/touchmodel/tiers/"


@pytest.mark.parametrize(
    ("language", "words", "codes"),
    [
        ("en", ["No contact to invite.", "an invitation to the next fitting seminar"], []),
        ("ja", ["招待できる連絡先がありません。"], ["no contact to invite"]),
    ],
)
def test_the_firing_log_shows_words_not_stored_codes(admin_client, scoped, language, words, codes):
    from .factories import RuleFiringFactory

    rule = RuleFiringFactory(
        tier="low", action="seminar", status="skipped", result={"reason": "no contact to invite"}
    ).rule
    for path in ("firings/", f"rules/{rule.pk}/"):
        body = admin_client.get(
            f"/t/acme/touchmodel/{path}", HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
        for word in words:
            assert word in body, path
        for code in [*codes, "<td>seminar</td>", "<td>low</td>"]:
            assert code not in body, path
