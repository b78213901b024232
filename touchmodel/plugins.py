"""What touchmodel adds to the core and account pages, the beat schedule and the signals."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Min, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.db.models.signals import post_save
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.translation import gettext_lazy as _

from accounts.extensions import (
    AccountListExtension,
    AccountPanel,
    BulkAction,
    PublicLink,
    SegmentRule,
    account_panel_key,
    bulk_value_row,
    register_account_panel,
    register_account_tier_source,
    register_bulk_action,
    register_list_extension,
    register_public_link,
    register_segment_rule,
)
from accounts.models import Account, Contact, RelationshipLevel
from cs_platform.datacache import cached_for_data_version, page_cached
from cs_platform.extensions import (
    DashboardPanel,
    NavItem,
    register_dashboard_panel,
    register_nav_item,
)
from cs_platform.models import Role
from cs_platform.permissions import can
from cs_platform.requestmemo import in_page_view, request_memoized
from cs_platform.scoping import require_current_tenant
from healthscore.extensions import (
    PortfolioSection,
    register_portfolio_section,
    register_scores_now_listener,
)
from journeys.extensions import (
    register_activity_renderer,
    register_meeting_listener,
    register_meeting_programs,
    register_task_descriptions,
    register_task_titles,
)

from .models import (
    ProgramKind,
    Rule,
    RuleFiring,
    Seminar,
    Tier,
    TouchProgram,
)
from .selectors import health_by_tier, tier_counts
from .selectors.account_page import account_touch_ahead, account_touch_read
from .selectors.rules import why_texts
from .selectors.tiers import default_tier, tier_by_account
from .services import meeting_invitations_send, rule_fire
from .services.rules import rules_evaluate
from .services.seminars import attendance_title
from .services.tiers import tier_change_title, tier_override_bulk
from .tasks import evaluate_rules


def _tier_choices() -> list[tuple[str, str]]:
    return list(_tier_options(translation.get_language()))


@functools.lru_cache(maxsize=8)
def _tier_options(language: str | None) -> tuple[tuple[str, str], ...]:
    """The tiers' options, translated once per language (`language`: the active one, the
    cache's key; the account list offers them on every view)."""
    return tuple((value, str(label)) for value, label in Tier.choices)


# `Account.list_tier` of an account with no tier row (it is in the default tier).
NO_TIER_ROW = ""


def _default_tier() -> str:
    """The tenant's default tier, read once per page view (and kept for page views under the
    data version, which the settings raise)."""
    return request_memoized(
        ("touchmodel.default_tier", require_current_tenant().pk),
        lambda: page_cached("touchmodel.default_tier", default_tier),
    )


def _annotate_tier(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """`tier`: as touchmodel keeps it on the account row (migration 0016: '' is the
    default)."""
    return queryset.annotate(
        tier=Coalesce(NullIf(F("list_tier"), Value(NO_TIER_ROW)), Value(_default_tier()))
    )


def _fill_tier(accounts: Sequence[Account]) -> None:
    default = _default_tier()
    for account in accounts:
        account.tier = account.list_tier or default  # type: ignore[attr-defined]


def _tier_groups() -> list[list[Any]]:
    """The list's sort by tier: the tiers by their value, the accounts without a tier row
    ('') with the default tier's. The default is read from the settings: changing it writes
    no account row (issue #16)."""
    default = _default_tier()
    return [[tier, *([NO_TIER_ROW] if tier == default else [])] for tier in sorted(Tier.values)]


@functools.lru_cache(maxsize=8)
def _tier_labels(language: str) -> dict[str, str]:
    with translation.override(language):
        return {value: conditional_escape(label) for value, label in Tier.choices}


def _tier_column(accounts: Sequence[Account]) -> list[str]:
    """The account list's tier cells of one page (each as touchmodel/panels/tier_cell.html
    renders it)."""
    labels = _tier_labels(translation.get_language() or "ja")
    return [labels.get(getattr(account, "tier", None), "—") for account in accounts]


def _filter_tier(queryset: QuerySet[Account], value: Any) -> QuerySet[Account]:
    """Accounts in the tier(s): the tier touchmodel keeps on the account row (its tier row's,
    '' for the default; migration 0016), which the list's indexes serve."""
    values = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
    if _default_tier() in values:
        values.append(NO_TIER_ROW)
    return queryset.filter(list_tier__in=values)


def _set_tier(accounts: QuerySet[Account], value: str, actor: Any) -> int:

    if value not in Tier.values:
        raise ValidationError({"value": _("Choose a tier.")})
    user = actor if getattr(actor, "is_authenticated", False) else None
    return tier_override_bulk(
        accounts=accounts, tier=value, user=user, reason=str(_("Changed from the account list"))
    )


def _playbooks() -> QuerySet[Rule]:
    return Rule.objects.filter(is_active=True).order_by("pk")


def _playbook_choices() -> list[tuple[str, str]]:
    """The active playbooks; on a page view (the account list's bulk action offers them on
    every view) kept under the data and touch versions: rules raise the touch version."""

    def compute() -> list[tuple[str, str]]:
        return [(str(r.pk), r.name) for r in _playbooks()]

    if not in_page_view():
        return compute()
    return cached_for_data_version("touchmodel.playbook_choices", compute, touches=True)


def _start_playbook(accounts: QuerySet[Account], value: str, actor: Any) -> int:
    """Run the playbook for these accounts now: it fires for those its trigger holds for
    (once per episode, as when it runs by itself)."""
    rule = bulk_value_row(_playbooks(), value, refusal=_("Choose an active playbook."))
    ids = list(accounts.values_list("pk", flat=True).order_by())
    return len(rule_fire(rule=rule, account_ids=ids))


def _touch_panel(request: HttpRequest, account: Account) -> dict[str, Any]:

    touch = account_touch_read(account=account)
    return {
        "account": account,
        "account_tier": touch.tier,
        "relationship": touch.relationship,
        "can_override": can(request, "tier.override"),
    }


FIRINGS_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class _TouchesNow:
    """The dashboard's playbook firings of the last 7 days and next seminars, and the instant
    until which they stay true with no write: the oldest counted firing leaving the window,
    or the first listed seminar starting (a firing or seminar written raises the touch
    version, so the clock is the only other thing that changes them)."""

    fired_week: int
    seminars: list[Seminar]
    valid_until: datetime | None


def _touches_now() -> _TouchesNow:
    now = timezone.now()
    week = RuleFiring.objects.filter(fired_at__gte=now - FIRINGS_WINDOW).aggregate(
        n=Count("pk"), oldest=Min("fired_at")
    )
    seminars = list(Seminar.objects.filter(starts_at__gte=now).order_by("starts_at")[:3])
    ends = [
        *([week["oldest"] + FIRINGS_WINDOW] if week["oldest"] else []),
        *([seminars[0].starts_at] if seminars else []),
    ]
    return _TouchesNow(week["n"], seminars, min(ends, default=None))


def _dashboard(request: HttpRequest) -> dict[str, Any]:

    touches = cached_for_data_version(
        "touchmodel.dashboard_touches",
        _touches_now,
        touches=True,
        fresh=lambda v: v.valid_until is None or timezone.now() <= v.valid_until,
    )
    return {
        # Accounts (their lifecycle), tiers and the touch settings raise the data version.
        "tiers": cached_for_data_version("touchmodel.tier_counts", tier_counts),
        "fired_week": touches.fired_week,
        "seminars": touches.seminars,
    }


def _portfolio_tiers(request: HttpRequest) -> dict[str, Any]:

    # Scores, tiers and the touch settings raise the data version (the latest nightly scores
    # only: intra-day ones are not read here).
    return {"rows": cached_for_data_version("touchmodel.health_by_tier", health_by_tier)}


def _meeting_programs() -> list[tuple[int, str]]:
    """The active 1:1 programmes: a logged meeting may belong to one of them."""

    programs = TouchProgram.objects.filter(is_active=True, kind=ProgramKind.ONE_TO_ONE)
    return [(p.pk, p.name) for p in programs]


def _on_contact_saved(sender: Any, instance: Contact, created: bool, **kwargs: Any) -> None:
    """A new executive-level contact is an event rules react to (soon, not tonight)."""
    if not created or instance.relationship_level != RelationshipLevel.EXECUTIVE:
        return
    tenant_id, account_id = instance.tenant_id, instance.account_id

    def _enqueue() -> None:

        with contextlib.suppress(Exception):
            evaluate_rules.delay(
                tenant_id=tenant_id, triggers=["executive_contact"], account_ids=[account_id]
            )

    transaction.on_commit(_enqueue)


def _on_scores_now(account_ids: list[int]) -> None:
    """healthscore rescored these accounts at event time: evaluate the rules for them now, not
    tonight. Runs in healthscore's event-time task, with the tenant in scope. A firing is
    claimed once per (rule, account, episode) whichever path evaluates first, so the nightly
    evaluation does not fire the same episode again."""

    rules_evaluate(account_ids=account_ids)


def _meeting_changed(meeting_id: int, change: str) -> None:

    meeting_invitations_send(meeting_id, change)


def _public_seminars_url(tenant: Any) -> str | None:
    """Learn & Support links the seminar list while the tenant has upcoming public seminars.

    Asked on every Learn & Support page: the start of the last published seminar is cached
    under the data version (seminars raise it, touchmodel 0013), and "some seminar is
    upcoming" is exactly "the last one starts now or later", so the answer follows the
    clock without a query."""
    last_start = cached_for_data_version(
        "touchmodel.last_public_seminar_start",
        lambda: Seminar.objects.filter(is_published=True).aggregate(last=Max("starts_at"))["last"],
    )
    if last_start is None or last_start < timezone.now():
        return None
    return reverse("touchmodel_public:seminar_list", kwargs={"site": tenant.slug})


def _rule_task_titles(tasks: list[Any]) -> dict[int, str]:
    """A rule's task is titled with the rule's name in the reader's language (one query)."""
    rules = Rule.objects.in_bulk({int(t.data["rule"]) for t in tasks})
    return {t.pk: rules[int(t.data["rule"])].name for t in tasks if int(t.data["rule"]) in rules}


def _rule_task_descriptions(tasks: list[Any]) -> dict[int, str]:
    """The rule's message and the reason it fired, in the reader's language (tasks made
    before the data kept the reason show their stored description)."""
    tasks = [t for t in tasks if "detail" in t.data]
    rules = Rule.objects.in_bulk({int(t.data["rule"]) for t in tasks})
    tasks = [t for t in tasks if int(t.data["rule"]) in rules]
    reasons = why_texts([t.data["detail"] for t in tasks])
    return {
        t.pk: "\n\n".join(x for x in (rules[int(t.data["rule"])].message, reason) if x)
        for t, reason in zip(tasks, reasons, strict=True)
    }


def register() -> None:

    register_scores_now_listener(_on_scores_now)
    register_task_titles("rule", _rule_task_titles)
    register_task_descriptions("rule", _rule_task_descriptions)
    register_activity_renderer("tier_change", tier_change_title)
    register_activity_renderer("seminar_attendance", attendance_title)
    register_account_tier_source(tier_by_account)
    register_public_link(
        PublicLink(key="seminars", label=_("Seminars"), url=_public_seminars_url, order=10)
    )
    register_nav_item(NavItem("touchmodel:planner", _("Touch model"), 40, Role.VIEWER))
    register_nav_item(NavItem("touchmodel:rules", _("Playbooks"), 45, Role.VIEWER))
    register_nav_item(NavItem("touchmodel:seminars", _("Seminars"), 55, Role.VIEWER))
    register_dashboard_panel(
        DashboardPanel(
            key="touchmodel",
            template="touchmodel/panels/dashboard.html",
            get_context=_dashboard,
            order=40,
        )
    )
    register_meeting_programs("touchmodel", _meeting_programs)
    register_meeting_listener(_meeting_changed)
    register_portfolio_section(
        PortfolioSection(
            key="touchmodel_tiers",
            template="touchmodel/panels/portfolio_tiers.html",
            get_context=_portfolio_tiers,
            order=10,
        )
    )
    register_account_panel(
        AccountPanel(
            key="touchmodel",
            template="touchmodel/panels/account_touch.html",
            get_context=_touch_panel,
            read_ahead=lambda request, account: account_touch_ahead(account=account),
            slot="side",
            order=30,
            # The tier, its rule, the contacts, their awards and user groups move the
            # account's version (touchmodel 0017, 0019).
            cache_key=account_panel_key,
        )
    )
    register_list_extension(
        AccountListExtension(
            key="tier",
            label=_("Touch tier"),
            choices=_tier_choices,
            apply=_filter_tier,
            annotate=_annotate_tier,
            template="touchmodel/panels/tier_cell.html",
            column=_tier_column,
            sort_key="list_tier",
            sort_groups=_tier_groups,
            fill=_fill_tier,
            order=40,
            cells_kept=True,
        )
    )
    register_bulk_action(
        BulkAction(
            key="set_tier",
            label=_("Change the touch tier"),
            value_label=_("Touch tier"),
            permission="tier.override",
            choices=_tier_choices,
            apply=_set_tier,
            done=_("%(n)s accounts are now %(value)s (set by hand)."),
            order=20,
        )
    )
    register_bulk_action(
        BulkAction(
            key="start_playbook",
            label=_("Start a playbook"),
            value_label=_("Playbook"),
            permission="rule.run",
            choices=_playbook_choices,
            apply=_start_playbook,
            done=_("The playbook %(value)s fired for %(n)s accounts (where its trigger holds)."),
            order=40,
        )
    )
    register_segment_rule(
        SegmentRule(
            key="tier",
            label=_("Touch tier"),
            apply=_filter_tier,
            help_text=_("One or more of high, low, tech."),
            choices=_tier_choices,
        )
    )
    post_save.connect(_on_contact_saved, sender=Contact, dispatch_uid="touchmodel_exec_contact")
    # NOTE: added in ready(), before Celery reads its configuration; the integrator may move
    # these into cs_platform/settings/base.py.
    settings.CELERY_BEAT_SCHEDULE.setdefault(
        "touchmodel-evaluate-after-recompute",
        {"task": "touchmodel.evaluate_rules_after_recompute", "schedule": timedelta(minutes=15)},
    )
    settings.CELERY_BEAT_SCHEDULE.setdefault(
        "touchmodel-rule-evaluation-sweep",
        {
            "task": "touchmodel.sweep_rule_evaluations",
            "schedule": timedelta(seconds=settings.JOB_LEASE_SWEEP_SECONDS),
        },
    )
    settings.CELERY_BEAT_SCHEDULE.setdefault(
        "touchmodel-email-lease-sweep",
        {
            "task": "touchmodel.sweep_email_leases",
            "schedule": timedelta(seconds=settings.JOB_LEASE_SWEEP_SECONDS),
        },
    )
    settings.CELERY_BEAT_SCHEDULE.setdefault(
        "touchmodel-evaluate-rules-daily",
        {"task": "touchmodel.evaluate_rules_all_tenants", "schedule": timedelta(hours=24)},
    )
