"""The two-axis planner (value per customer × reach) and capacity planning."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
from dataclasses import dataclass, field

import pandas as pd
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from accounts.selectors import account_list
from cs_platform.datacache import cached_for_data_version
from cs_platform.models import Membership, Role, User
from cs_platform.scoping import require_current_tenant

from .. import integrations
from ..models import TIER_ORDER, AccountTier, CsmCapacity, Tier, TouchProgram, TouchSettings
from .effect import (
    READS_LOOKBACK_DAYS,
    TOUCH_COLUMNS,
    effect_health_outcome,
    population,
    programs_touches,
)

# SVG geometry of the planner chart (viewBox units).
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 900, 440, 70, 90, 44, 56


def program_list(*, active_only: bool = False) -> QuerySet[TouchProgram]:
    queryset = TouchProgram.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


@dataclass(frozen=True)
class PlannerPoint:
    program: TouchProgram
    x: float
    y: float
    r: float
    label_y: float = 0.0


@dataclass(frozen=True)
class PlannerChart:
    points: list[PlannerPoint]
    x_ticks: list[tuple[float, int]]
    y_ticks: list[tuple[float, int]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom_y: int = HEIGHT - BOTTOM
    right_x: int = WIDTH - RIGHT


def planner_chart(*, programs: list[TouchProgram]) -> PlannerChart:
    """Programs placed by reach (x, log scale) and value per customer (y, 1–5); the circle's
    area grows with the CSM hours the program costs."""
    max_reach = max([p.reach_per_month for p in programs] + [10])
    top_decade = 10 ** math.ceil(math.log10(max_reach))
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM

    def x_of(reach: int) -> float:
        return LEFT + span_x * math.log10(max(reach, 1)) / math.log10(top_decade)

    def y_of(value: int) -> float:
        return TOP + span_y * (5 - value) / 4

    max_cost = max([float(p.cost_hours_per_month) for p in programs] + [1.0])
    points = []
    seen_on_row: dict[int, int] = {}
    for p in sorted(programs, key=lambda p: (p.value_per_customer, p.reach_per_month)):
        r = round(6 + 18 * math.sqrt(max(float(p.cost_hours_per_month), 0.0) / max_cost), 1)
        y = round(y_of(p.value_per_customer), 1)
        # Labels of programs on the same value row alternate below and above their circle.
        nth = seen_on_row[p.value_per_customer] = seen_on_row.get(p.value_per_customer, -1) + 1
        label_y = y + r + 13 if nth % 2 == 0 else y - r - 5
        if label_y > HEIGHT - BOTTOM - 4:  # keep clear of the x axis' tick labels
            label_y = y - r - 5
        points.append(
            PlannerPoint(program=p, x=round(x_of(p.reach_per_month), 1), y=y, r=r, label_y=label_y)
        )
    x_ticks = []
    decade = 1
    while decade <= top_decade:
        x_ticks.append((round(x_of(decade), 1), decade))
        decade *= 10
    y_ticks = [(round(y_of(v), 1), v) for v in range(1, 6)]
    return PlannerChart(points=points, x_ticks=x_ticks, y_ticks=y_ticks)


@dataclass
class CsmLoad:
    user_id: int | None
    name: str
    accounts: dict[str, int]
    hours_needed: float
    hours_available: float

    @property
    def over(self) -> bool:
        return self.hours_needed > self.hours_available

    @property
    def excess(self) -> float:
        return round(max(0.0, self.hours_needed - self.hours_available), 1)

    @property
    def utilisation(self) -> int:
        if not self.hours_available:
            return 0
        return round(100 * self.hours_needed / self.hours_available)


@dataclass
class Capacity:
    hours_per_tier: dict[str, float]
    accounts_per_tier: dict[str, int]
    hours_per_tier_total: dict[str, float]
    loads: list[CsmLoad]
    candidates: list[dict] = field(default_factory=list)

    @property
    def over(self) -> list[CsmLoad]:
        return [load for load in self.loads if load.over]


@dataclass(frozen=True)
class _TierSummary:
    """What the capacity table takes from every active account, small enough to cache:
    accounts per owner (-1: none) and tier, hours needed per owner, totals per tier, and the
    downgrade candidates each owner could give (healthy, lowest ARR first, at most the number
    a page lists: the ones listed are always among them)."""

    counts: dict[int, dict[str, int]]
    needed: dict[int, float]
    accounts_per_tier: dict[str, int]
    hours_per_tier_total: dict[str, float]
    pool: pd.DataFrame


def _tier_summary(settings: TouchSettings, limit: int) -> _TierSummary:
    facts = _tier_facts(settings)
    hours = {t: settings.hours_for(t) for t in Tier.values}
    facts = facts.assign(
        hours=facts["tier"].map(hours), owner=facts["owner_id"].fillna(-1).astype("int64")
    )
    counts = facts.groupby(["owner", "tier"]).size()
    per_owner: dict[int, dict[str, int]] = {}
    for (owner, tier), n in counts.items():
        per_owner.setdefault(int(owner), {})[str(tier)] = int(n)
    return _TierSummary(
        counts=per_owner,
        needed={int(o): float(h) for o, h in facts.groupby("owner")["hours"].sum().items()},
        accounts_per_tier={t: int((facts["tier"] == t).sum()) for t in Tier},
        hours_per_tier_total={
            t: round(float(facts.loc[facts["tier"] == t, "hours"].sum()), 1) for t in Tier
        },
        pool=_candidate_pool(facts=facts, hours=hours, limit=limit),
    )


def _tier_facts(settings: TouchSettings) -> pd.DataFrame:
    facts = integrations.account_facts()
    facts = facts[facts["account_id"].isin(integrations.active_account_ids())]
    tiers = dict(AccountTier.objects.values_list("account_id", "tier").order_by())
    facts = facts.assign(
        tier=facts["account_id"].map(tiers).astype(object).fillna(str(settings.default_tier))
    )
    bands = integrations.health_bands()
    return facts.assign(band=facts["account_id"].map(bands))


def _settings() -> TouchSettings:
    return TouchSettings.objects.first() or TouchSettings(tenant=require_current_tenant())


def _summary(limit: int, settings: TouchSettings | None = None) -> _TierSummary:
    return cached_for_data_version(
        "touchmodel.tier_summary",
        lambda: _tier_summary(settings or _settings(), limit),
        key=str(limit),
    )


# The CSMs and managers of the tenant, whoever has a capacity set, and the owners of accounts:
# id, name, e-mail and capacity (NULL: the default) in one query.
_STAFF_SQL = f"""
SELECT u.id, u.full_name, u.email, c.hours_per_month
FROM {User._meta.db_table} u
LEFT JOIN {CsmCapacity._meta.db_table} c ON c.user_id = u.id AND c.tenant_id = %(tenant)s
WHERE u.id IN (
    SELECT m.user_id FROM {Membership._meta.db_table} m
    WHERE m.tenant_id = %(tenant)s AND m.role = ANY(%(roles)s)
    UNION SELECT k.user_id FROM {CsmCapacity._meta.db_table} k WHERE k.tenant_id = %(tenant)s
    UNION SELECT unnest(%(owners)s::bigint[])
)
ORDER BY u.id
"""


@dataclass(frozen=True)
class CapacityInputs:
    """What the capacity table reads on every view because the data version does not watch
    it: the CSMs, their capacities and the names of everyone listed (`key` names them). The
    rest (accounts, tiers, scores, settings) is read under the data version."""

    user_ids: list[int]
    capacity: dict[int, float]
    names: dict[int, str]
    candidates_limit: int

    @property
    def key(self) -> str:
        fresh = (self.user_ids, sorted(self.capacity.items()), sorted(self.names.items()))
        digest = hashlib.sha256(repr(fresh).encode()).hexdigest()[:32]
        return f"{self.candidates_limit}:{digest}"


def capacity_inputs(*, candidates_limit: int = 20) -> CapacityInputs:
    """NOTE: what the capacity takes from the accounts is cached under the tenant's data
    version (cs_platform.datacache): it reads accounts, contracts, scores, tiers and the touch
    settings, and a write to any of them raises the version (touchmodel migration 0011
    watches the last two). Reading 100,000 accounts is the planner's slow part. The owners
    among them are cached apart (a short list), and the staff, their names and capacities
    are read fresh on every view, in one query."""
    owners = cached_for_data_version(
        "touchmodel.tier_owners",
        lambda: sorted(set(_summary(candidates_limit).counts) - {-1}),
        key=str(candidates_limit),
    )
    params = {
        "tenant": require_current_tenant().pk,
        "roles": [Role.CSM.value, Role.CS_MANAGER.value],
        "owners": owners,
    }
    with connection.cursor() as cursor:
        cursor.execute(_STAFF_SQL, params)
        rows = cursor.fetchall()
    return CapacityInputs(
        user_ids=sorted({row[0] for row in rows} | set(owners)),
        capacity={row[0]: float(row[3]) for row in rows if row[3] is not None},
        names={row[0]: row[1] or row[2] for row in rows},
        candidates_limit=candidates_limit,
    )


def capacity_overview(
    *, candidates_limit: int = 20, inputs: CapacityInputs | None = None
) -> Capacity:
    """Hours each tier needs × accounts per CSM vs the hours each CSM has; who is over; and
    the accounts whose move one tier down frees the hours with the least risk (healthy band,
    lowest ARR first). See `capacity_inputs` for what is cached and what is read fresh."""
    if inputs is None:
        inputs = capacity_inputs(candidates_limit=candidates_limit)
    settings = _settings()
    summary = _summary(inputs.candidates_limit, settings)
    hours = {t: settings.hours_for(t) for t in Tier.values}
    loads = []
    for user_id in [*inputs.user_ids, -1]:
        if user_id == -1 and user_id not in summary.counts:
            continue
        row = summary.counts.get(user_id, {})
        loads.append(
            CsmLoad(
                user_id=None if user_id == -1 else user_id,
                name=inputs.names.get(user_id, "—"),
                accounts={t: row.get(t, 0) for t in Tier},
                hours_needed=round(summary.needed.get(user_id, 0.0), 1),
                hours_available=0.0
                if user_id == -1
                else float(inputs.capacity.get(user_id, settings.default_csm_hours)),
            )
        )
    loads.sort(key=lambda load: -load.utilisation)
    over = {load.user_id: load.excess for load in loads if load.over and load.user_id}
    return Capacity(
        hours_per_tier=hours,
        accounts_per_tier=summary.accounts_per_tier,
        hours_per_tier_total=summary.hours_per_tier_total,
        loads=loads,
        candidates=downgrade_candidates(
            pool=summary.pool, excess=over, limit=inputs.candidates_limit
        ),
    )


def _candidate_pool(*, facts: pd.DataFrame, hours: dict[str, float], limit: int) -> pd.DataFrame:
    """Healthy accounts that could move one tier down and save hours, lowest ARR first; of
    each owner only the first `limit`: a CSM's relieving moves are the first of theirs, so no
    later one can be among the `limit` listed."""
    lower = {TIER_ORDER[i]: TIER_ORDER[i + 1] for i in range(len(TIER_ORDER) - 1)}
    pool = facts[facts["tier"].isin(list(lower)) & (facts["band"] == "green")].copy()
    if pool.empty:
        return pool
    pool["to_tier"] = pool["tier"].map(lower)
    pool["saves"] = pool["tier"].map(hours) - pool["to_tier"].map(hours)
    pool = pool[pool["saves"] > 0].sort_values(["arr", "account_id"])
    pool = pool.groupby("owner", sort=False).head(limit)
    pool["freed_before"] = pool.groupby("owner")["saves"].cumsum() - pool["saves"]
    columns = ["account_id", "owner", "arr", "band", "tier", "to_tier", "saves", "freed_before"]
    return pool[columns].reset_index(drop=True)


def downgrade_candidates(*, pool: pd.DataFrame, excess: dict[int, float], limit: int) -> list[dict]:
    """Healthy accounts, lowest ARR first, that could move one tier down. For CSMs over
    capacity, just enough of them to bring the CSM back under; the rest of the list is the
    safest moves across the team."""
    if pool.empty:
        return []
    relieves = pool["freed_before"] < pool["owner"].map(excess).fillna(0.0)
    pool = pool.assign(relieves=relieves)
    chosen = pd.concat([pool[pool["relieves"]], pool[~pool["relieves"]]]).head(limit)
    names = dict(
        account_list(ids=chosen["account_id"].tolist()).values_list("pk", "name").order_by()
    )
    return [
        {
            "account_id": int(r.account_id),
            "account_name": names.get(int(r.account_id), ""),
            "owner_id": None if r.owner == -1 else int(r.owner),
            "arr": int(r.arr),
            "band": r.band,
            "from_tier": r.tier,
            "to_tier": r.to_tier,
            "from_label": str(Tier(r.tier).label),
            "to_label": str(Tier(r.to_tier).label),
            "hours_saved": round(float(r.saves), 2),
            "relieves_overload": bool(r.relieves),
        }
        for r in chosen.itertuples()
    ]


# --- measured reach and value (from the effect chain) -----------------------------------------

MEASURED_DAYS = 90
FAR_OFF_RATIO = 2.0
VALUE_STEP_POINTS = 5.0
MIN_ACCOUNTS_FOR_VALUE = 3


@dataclass(frozen=True)
class Measured:
    """What the effect chain measured for a programme, beside its typed-in estimates.

    reach_per_month: accounts touched in the last 90 days / 3. value (1–5): 3, plus one step
    per 5 points of health the touched accounts gained in the 30 days after their first touch
    over comparable untouched accounts (`uplift`); None until 3 touched accounts are 30 days
    past their first touch. An estimate is far off when the reach is more than twice or less
    than half the measured one, or the value 2 or more steps away."""

    reach_per_month: float
    value: int | None
    uplift: float | None
    accounts_measured: int
    reach_far_off: bool
    value_far_off: bool

    @property
    def far_off(self) -> bool:
        return self.reach_far_off or self.value_far_off


def _uplift(outcome: dict) -> tuple[float | None, int]:
    touched, control = outcome["touched"], outcome["control"]
    if touched["accounts"] < MIN_ACCOUNTS_FOR_VALUE or touched["score_before"] is None:
        return None, touched["accounts"]
    gain = touched["score_after"] - touched["score_before"]
    if control["accounts"] and control["score_before"] is not None:
        gain -= control["score_after"] - control["score_before"]
    return round(gain, 1), touched["accounts"]


@dataclass(frozen=True)
class _Figures:
    """What the effect chain measured for each programme (pk -> reach per month, uplift,
    accounts measured), and the moment they start to age (`valid_until`): the day ends, or a
    touch leaves the 90 days of the reach or the year of reads the touches take."""

    figures: dict[int, tuple[float, float | None, int]]
    valid_from: dt.datetime
    valid_until: dt.datetime


def _measured_figures(programs: list[TouchProgram], now: dt.datetime) -> _Figures:
    touches = programs_touches(programs=programs, now=now)
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    ends = [timezone.make_aware(midnight.replace(tzinfo=None) + dt.timedelta(days=1))]
    if not touches.empty:
        touches = touches.assign(at=pd.to_datetime(touches["touched_at"], utc=True))
        for days in (MEASURED_DAYS, READS_LOOKBACK_DAYS):
            window = dt.timedelta(days=days)
            inside = touches.loc[touches["at"] >= pd.Timestamp(now - window), "at"]
            if len(inside):
                ends.append((inside.min() + window).to_pydatetime())
    since = pd.Timestamp(now - dt.timedelta(days=MEASURED_DAYS))
    figures: dict[int, tuple[float, float | None, int]] = {}
    people = functools.cache(population)  # read once, by the first control group drawn
    for program in programs:
        mine = touches[touches["program_id"] == program.pk] if not touches.empty else touches
        recent = mine[mine["at"] >= since] if not mine.empty else mine
        reach = (
            round(recent["account_id"].nunique() / (MEASURED_DAYS / 30), 1) if len(recent) else 0
        )
        uplift, accounts = (None, 0)
        if not mine.empty:
            outcome = effect_health_outcome(touches=mine[TOUCH_COLUMNS], now=now, people=people)
            uplift, accounts = _uplift(outcome)
        figures[program.pk] = (reach, uplift, accounts)
    return _Figures(figures=figures, valid_from=now, valid_until=min(ends))


def program_measured(
    *, programs: list[TouchProgram], now: dt.datetime | None = None
) -> dict[int, Measured]:
    """Measured reach and value of each programme (one query per touch source for all of
    them, then the health outcome of each programme that has touches), beside its estimates.

    NOTE: the figures are cached under the tenant's data version and touch version, keyed by
    the programmes (id and kind), the day and the time zone, and used while no touch has aged
    out of the windows since (`_Figures.valid_until`). They read touches (rules, firings,
    seminars, registrations, e-mails sent, meetings, content views: touchmodel migration 0015
    has them raise the touch version), tiers, active accounts and scores (the data version).
    The estimates beside them, and so the far-off flags, come from the programmes as passed."""

    now = now or timezone.now()
    key = ":".join(
        [
            timezone.get_current_timezone_name(),
            timezone.localdate(now).isoformat(),
            ",".join(f"{p.pk}-{p.kind}" for p in sorted(programs, key=lambda p: p.pk)),
        ]
    )
    cached = cached_for_data_version(
        "touchmodel.measured",
        lambda: _measured_figures(programs, now),
        key=key,
        fresh=lambda value: value.valid_from <= now < value.valid_until,
        touches=True,
    )
    result: dict[int, Measured] = {}
    for program in programs:
        reach, uplift, accounts = cached.figures[program.pk]
        value = None
        if uplift is not None:
            value = int(min(5, max(1, 3 + round(uplift / VALUE_STEP_POINTS))))
        estimate = program.reach_per_month
        reach_far_off = bool(reach) and not (
            reach / FAR_OFF_RATIO <= estimate <= reach * FAR_OFF_RATIO
        )
        result[program.pk] = Measured(
            reach_per_month=reach,
            value=value,
            uplift=uplift,
            accounts_measured=accounts,
            reach_far_off=reach_far_off,
            value_far_off=value is not None and abs(value - program.value_per_customer) >= 2,
        )
    return result
