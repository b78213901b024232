"""Demo usage: 90 days per demo account, sent through the ingestion service, then scored.

In the order the product produces data: the usage arrives first (`healthscore_seed_demo`,
demo/seed.py's first round); the scoring (`healthscore_seed_demo_scores`, its second round)
runs once every app has seeded, so the engagement measure finds the seminars attended and the
articles read that the timeline shows for the same days.

Patterns (chosen per account, deterministically): healthy, declining, recovering, churn-risk.
Idempotent: events carry idempotency keys, and a tenant that already has demo scores is left
as it is.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from django.utils import timezone

from accounts.models import Account, Contact
from cs_platform.models import Tenant
from demo.healthscore_history import healthscore_seed_demo_year
from healthscore.models import HealthScore, KeyEvent, SurveyResponse, UsageDaily
from healthscore.services.ingest import MAX_EVENTS, events_ingest
from healthscore.services.recompute import healthscore_recompute_history
from healthscore.services.scorecards import healthscore_tenant_defaults

DAYS = 90
PATTERNS = ("healthy", "healthy", "declining", "recovering", "churn_risk")
EXTRA_EVENTS = ["posting_published", "card_scanned", "search"]


def _intensity(pattern: str, days_ago: np.ndarray) -> np.ndarray:
    t = (DAYS - days_ago) / DAYS  # 0 → 90 days ago, 1 → today
    if pattern == "healthy":
        return np.full_like(t, 0.85)
    if pattern == "declining":
        return np.clip(0.9 - np.maximum(t - 0.4, 0) * 1.4, 0.05, 1)
    if pattern == "recovering":
        return np.clip(0.15 + np.maximum(t - 0.45, 0) * 1.4, 0.05, 0.9)
    return np.clip(0.3 - t * 0.28, 0.0, 1)


def _users(account: Account, contacts: dict[int, list[str]]) -> list[str]:
    known = contacts.get(account.pk, [])
    pool = max(min(account.licensed_seats or 10, 40), 5)
    return (known + [f"{account.external_id}-user-{i}" for i in range(pool)])[:pool]


def _account_events(
    account: Account,
    *,
    users: list[str],
    pattern: str,
    names: list[str],
    rng: np.random.Generator,
    today: dt.date,
    tz: Any,
) -> list[dict[str, Any]]:
    days_ago = np.arange(DAYS, 0, -1)
    # About one active user a day for a healthy account: enough for every measure to move,
    # few enough events (~100 per account) to seed thousands of accounts in seconds.
    active = rng.binomial(
        len(users), np.minimum(_intensity(pattern, days_ago) * 0.035 * 40 / len(users), 1)
    )
    # Breadth shrinks as usage fades: a fading account uses fewer features.
    breadth = np.maximum(1, np.round(_intensity(pattern, days_ago) * len(names))).astype(int)
    events = []
    for ago, n_active, width in zip(days_ago, active, breadth, strict=True):
        day = today - dt.timedelta(days=int(ago))
        who = rng.choice(len(users), size=n_active, replace=False) if n_active else []
        for n, user in enumerate(who):
            seconds = int(rng.integers(8 * 3600, 20 * 3600))
            stamp = dt.datetime(day.year, day.month, day.day, tzinfo=tz) + dt.timedelta(
                seconds=seconds
            )
            events.append(
                {
                    "account_id": account.external_id,
                    "contact_id": users[int(user)],
                    "event": names[int(rng.integers(0, width))],
                    "timestamp": stamp.isoformat(),
                    "idempotency_key": f"demo:{account.external_id}:{day.isoformat()}:{n}",
                }
            )
    return events


def _send(tenant: Tenant, events: list[dict[str, Any]]) -> int:
    accepted = 0
    for start in range(0, len(events), MAX_EVENTS):
        accepted += events_ingest(tenant=tenant, events=events[start : start + MAX_EVENTS]).accepted
    return accepted


def healthscore_seed_demo(*, tenant: Tenant, log: Callable[[str], None]) -> None:
    healthscore_tenant_defaults(tenant=tenant)
    today = timezone.localdate(timezone=tenant.tzinfo)
    if HealthScore.objects.filter(day=today).exists() or UsageDaily.objects.exists():
        log(f"{tenant.slug}: usage history exists; keeping it.")
        return
    started = time.monotonic()
    accounts = list(Account.objects.order_by("pk"))
    if not accounts:
        log(f"{tenant.slug}: no accounts, no usage to seed.")
        return
    names = list(KeyEvent.objects.values_list("name", flat=True)) + EXTRA_EVENTS
    contacts: dict[int, list[str]] = {}
    for account_id, key in Contact.objects.exclude(external_id="").values_list(
        "account_id", "external_id"
    ):
        contacts.setdefault(account_id, []).append(key)
    rng = np.random.default_rng(tenant.pk)
    batch: list[dict[str, Any]] = []
    sent = 0
    surveys = []
    for account in accounts:
        pattern = PATTERNS[account.pk % len(PATTERNS)]
        batch += _account_events(
            account,
            users=_users(account, contacts),
            pattern=pattern,
            names=names,
            rng=rng,
            today=today,
            tz=tenant.tzinfo,
        )
        surveys.append(
            SurveyResponse(
                account=account,
                score={"healthy": 9, "declining": 6, "recovering": 8}.get(pattern, 3),
                responded_on=today - dt.timedelta(days=int(account.pk % 60) + 1),
                comment="demo",
            )
        )
        if len(batch) >= 50_000:
            sent += _send(tenant, batch)
            batch = []
    sent += _send(tenant, batch)
    SurveyResponse.objects.filter(comment="demo").delete()
    SurveyResponse.objects.bulk_create(surveys)
    log(f"{tenant.slug}: {sent} usage events ingested ({time.monotonic() - started:.1f}s).")


def healthscore_seed_demo_scores(*, tenant: Tenant, log: Callable[[str], None]) -> None:
    """Score the demo's 91 days (and the weekly year before) once all the data is in."""
    today = timezone.localdate(timezone=tenant.tzinfo)
    if HealthScore.objects.filter(day=today).exists():
        log(f"{tenant.slug}: health history exists; keeping it.")
        return
    if not Account.objects.exists():
        return
    started = time.monotonic()
    days = [today - dt.timedelta(days=n) for n in range(DAYS, -1, -1)]
    scored = healthscore_recompute_history(days=days, alert_days=14)
    log(
        f"{tenant.slug}: {scored} health scores over {len(days)} days "
        f"({time.monotonic() - started:.1f}s)."
    )
    # The year before, weekly: what the backtest tests the score against.
    healthscore_seed_demo_year(tenant=tenant, today=today, log=log)
