"""The content loop end to end with a real Celery worker: a tech-touch e-mail's signed link is
clicked, the read lands on the timeline, event-time scoring evaluates the playbooks for the
account, and "read the Get Started guide" sends the next step once, today, not again."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from cs_platform.scoping import cross_tenant, tenant_scope
from healthscore.models import DirtyAccount
from journeys.models import Activity
from tests.content.factories import ArticleFactory, ArticleTranslationFactory
from tests.factories import AccountFactory, ContactFactory, ContractFactory
from tests.healthscore.test_now_worker import _wait, tenant_ready, worker  # noqa: F401
from tests.touchmodel.factories import AccountTierFactory, RuleFactory
from touchmodel.models import OutboundEmail, RuleFiring
from touchmodel.services.rules import rules_evaluate

pytestmark = pytest.mark.django_db(transaction=True)

LINK = re.compile(r"https?://\S+/go/\S+")


def _article(slug: str, position: int) -> None:
    article = ArticleFactory(slug=slug, position=position)
    ArticleTranslationFactory(article=article, language="ja", title=f"{slug}の記事")


def test_a_click_on_an_email_link_fires_the_read_playbook_once_at_event_time(
    worker,  # noqa: F811
    tenant_ready,  # noqa: F811
    client,
    settings,
):
    settings.CONTENT_VIEW_WINDOW_SECONDS = 0  # the second read below counts (no de-dup window)
    tenant, _phases = tenant_ready
    with tenant_scope(tenant):
        _article("get-started", 1)
        _article("next-step", 2)
        account = AccountFactory()
        AccountTierFactory(account=account, tier="tech")
        ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=9))
        contact = ContactFactory(account=account)
        RuleFactory(trigger="renewal_due", params={"days": 30})
        read_rule = RuleFactory(trigger="content_read", params={"article": "get-started"})
        rules_evaluate(triggers=["renewal_due"])
        first = OutboundEmail.objects.get()
    link = next(u for u in LINK.findall(first.body_text) if u.endswith("next=get-started"))
    url = urlsplit(link)

    landing = client.get(f"{url.path}?{url.query}")
    assert client.get(landing["Location"]).status_code == 200
    firing = _wait(
        lambda: RuleFiring.objects.unscoped().filter(rule=read_rule, account=account).first(),
        "the read playbook",
    )
    assert (firing.episode_key, timezone.localtime(firing.fired_at).date()) == (
        "read:article:get-started",
        timezone.localdate(),
    )
    with cross_tenant("tenant-admin"):
        assert Activity.objects.unscoped().filter(account=account, kind="content_view").count() == 1
    with cross_tenant("tenant-admin"):
        next_step = OutboundEmail.objects.unscoped().get(firing=firing, contact=contact)
    assert "next-stepの記事" in next_step.body_text
    assert "get-startedの記事" not in next_step.body_text  # read already: not picked again

    client.get(landing["Location"])  # read again: rescored, the episode already fired
    _wait(
        lambda: (
            Activity.objects.unscoped().filter(account=account, kind="content_view").count() == 2
        ),
        "the second read",
    )
    _wait(lambda: not DirtyAccount.objects.unscoped().exists(), "the run to finish")
    with tenant_scope(tenant):  # tonight's evaluation does not fire it again either
        rules_evaluate(now=timezone.now() + dt.timedelta(hours=12))
    with cross_tenant("tenant-admin"):
        assert RuleFiring.objects.unscoped().filter(rule=read_rule).count() == 1
