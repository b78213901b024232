"""Demo accounts, contracts, contacts and segments: a CS team's realistic portfolio.

Deterministic (seeded by the tenant slug), idempotent (skipped when the tenant already has
demo accounts) and fast (COPY through accounts.importing.write.copy_insert).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone

from accounts.importing.write import copy_insert
from accounts.models import Account, Contact, Contract, ContractStatus, Segment
from accounts.selectors import OUTCOME_CHURNED, OUTCOME_DOWNSOLD, contract_outcome_rows
from accounts.services import segment_create
from cs_platform.models import Membership, Role, Tenant
from demo.tenants import demo_account_count

DEMO_PREFIX = "DEMO-"

JA_PREFIXES = ["株式会社", "株式会社", "株式会社", "合同会社", "有限会社"]
JA_WORDS = [
    "さくら",
    "ひかり",
    "みらい",
    "あおば",
    "つばさ",
    "やまと",
    "ことぶき",
    "はるか",
    "東京",
    "大阪",
    "名古屋",
    "横浜",
    "福岡",
    "札幌",
    "北斗",
    "富士",
    "日の出",
    "青空",
    "大和",
    "銀河",
    "朝日",
    "光",
    "テクノ",
    "グローバル",
    "クラウド",
    "データ",
    "ネクスト",
    "スマート",
    "アーク",
    "ブライト",
    "ゼニス",
    "リンク",
    "ワークス",
    "フロンティア",
    "アクシス",
    "ノース",
    "サン",
    "グリーン",
]
JA_HIRING_WORDS = ["採用", "人材", "キャリア", "リクルート", "ジョブ", "タレント", "HR"]
JA_SUFFIXES = [
    "",
    "ホールディングス",
    "ソリューションズ",
    "商事",
    "システムズ",
    "パートナーズ",
    "工業",
    "製作所",
    "ラボ",
    "サービス",
    "コンサルティング",
    "物流",
    "食品",
    "不動産",
    "建設",
    "メディカル",
]
JA_INDUSTRIES = [
    "人材",
    "IT・ソフトウェア",
    "製造",
    "小売",
    "飲食",
    "医療・介護",
    "建設",
    "不動産",
    "物流",
    "金融",
    "教育",
    "広告・メディア",
]
JA_FAMILY = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
]
JA_GIVEN = [
    "太郎",
    "花子",
    "健太",
    "美咲",
    "翔",
    "陽菜",
    "大輔",
    "彩",
    "拓也",
    "結衣",
    "直樹",
    "葵",
    "亮",
    "真央",
    "修",
    "恵",
    "誠",
    "由美",
    "悠斗",
    "さくら",
]
JA_TITLES = {
    "field": ["人事部 採用担当", "営業部 主任", "総務部", "人事部 リクルーター", "現場リーダー"],
    "manager": ["人事部長", "採用課長", "営業部長", "事業部長", "マネージャー"],
    "executive": ["代表取締役", "取締役 CHRO", "執行役員", "取締役", "COO"],
}
EN_WORDS = [
    "Acme",
    "Blue",
    "Summit",
    "Harbor",
    "Pioneer",
    "Cedar",
    "Atlas",
    "Nova",
    "Granite",
    "Silver",
    "Maple",
    "Orion",
    "Redwood",
    "Beacon",
    "Vertex",
    "Lakeside",
    "Evergreen",
    "Sterling",
    "Apex",
    "Golden",
    "Northstar",
    "Riverbend",
    "Crescent",
    "Falcon",
    "Willow",
    "Keystone",
]
EN_SUFFIXES = [
    "Logistics",
    "Labs",
    "Systems",
    "Health",
    "Foods",
    "Partners",
    "Analytics",
    "Retail",
    "Manufacturing",
    "Software",
    "Capital",
    "Media",
    "Energy",
    "Dynamics",
    "Works",
]
EN_FORMS = ["Inc.", "LLC", "Corp.", "Co.", "Ltd."]
EN_INDUSTRIES = [
    "Software",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Logistics",
    "Financial services",
    "Education",
    "Media",
    "Hospitality",
    "Construction",
]
EN_FIRST = [
    "Olivia",
    "Noah",
    "Ava",
    "Liam",
    "Mia",
    "Ethan",
    "Sophia",
    "Lucas",
    "Amelia",
    "Mason",
    "Harper",
    "Logan",
    "Ella",
    "James",
    "Grace",
    "Henry",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Moore",
    "Taylor",
    "Anderson",
    "Thomas",
    "Martin",
    "Lee",
    "Clark",
    "Lewis",
    "Young",
]
EN_TITLES = {
    "field": ["Recruiter", "Operations specialist", "Team lead", "Analyst", "Coordinator"],
    "manager": ["Head of Talent", "Operations manager", "Director of Sales", "Team manager"],
    "executive": ["CEO", "COO", "VP People", "CFO", "Chief Revenue Officer"],
}

Log = Callable[[str], None]


def accounts_seed_demo(*, tenant: Tenant, log: Log) -> None:
    if Account.objects.filter(external_id__startswith=DEMO_PREFIX).exists():
        log(f"accounts: {tenant.slug} already has demo accounts; keeping them.")
        return
    rng = random.Random(f"accounts-{tenant.slug}")
    japanese = tenant.default_language == "ja"
    owners = list(
        Membership.objects.filter(tenant=tenant, role__in=[Role.CSM, Role.CS_MANAGER]).values_list(
            "user_id", flat=True
        )
    ) or [None]
    with transaction.atomic():
        accounts = _accounts(tenant, rng, japanese, owners)
        copy_insert(Account, accounts, tenant.pk, {})
        ids = dict(
            Account.objects.filter(external_id__startswith=DEMO_PREFIX).values_list(
                "external_id", "id"
            )
        )
        accounts["account_id"] = accounts["external_id"].map(ids)
        n_contracts = _contracts(tenant, rng, accounts)
        n_contacts = _contacts(tenant, rng, accounts, japanese)
        _segments(japanese, owners)
    log(
        f"accounts: {tenant.slug}: {len(accounts)} accounts, {n_contracts} contracts, "
        f"{n_contacts} contacts."
    )


def _company_names(rng: random.Random, japanese: bool, hiring: bool, n: int) -> list[str]:
    names: set[str] = set()
    while len(names) < n:
        if japanese:
            words = JA_WORDS + (JA_HIRING_WORDS * 2 if hiring else [])
            first, second = rng.sample(words, 2)
            stem = first + (second if rng.random() < 0.5 else "")
            suffix = rng.choice(JA_SUFFIXES)
            prefix = rng.choice(JA_PREFIXES)
            name = f"{prefix}{stem}{suffix}" if rng.random() < 0.7 else f"{stem}{suffix}{prefix}"
        else:
            name = f"{rng.choice(EN_WORDS)} {rng.choice(EN_SUFFIXES)} {rng.choice(EN_FORMS)}"
            if name in names:
                extra = rng.choice([w for w in EN_WORDS if not name.startswith(w)])
                name = f"{extra} {name}"
        names.add(name)
    return sorted(names, key=lambda _: rng.random())


def _segment_for(employees: int) -> str:
    if employees >= 1000:
        return "enterprise"
    return "mid_market" if employees >= 100 else "smb"


def _accounts(
    tenant: Tenant, rng: random.Random, japanese: bool, owners: list[Any]
) -> pd.DataFrame:
    names = _company_names(rng, japanese, "hanamaru" in tenant.slug, demo_account_count(tenant))
    industries = JA_INDUSTRIES if japanese else EN_INDUSTRIES
    rows = []
    for i, name in enumerate(names):
        employees = int(rng.lognormvariate(5, 1.3)) + 5
        churned = rng.random() < 0.04
        rows.append(
            {
                "external_id": f"{DEMO_PREFIX}{i + 1:05d}",
                "name": name,
                "domain": f"c{i + 1:05d}.example.{'jp' if japanese else 'com'}",
                "industry": rng.choice(industries),
                "employee_count": employees,
                "market_segment": _segment_for(employees),
                "owner_id": rng.choice(owners),
                "licensed_seats": max(3, employees // rng.choice([5, 10, 20])),
                "lifecycle_status": "churned"
                if churned
                else rng.choices(["active", "paused"], [0.97, 0.03])[0],
                "business_potential": rng.choice(["low", "medium", "medium", "high"]),
                "potential_arr": 0,
                "maturity_stage": rng.choices([0, 1, 2, 3, 4], [0.2, 0.3, 0.25, 0.17, 0.08])[0],
            }
        )
    return pd.DataFrame(rows)


def _arr(rng: random.Random, segment: str, yen: bool) -> int:
    low, high = {
        "smb": (300_000, 1_200_000),
        "mid_market": (1_200_000, 6_000_000),
        "enterprise": (6_000_000, 30_000_000),
    }[segment]
    yen_value = round(rng.uniform(low, high), -4)
    return int(yen_value) if yen else int(yen_value / 150 * 100)  # minor units (cents)


def _contracts(tenant: Tenant, rng: random.Random, accounts: pd.DataFrame) -> int:
    today = timezone.localdate()
    yen = tenant.currency == "JPY"
    plans = ["Starter", "Standard", "Pro", "Enterprise"]
    previous, current = [], []
    for row in accounts.itertuples():
        arr = _arr(rng, row.market_segment, yen)
        plan = {"smb": plans[rng.randint(0, 1)], "mid_market": plans[rng.randint(1, 2)]}.get(
            row.market_segment, plans[3]
        )
        if row.lifecycle_status == "churned":
            renewal = today - dt.timedelta(days=rng.randint(10, 180))
            current.append(_contract(row, f"K{row.Index}", plan, arr, renewal, "cancelled"))
            continue
        renewal = today + dt.timedelta(days=rng.randint(1, 365))
        history = rng.random()
        prev_key = None
        if history < 0.3:  # renewed last year
            prev_key = f"P{row.Index}"
            # One renewal in four was a downsell (the ARR went down at renewal).
            downsold = rng.random() < 0.25
            prev_arr = int(round(arr * rng.uniform(*((1.2, 1.6) if downsold else (0.75, 1.0))), -4))
            prev_renewal = _year_before(renewal)
            previous.append(
                _contract(row, prev_key, plan, prev_arr, prev_renewal, ContractStatus.RENEWED)
            )
        elif history < 0.4:  # expanded mid-term
            prev_key = f"P{row.Index}"
            prev = _contract(
                row, prev_key, plan, int(round(arr * 0.6, -4)), renewal, ContractStatus.EXPANDED
            )
            previous.append(prev)
        item = _contract(row, f"K{row.Index}", plan, arr, renewal, ContractStatus.ACTIVE)
        if prev_key and history >= 0.3:
            item["start_date"] = today - dt.timedelta(days=rng.randint(10, 120))
        item["previous_key"] = prev_key
        current.append(item)
    prev_frame = pd.DataFrame(previous)
    if len(prev_frame):
        copy_insert(Contract, prev_frame.drop(columns=["previous_key"]), tenant.pk, {})
    prev_ids = dict(
        Contract.objects.filter(external_id__startswith=f"{DEMO_PREFIX}P").values_list(
            "external_id", "id"
        )
    )
    frame = pd.DataFrame(current)
    frame["previous_id"] = frame["previous_key"].map(
        lambda k: prev_ids.get(f"{DEMO_PREFIX}{k}") if k else None
    )
    copy_insert(Contract, frame.drop(columns=["previous_key"]), tenant.pk, {})
    return len(frame) + len(prev_frame)


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _contract(
    row: Any, key: str, plan: str, arr: int, renewal: dt.date, status: str
) -> dict[str, Any]:
    return {
        "account_id": int(row.account_id),
        "external_id": f"{DEMO_PREFIX}{key}",
        "plan": plan,
        "arr": arr,
        "start_date": _year_before(renewal),
        "renewal_date": renewal,
        "status": str(status),
        "previous_key": None,
    }


# Share of demo contacts who read e-mail in the other language than their workspace's.
FOREIGN_LANGUAGE_SHARE = 0.08


def _contacts(tenant: Tenant, rng: random.Random, accounts: pd.DataFrame, japanese: bool) -> int:
    now = timezone.now()
    # A generator of its own, so the languages do not shift the main generator's draws.
    language_rng = random.Random(f"accounts-language-{tenant.slug}")
    # Part of the story the backtest finds: an account that later churned or downsold
    # rarely had an executive sponsor on record (noise: some did, many healthy ones do not).
    lost = {
        account_id
        for account_id, _day, kind in contract_outcome_rows()
        if kind in (OUTCOME_CHURNED, OUTCOME_DOWNSOLD)
    }
    rows = []
    for row in accounts.itertuples():
        levels = []
        if rng.random() < 0.92:
            levels += ["field"] * rng.randint(1, 3)
        if rng.random() < 0.7:
            levels.append("manager")
        if rng.random() < (0.15 if int(row.account_id) in lost else 0.45):
            levels.append("executive")
        decision_level = "executive" if "executive" in levels else "manager"
        decided = False
        for n, level in enumerate(levels):
            foreign = language_rng.random() < FOREIGN_LANGUAGE_SHARE
            writes_japanese = japanese != foreign
            if writes_japanese:
                name = f"{rng.choice(JA_FAMILY)} {rng.choice(JA_GIVEN)}"
            else:
                name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
            titles = JA_TITLES if writes_japanese else EN_TITLES
            is_dm = not decided and level == decision_level and rng.random() < 0.85
            decided = decided or is_dm
            met = (
                now - dt.timedelta(days=rng.randint(0, 200), hours=rng.randint(0, 23))
                if rng.random() < 0.6
                else None
            )
            rows.append(
                {
                    "account_id": int(row.account_id),
                    "name": name,
                    "email": f"contact{n + 1}@{row.domain}",
                    "title": rng.choice(titles[level]),
                    "external_id": f"{DEMO_PREFIX}C{row.Index}-{n + 1}",
                    "relationship_level": level,
                    "is_decision_maker": is_dm,
                    "is_champion": level != "executive" and rng.random() < 0.12,
                    # Blank: the workspace's language.
                    "language": ("ja" if writes_japanese else "en") if foreign else "",
                    "last_met_at": met.isoformat() if met else None,
                }
            )
    frame = pd.DataFrame(rows)
    copy_insert(Contact, frame, tenant.pk, {})
    return len(frame)


def _segments(japanese: bool, owners: list[Any]) -> None:
    specs = (
        [
            ("エンタープライズ顧客", "従業員1000名以上", {"market_segments": ["enterprise"]}),
            ("90日以内に更新", "更新が近い顧客", {"renewal_within_days": 90}),
            ("高ARR（500万円以上）", "", {"arr_min": 5_000_000}),
            ("人材業界", "", {"industries": ["人材"]}),
        ]
        if japanese
        else [
            ("Enterprise", "1,000+ employees", {"market_segments": ["enterprise"]}),
            ("Renewing in 90 days", "", {"renewal_within_days": 90}),
            ("High ARR", "ARR of ¥5M or more", {"arr_min": 5_000_000}),
            ("Software companies", "", {"industries": ["Software"]}),
        ]
    )
    existing = set(Segment.objects.values_list("name", flat=True))
    for name, description, rules in specs:
        if name not in existing:
            segment_create(name=name, description=description, rules=rules)
