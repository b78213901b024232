"""Demo data of the touch model: tier rules and tiers, programs, capacity, playbook rules with
a history of firings, seminars with registrations and attendance, user groups and champions.

Idempotent (each block runs only when its demo rows are missing; every bulk insert ignores
conflicts on its unique key) and fast (bulk inserts, one tier pass).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Contact, RelationshipLevel
from cs_platform.models import Membership, Role
from touchmodel import integrations
from touchmodel.models import (
    AccountTier,
    Attendance,
    ChampionNomination,
    CsmCapacity,
    EmailStatus,
    FiringStatus,
    NominationStatus,
    OutboundEmail,
    RegistrationSource,
    Rule,
    RuleFiring,
    Seminar,
    SeminarRegistration,
    TierRule,
    TouchProgram,
    UserGroup,
    UserGroupMember,
)
from touchmodel.selectors.rules import ACTION_BY_TIER
from touchmodel.services import tiers_assign, touch_settings_get

Log = Callable[[str], None]

PROGRAMS = [
    # (ja, en, kind, tier, value, reach, hours)
    (
        "導入コンサルティング（3か月）",
        "Onboarding consulting (3 months)",
        "one_to_one",
        "high",
        5,
        8,
        60,
    ),
    ("定例ミーティング", "Regular 1:1 reviews", "one_to_one", "high", 4, 25, 40),
    ("オンボーディングセミナー", "Onboarding seminar series", "seminar_series", "low", 3, 80, 12),
    ("ユーザー会・分科会", "User groups", "seminar_series", "low", 4, 40, 10),
    (
        "Learn & Support 導入ガイド",
        "Learn & Support getting-started track",
        "content_track",
        "tech",
        2,
        600,
        4,
    ),
    ("更新前フォローメール", "Pre-renewal e-mail campaign", "email_campaign", "tech", 1, 900, 2),
]

RULES = [
    # (ja, en, trigger, params, program index, checklist)
    ("更新90日前フォロー", "Renewal in 90 days", "renewal_due", {"days": 90}, 5,
     ["利用状況を確認", "更新提案の準備", "決裁者との面談を設定"]),
    ("導入フェーズ停滞", "Stuck in onboarding", "phase_stuck", {"days": 60}, 0,
     ["ボトルネックをヒアリング", "アクションプランを更新"]),
    ("ヘルススコア急落", "Health score dropped", "health_dropped", {"points": 15, "days": 30}, 1,
     ["原因を確認", "担当者に連絡"]),
    ("セミナー欠席フォロー", "Missed a seminar", "seminar_missed", {"days": 14}, 2, []),
    ("新しい経営層コンタクト", "New executive contact", "executive_contact", {"days": 14}, 1,
     ["挨拶のメールを送る", "エグゼクティブレビューを提案"]),
    ("30日間接点なし", "No activity for 30 days", "no_activity", {"days": 30}, 4, []),
    ("はじめてのガイドを読んだら次へ", "Read the Get Started guide: next step", "content_read",
     {"section": "get-started", "days": 7}, 4, ["次に読む記事を案内", "活用状況を確認"]),
]  # fmt: skip


class TouchDemo:
    def __init__(self, tenant: Any, log: Log) -> None:
        self.tenant = tenant
        self.log = log
        self.rng = random.Random(f"touchmodel-demo-{tenant.slug}")
        self.now = timezone.now()
        self.ja = tenant.default_language == "ja"

    def run(self) -> None:
        with transaction.atomic():
            self.settings_and_capacity()
            self.tier_rules()
        result = tiers_assign()
        self.log(f"  touchmodel: tiers for {result.accounts} accounts ({result.changed} written)")
        with transaction.atomic():
            programs = self.programs()
            rules = self.rules(programs)
            self.firings(rules)
            seminars = self.seminars(programs)
            self.registrations(seminars)
            self.community(seminars)

    def settings_and_capacity(self) -> None:
        settings = touch_settings_get()
        settings.hours_high, settings.hours_low, settings.hours_tech = 2, 0.3, 0.02
        settings.default_csm_hours = 160
        settings.save()
        staff = (
            Membership.objects.filter(tenant=self.tenant, role__in=[Role.CSM, Role.CS_MANAGER])
            .order_by("user_id")
            .values_list("user_id", "role")
        )
        # A manager with little time for accounts, one CSM with room, one over capacity.
        hours = [320, 240, 200]
        CsmCapacity.objects.bulk_create(
            [
                CsmCapacity(
                    user_id=user_id,
                    hours_per_month=160 if role == Role.CS_MANAGER else hours[n % len(hours)],
                )
                for n, (user_id, role) in enumerate(staff)
            ],
            ignore_conflicts=True,
        )

    def tier_rules(self) -> None:
        if TierRule.objects.exists():
            return
        rules = [
            TierRule(
                name="大口・エンタープライズ" if self.ja else "Large accounts",
                position=10,
                tier="high",
                arr_min=8_000_000,
            ),
            TierRule(
                name="リスク顧客（赤）" if self.ja else "At risk (red)",
                position=20,
                tier="high",
                arr_min=4_000_000,
                health_bands=["red"],
            ),
            TierRule(
                name="中規模" if self.ja else "Mid-size",
                position=30,
                tier="low",
                arr_min=4_000_000,
            ),
            TierRule(
                name="成長余地が大きい" if self.ja else "High potential",
                position=40,
                tier="low",
                arr_min=2_000_000,
                business_potentials=["high"],
            ),
        ]
        TierRule.objects.bulk_create(rules)
        self.log(f"  touchmodel: {len(rules)} tier rules")

    def programs(self) -> list[TouchProgram]:
        if not TouchProgram.objects.exists():
            TouchProgram.objects.bulk_create(
                [
                    TouchProgram(
                        name_ja=ja,
                        name_en=en,
                        kind=kind,
                        tier=tier,
                        value_per_customer=value,
                        reach_per_month=reach,
                        cost_hours_per_month=hours,
                    )
                    for ja, en, kind, tier, value, reach, hours in PROGRAMS
                ]
            )
            self.log(f"  touchmodel: {len(PROGRAMS)} programs")
        by_name = {p.name_ja: p for p in TouchProgram.objects.all()}
        return [by_name[row[0]] for row in PROGRAMS if row[0] in by_name]

    def rules(self, programs: list[TouchProgram]) -> list[Rule]:
        if not Rule.objects.exists():
            Rule.objects.bulk_create(
                [
                    Rule(
                        name_ja=ja,
                        name_en=en,
                        message_ja=f"{ja}：プレイブックに沿って対応してください。",
                        message_en=f"{en}: follow the playbook.",
                        trigger=trigger,
                        params=params,
                        checklist=checklist,
                        program=programs[index] if index < len(programs) else None,
                    )
                    for ja, en, trigger, params, index, checklist in RULES
                ]
            )
            self.log(f"  touchmodel: {len(RULES)} playbook rules")
        return list(Rule.objects.order_by("pk"))

    def firings(self, rules: list[Rule]) -> None:
        if RuleFiring.objects.filter(episode_key__startswith="demo:").exists():
            return
        tiers = dict(AccountTier.objects.values_list("account_id", "tier").order_by())
        account_ids = sorted(tiers)
        if not account_ids:
            return
        rows = []
        for rule in rules:
            for n, account_id in enumerate(self.rng.sample(account_ids, min(60, len(account_ids)))):
                tier = tiers[account_id]
                skipped = self.rng.random() < 0.1
                rows.append(
                    RuleFiring(
                        rule=rule,
                        account_id=account_id,
                        episode_key=f"demo:{rule.pk}:{n}",
                        tier=tier,
                        action=ACTION_BY_TIER[tier],
                        status=FiringStatus.SKIPPED if skipped else FiringStatus.DONE,
                        result={"reason": "no contact to e-mail"} if skipped else {"demo": True},
                        fired_at=self.now - dt.timedelta(days=self.rng.randint(35, 170)),
                    )
                )
        RuleFiring.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        self.emails_for_firings()
        self.log(f"  touchmodel: {len(rows)} past rule firings")

    def emails_for_firings(self) -> None:
        firings = list(
            RuleFiring.objects.filter(
                episode_key__startswith="demo:", action="email", status=FiringStatus.DONE
            ).values_list("pk", "account_id", "fired_at", "rule__program_id")
        )
        first_contact: dict[int, tuple[int, str]] = {}
        for contact_id, account_id, email in (
            Contact.objects.filter(account_id__in={f[1] for f in firings})
            .exclude(email="")
            .order_by("pk")
            .values_list("pk", "account_id", "email")
        ):
            first_contact.setdefault(account_id, (contact_id, email))
        subject = "おすすめの記事" if self.ja else "Recommended articles"
        emails = [
            OutboundEmail(
                message_key=f"demo-firing:{pk}",
                to_email=first_contact[account_id][1],
                contact_id=first_contact[account_id][0],
                account_id=account_id,
                language="ja" if self.ja else "en",
                template="content_recommendation",
                subject=subject,
                body_text=subject,
                status=EmailStatus.BOUNCED if pk % 23 == 0 else EmailStatus.SENT,
                attempts=1,
                firing_id=pk,
                program_id=program_id,
                sent_at=fired_at,
            )
            for pk, account_id, fired_at, program_id in firings
            if account_id in first_contact
        ]
        OutboundEmail.objects.bulk_create(emails, ignore_conflicts=True, batch_size=1000)

    def seminars(self, programs: list[TouchProgram]) -> list[Seminar]:
        if Seminar.objects.exists():
            return list(Seminar.objects.order_by("starts_at"))
        try:
            phases = [p for p, _n in integrations.phase_choices()]
        except Exception:
            phases = []
        onboarding_phase = phases[1] if len(phases) > 1 else None
        adoption_phase = phases[2] if len(phases) > 2 else None
        seminar_program = programs[2] if len(programs) > 2 else None
        specs = [
            # (days from now, ja, en, kind, level, phase, capacity)
            (
                -60,
                "オンボーディングセミナー 第1回",
                "Onboarding seminar #1",
                "onboarding",
                "beginner",
                onboarding_phase,
                40,
            ),
            (
                -45,
                "活用ウェビナー：応募を集めるコツ",
                "Webinar: gathering applicants",
                "webinar",
                "beginner",
                adoption_phase,
                200,
            ),
            (
                -30,
                "オンボーディングセミナー 第2回",
                "Onboarding seminar #2",
                "onboarding",
                "beginner",
                onboarding_phase,
                40,
            ),
            (
                -20,
                "ハンズオン：会社ページ編集",
                "Hands-on: company page",
                "hands_on",
                "beginner",
                onboarding_phase,
                20,
            ),
            (
                -10,
                "上級者向けウェビナー",
                "Advanced webinar",
                "webinar",
                "advanced",
                adoption_phase,
                150,
            ),
            (
                7,
                "オンボーディングセミナー 第3回",
                "Onboarding seminar #3",
                "onboarding",
                "beginner",
                onboarding_phase,
                40,
            ),
            (
                14,
                "活用ウェビナー：採用広報",
                "Webinar: employer branding",
                "webinar",
                "advanced",
                adoption_phase,
                200,
            ),
            (
                21,
                "ハンズオン：求人票の書き方",
                "Hands-on: job postings",
                "hands_on",
                "beginner",
                None,
                20,
            ),
        ]
        Seminar.objects.bulk_create(
            [
                Seminar(
                    title_ja=ja,
                    title_en=en,
                    kind=kind,
                    level=level,
                    target_phase_id=phase,
                    capacity=capacity,
                    starts_at=(self.now + dt.timedelta(days=days)).replace(
                        hour=6, minute=0, second=0, microsecond=0
                    ),
                    is_online=kind != "hands_on",
                    venue="" if kind != "hands_on" else "東京本社 セミナールーム",
                    program=seminar_program,
                )
                for days, ja, en, kind, level, phase, capacity in specs
            ]
        )
        self.log(f"  touchmodel: {len(specs)} seminars")
        return list(Seminar.objects.order_by("starts_at"))

    def registrations(self, seminars: list[Seminar]) -> None:
        if SeminarRegistration.objects.exists() or not seminars:
            return
        contacts = list(
            Contact.objects.exclude(email="")
            .filter(relationship_level__in=[RelationshipLevel.FIELD, RelationshipLevel.MANAGER])
            .order_by("pk")
            .values_list("pk", "account_id", "name", "email")[:3000]
        )
        if not contacts:
            return
        rows = []
        for seminar in seminars:
            past = seminar.starts_at < self.now
            size = min(
                seminar.capacity, self.rng.randint(12, 30) if past else self.rng.randint(4, 12)
            )
            for pk, account_id, name, email in self.rng.sample(contacts, min(size, len(contacts))):
                attended = past and self.rng.random() < 0.7
                rows.append(
                    SeminarRegistration(
                        seminar=seminar,
                        contact_id=pk,
                        account_id=account_id,
                        name=name,
                        email=email.lower(),
                        source=self.rng.choice(list(RegistrationSource.values)),
                        attendance=(Attendance.ATTENDED if attended else Attendance.MISSED)
                        if past
                        else Attendance.UNKNOWN,
                        attendance_recorded_at=seminar.starts_at if past else None,
                        registered_at=seminar.starts_at - dt.timedelta(days=7),
                        survey_rating=self.rng.randint(3, 5) if attended and pk % 2 else None,
                        survey_answered_at=seminar.starts_at if attended and pk % 2 else None,
                    )
                )
        SeminarRegistration.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        self.attendance_timeline()
        self.log(f"  touchmodel: {len(rows)} seminar registrations")

    def attendance_timeline(self) -> None:
        rows = SeminarRegistration.objects.exclude(attendance=Attendance.UNKNOWN).values(
            "pk", "account_id", "contact_id", "attendance", "name", "seminar__starts_at",
            "seminar__title_ja", "seminar__title_en", "seminar_id",
        )  # fmt: skip
        integrations.record_activities(
            rows=[
                {
                    "account_id": r["account_id"],
                    "contact_id": r["contact_id"],
                    "kind": "seminar_attendance",
                    "title": (
                        f"{r['name']}：{r['seminar__title_ja']}に"
                        + ("参加" if r["attendance"] == Attendance.ATTENDED else "欠席")
                    )
                    if self.ja
                    else f"{r['name']} "
                    + ("attended " if r["attendance"] == Attendance.ATTENDED else "missed ")
                    + r["seminar__title_en"],
                    "occurred_at": r["seminar__starts_at"],
                    "data": {
                        "seminar_id": r["seminar_id"],
                        "registration_id": r["pk"],
                        "attended": r["attendance"] == Attendance.ATTENDED,
                        "name": r["name"],  # worded for each reader, as the product does
                    },
                    "source_key": f"touchmodel:attendance:{r['pk']}:{r['attendance']}",
                }
                for r in rows
                if r["account_id"]
            ]
        )

    def community(self, seminars: list[Seminar]) -> None:
        if UserGroup.objects.exists():
            return
        groups = UserGroup.objects.bulk_create(
            [
                UserGroup(
                    name_ja="はじめての採用広報 分科会",
                    name_en="Employer branding for beginners",
                    level="beginner",
                    topics=["採用広報", "会社ページ"],
                ),
                UserGroup(
                    name_ja="エンジニア採用 上級者分科会",
                    name_en="Advanced engineering hiring",
                    level="advanced",
                    topics=["エンジニア採用", "スカウト"],
                    is_online=True,
                ),
            ]
        )
        contacts = list(Contact.objects.order_by("pk").values_list("pk", flat=True)[:400])
        members = []
        for group in groups:
            for n, contact_id in enumerate(self.rng.sample(contacts, min(25, len(contacts)))):
                members.append(
                    UserGroupMember(group=group, contact_id=contact_id, is_leader=n == 0)
                )
        UserGroupMember.objects.bulk_create(members, ignore_conflicts=True)
        nominees = self.rng.sample(contacts, min(6, len(contacts)))
        criteria = ["community", "results", "mastery"]
        nominations = [
            ChampionNomination(
                contact_id=contact_id,
                criterion=criteria[n % 3],
                reason="分科会をリードし、他社の担当者を支援" if self.ja else "Leads a user group",
                status=NominationStatus.AWARDED if n < 3 else NominationStatus.NOMINATED,
                award_title=("Junkan Champion 2026" if n < 3 else ""),
                awarded_at=self.now if n < 3 else None,
            )
            for n, contact_id in enumerate(nominees)
        ]
        ChampionNomination.objects.bulk_create(nominations)
        Contact.objects.filter(pk__in=nominees[:3]).update(is_champion=True)
        self.log(f"  touchmodel: {len(groups)} user groups, {len(nominations)} nominations")


def touchmodel_seed_demo(*, tenant: Any, log: Log) -> None:
    if not Account.objects.exists():
        log("  touchmodel: no accounts; nothing to seed.")
        return
    TouchDemo(tenant, log).run()


def touchmodel_seed_demo_after(*, tenant: Any, log: Log) -> None:
    """Tiers again once the demo is scored (a tier rule reads the health band), as the
    nightly evaluation does after the recompute."""
    result = tiers_assign()
    log(f"  touchmodel: tiers after scoring ({result.changed} changed)")
