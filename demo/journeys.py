"""Demo journeys: phases with histories, journey maps, meetings, tasks and feedback.

Runs after accounts' seed_demo, with the tenant in scope. Idempotent by construction: it only
touches accounts that have no phase row yet, so a second run finds nothing to do. Fast: every
table is written with bulk_create in a handful of statements.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Account, Contact
from accounts.selectors import OUTCOME_CHURNED, OUTCOME_DOWNSOLD, contract_outcome_rows
from cs_platform.models import Membership, Role
from journeys.models import (
    AccountPhase,
    ActionStep,
    Activity,
    ActivityKind,
    FeedbackItem,
    JourneyMap,
    JourneyTemplate,
    Meeting,
    MeetingContact,
    MeetingStaff,
    Milestone,
    MilestoneStatus,
    Phase,
    PhaseTransition,
    Task,
    TemplateMilestone,
)
from journeys.services import phases_seed_defaults

Log = Callable[[str], None]
BATCH = 2000
# Quarterly reviews follow the onboarding milestones every REVIEW_DAYS, so every customer has
# milestones judged through the backtest's year.
REVIEW_DAYS = 90
REVIEW = (
    "四半期の成果レビュー",
    "Quarterly results review",
    "四半期ごとに成果を確認し、次の目標を合意したい",
    "Each quarter we check the results and agree the next goals",
    70,
)
# Meetings go back this many days (the backtest's year plus its 90-day coverage window), and
# thin out over the COOLING days before a churn or downsell.
MEETING_HISTORY = 470
COOLING = 150

# (ja, en) texts, so each demo tenant reads in its own language.
TEMPLATE = {
    "ja": ("標準オンボーディング", "契約から定着までの標準的な道のり"),
    "en": ("Standard onboarding", "The usual road from contract to habit"),
}
MILESTONES = [
    # title ja, title en, goal ja, goal en, target score, days after contract
    (
        "初期設定の完了",
        "Setup complete",
        "まず管理者が迷わず使える状態にしたい",
        "Our admins can run it without help",
        40,
        21,
    ),
    (
        "現場での定常利用",
        "Weekly use in the field",
        "営業全員が毎週使っている状態にしたい",
        "Every rep uses it every week",
        60,
        60,
    ),
    (
        "成果の可視化",
        "Results made visible",
        "週ごとの成果を部長会で報告できるようにしたい",
        "We report weekly results to the heads of department",
        75,
        120,
    ),
    (
        "全社展開",
        "Company-wide rollout",
        "他部署にも広げて、全社の標準ツールにしたい",
        "Make it the standard tool across the company",
        85,
        240,
    ),
]
STEPS = [
    ("管理者向けトレーニングを実施", "Run the admin training"),
    ("週次の利用状況レポートを共有", "Share the weekly usage report"),
    ("部署ごとの推進担当を決める", "Name a champion in each department"),
    ("活用事例を社内報で紹介", "Feature a success story in the internal newsletter"),
    ("ダッシュボードに週次スキャン枚数を表示", "Put the weekly count on the team dashboard"),
]
AGENDAS = [
    ("キックオフミーティング", "Kick-off meeting"),
    ("定例ミーティング：利用状況の振り返り", "Regular check-in: usage review"),
    ("活用促進のための勉強会", "Adoption workshop"),
    ("更新に向けた打ち合わせ", "Renewal conversation"),
    ("経営層との QBR", "Quarterly business review with the executives"),
]
NOTES = [
    ("利用は順調。現場から追加の要望あり。", "Usage is on track; the field asked for more."),
    ("担当者の異動があり、引き継ぎが必要。", "Our contact is moving teams; we need a handover."),
    ("部長が成果に満足している。", "The department head is happy with the results."),
]
NEXT_STEPS = [
    ("議事録と資料を送付", "Send the minutes and slides"),
    ("次回トレーニングの日程調整", "Schedule the next training"),
    ("利用状況レポートを作成", "Prepare the usage report"),
    ("更新見積もりを準備", "Prepare the renewal quote"),
]
FEEDBACK = [
    (
        "pain_point",
        "レポート",
        "部署ごとの集計がすぐに出せず、毎月手作業になっている",
        "Reports",
        "We still build the per-department totals by hand every month",
    ),
    (
        "pain_point",
        "性能",
        "繁忙期に画面の表示が遅い",
        "Performance",
        "Pages are slow in our busy season",
    ),
    (
        "gain_point",
        "業務効率",
        "名刺の共有で営業の引き継ぎが楽になった",
        "Efficiency",
        "Handovers between reps got much easier",
    ),
    (
        "gain_point",
        "活用",
        "現場が自発的に使い始めている",
        "Adoption",
        "The field started using it on their own",
    ),
    (
        "request",
        "連携",
        "Salesforce との自動連携がほしい",
        "Integrations",
        "We want an automatic sync with Salesforce",
    ),
    (
        "request",
        "モバイル",
        "スマホアプリからも一括登録したい",
        "Mobile",
        "Bulk upload from the phone app, please",
    ),
    (
        "question",
        "設定",
        "権限の細かい設定方法を知りたい",
        "Settings",
        "How do we set fine-grained permissions?",
    ),
]
PHASE_WEIGHTS = [0.12, 0.23, 0.40, 0.25]
# Days an account typically stays in each phase before moving on.
STAY_DAYS = [(7, 30), (30, 120), (90, 400), (60, 365)]


def _text(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "ja" else pair[1]


def _template(lang: str) -> JourneyTemplate:
    name, description = TEMPLATE[lang]
    template = JourneyTemplate.objects.filter(name=name).first()
    if template is None:
        template = JourneyTemplate.objects.create(name=name, description=description)
        TemplateMilestone.objects.bulk_create(
            [
                TemplateMilestone(
                    template=template,
                    title=m[0] if lang == "ja" else m[1],
                    description=m[2] if lang == "ja" else m[3],
                    target_score=m[4],
                    due_after_days=m[5],
                    order=i,
                )
                for i, m in enumerate(MILESTONES)
            ]
        )
    return template


class _Seeder:
    def __init__(self, tenant: Any, log: Log) -> None:
        self.tenant = tenant
        self.log = log
        self.lang = "ja" if tenant.default_language == "ja" else "en"
        self.rng = random.Random(f"journeys-demo-{tenant.slug}")
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.phases: list[Phase] = phases_seed_defaults()
        self.staff = list(
            Membership.objects.filter(
                tenant=tenant, role__in=[Role.CSM, Role.CS_MANAGER]
            ).values_list("user_id", flat=True)
        )
        self.activities: list[Activity] = []
        self.levels: dict[int, str] = {}
        self.owner_by_account: dict[int, int | None] = {}

    def accounts(self) -> list[dict[str, Any]]:
        has_phase = Exists(AccountPhase.objects.filter(account=OuterRef("pk")))
        return list(
            Account.objects.filter(~has_phase).order_by("pk").values("pk", "owner_id", "name")
        )

    def contacts_by_account(self, account_ids: list[int]) -> dict[int, list[int]]:
        result: dict[int, list[int]] = defaultdict(list)
        for account_id, contact_id, level in Contact.objects.filter(
            account_id__in=account_ids
        ).values_list("account_id", "pk", "relationship_level"):
            result[account_id].append(contact_id)
            self.levels[contact_id] = level
        return result

    def activity(
        self, account_id: int, kind: str, title: str, when: dt.datetime, **kw: Any
    ) -> None:
        self.activities.append(
            Activity(account_id=account_id, kind=kind, title=title, occurred_at=when, **kw)
        )

    def phases_and_history(
        self, accounts: list[dict[str, Any]]
    ) -> dict[int, tuple[int, dt.datetime]]:
        """Pick each account's phase and walk it there from the contract date."""
        current: dict[int, tuple[int, dt.datetime]] = {}
        transitions = []
        for acc in accounts:
            target = self.rng.choices(range(len(self.phases)), weights=PHASE_WEIGHTS)[0]
            stays = [self.rng.randint(*STAY_DAYS[i]) for i in range(target)]
            ongoing = self.rng.randint(3, STAY_DAYS[target][1])
            when = self.now - dt.timedelta(days=sum(stays) + ongoing, hours=self.rng.randint(0, 23))
            actor = acc["owner_id"]
            transitions.append(
                PhaseTransition(
                    account_id=acc["pk"],
                    from_phase=None,
                    to_phase=self.phases[0],
                    actor_id=actor,
                    reason="",
                    occurred_at=when,
                )
            )
            for i, days in enumerate(stays):
                when = when + dt.timedelta(days=days)
                transitions.append(
                    PhaseTransition(
                        account_id=acc["pk"],
                        from_phase=self.phases[i],
                        to_phase=self.phases[i + 1],
                        actor_id=actor,
                        reason="",
                        occurred_at=when,
                    )
                )
                self.activity(
                    acc["pk"],
                    ActivityKind.PHASE_CHANGE,
                    f"{self._phase_name(i)} → {self._phase_name(i + 1)}",
                    when,
                    actor_id=actor,
                    data={"from_phase": self.phases[i].pk, "to_phase": self.phases[i + 1].pk},
                    source_key=f"demo:phase:{acc['pk']}:{i + 1}",
                )
            current[acc["pk"]] = (target, when)
        PhaseTransition.objects.bulk_create(transitions, batch_size=BATCH)
        AccountPhase.objects.bulk_create(
            [
                AccountPhase(account_id=pk, phase=self.phases[i], entered_at=when)
                for pk, (i, when) in current.items()
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        self.log(
            f"  journeys: {len(current)} accounts placed in phases, {len(transitions)} transitions"
        )
        return current

    def _milestone_fate(self, due: dt.date, loss: dt.date | None) -> tuple[str, dt.date | None]:
        """(status, completed_on) of a milestone due on `due`. While the account drifts
        towards a loss (the COOLING days before it), milestones are missed or done late
        more often than not; otherwise most are done on time."""
        if due >= self.today + dt.timedelta(days=45):
            return MilestoneStatus.PLANNED, None
        if due >= self.today - dt.timedelta(days=14):
            return MilestoneStatus.IN_PROGRESS, None
        cooling = loss is not None and loss - dt.timedelta(days=COOLING) <= due < loss
        missed, late = (0.5, 0.3) if cooling else (0.08, 0.1)
        roll = self.rng.random()
        if roll < missed:
            return MilestoneStatus.MISSED, None
        if roll < missed + late:
            return MilestoneStatus.DONE, min(
                due + dt.timedelta(self.rng.randint(5, 40)), self.today
            )
        return MilestoneStatus.DONE, due - dt.timedelta(days=self.rng.randint(0, 10))

    def journey_maps(self, accounts: list[dict[str, Any]], current: dict, contacts: dict) -> None:
        """A map per account past its first phase: the template's onboarding milestones, then
        a results review every quarter. The story the backtest finds: before an account
        churned or downsold, its milestones were missed or done late more often (with noise:
        a quarter of those losses show nothing, one healthy account in twelve has a bad
        spell), and a churned account has none due after it left."""
        template = _template(self.lang)
        chosen = [a for a in accounts if current[a["pk"]][0] >= 1]
        losses = self.losses()
        churned = {a for a, _day, kind in contract_outcome_rows() if kind == OUTCOME_CHURNED}
        maps = JourneyMap.objects.bulk_create(
            [
                JourneyMap(
                    account_id=a["pk"],
                    template=template,
                    title=template.name,
                    created_by_id=a["owner_id"],
                    # One map in four is shared with the customer (Learn & Support's success
                    # plan), all of it; chosen by position so the random stream stays as it was.
                    shared_with_customer=i % 4 == 0,
                )
                for i, a in enumerate(chosen)
            ],
            batch_size=BATCH,
        )
        milestones = []
        horizon = self.today + dt.timedelta(days=120)
        for journey_map, acc in zip(maps, chosen, strict=True):
            phase_index, entered = current[acc["pk"]]
            start = (entered - dt.timedelta(days=30 * phase_index)).date()
            seen = losses.get(acc["pk"])
            ended = seen if acc["pk"] in churned else None
            if seen is not None and self.rng.random() < 0.25:
                seen = None  # noise: a loss nobody saw coming
            elif seen is None and self.rng.random() < 1 / 12:
                seen = self.today - dt.timedelta(days=self.rng.randint(60, 400))  # a bad spell
            plan = [
                (m[0], m[1], m[2], m[3], m[4], start + dt.timedelta(days=m[5])) for m in MILESTONES
            ]
            review = start + dt.timedelta(days=MILESTONES[-1][5] + REVIEW_DAYS)
            while review < horizon:
                plan.append((*REVIEW, review))
                review += dt.timedelta(days=REVIEW_DAYS)
            for order, (title_ja, title_en, goal_ja, goal_en, target, due) in enumerate(plan):
                if ended is not None and due >= ended:
                    break
                status, completed_on = self._milestone_fate(due, seen)
                milestones.append(
                    Milestone(
                        journey_map=journey_map,
                        account_id=acc["pk"],
                        title=title_ja if self.lang == "ja" else title_en,
                        customer_goal=goal_ja if self.lang == "ja" else goal_en,
                        target_score=target,
                        due_date=due,
                        status=status,
                        order=order,
                        completed_on=completed_on,
                        shared_with_customer=journey_map.shared_with_customer,
                    )
                )
        milestones = Milestone.objects.bulk_create(milestones, batch_size=BATCH)
        steps = []
        for milestone in milestones:
            for order, pair in enumerate(self.rng.sample(STEPS, k=self.rng.randint(2, 3))):
                account_contacts = contacts.get(milestone.account_id) or []
                by_customer = account_contacts and self.rng.random() < 0.35
                done = milestone.status == MilestoneStatus.DONE or (
                    milestone.status == MilestoneStatus.IN_PROGRESS and self.rng.random() < 0.4
                )
                steps.append(
                    ActionStep(
                        milestone=milestone,
                        description=_text(pair, self.lang),
                        owner_contact_id=self.rng.choice(account_contacts) if by_customer else None,
                        owner_user_id=None if by_customer else self._owner(milestone.account_id),
                        due_date=milestone.due_date - dt.timedelta(days=7 * (3 - order)),
                        done=done,
                        done_at=self.now if done else None,
                        order=order,
                        shared_with_customer=milestone.shared_with_customer,
                    )
                )
        ActionStep.objects.bulk_create(steps, batch_size=BATCH)
        self.log(
            f"  journeys: {len(maps)} journey maps, {len(milestones)} milestones, "
            f"{len(steps)} steps"
        )

    def _phase_name(self, index: int) -> str:
        phase = self.phases[index]
        return phase.name_ja if self.lang == "ja" else phase.name_en

    def _owner(self, account_id: int) -> int | None:
        return self.owner_by_account.get(account_id) or (
            self.rng.choice(self.staff) if self.staff else None
        )

    def losses(self) -> dict[int, dt.date]:
        """Each account's first churn or downsell so far (from the contracts seeded before)."""
        first: dict[int, dt.date] = {}
        for account_id, day, kind in contract_outcome_rows():
            if kind in (OUTCOME_CHURNED, OUTCOME_DOWNSOLD) and day <= self.today:
                first[account_id] = min(day, first.get(account_id, day))
        return first

    def _meeting_days(self, loss: dt.date | None, churned: bool) -> list[tuple[dt.date, bool]]:
        """(day, cooling) of an account's meetings over MEETING_HISTORY days: every 35–105
        days, rarer while the relationship cools (the COOLING days before a loss), none
        after a churn."""
        days = []
        day = self.today - dt.timedelta(days=MEETING_HISTORY - self.rng.randint(0, 60))
        while day < self.today:
            cooling = loss is not None and loss - dt.timedelta(days=COOLING) <= day < loss
            if churned and loss is not None and day >= loss:
                break
            days.append((day, cooling))
            day += dt.timedelta(days=self.rng.randint(*((80, 160) if cooling else (35, 105))))
        return days

    def _attendees(self, contact_ids: list[int], cooling: bool) -> list[int]:
        """Who the CSM met: while a relationship cools, never the executive and rarely the
        manager; otherwise the executive often and the manager most times."""
        by_level: dict[str, list[int]] = defaultdict(list)
        for contact_id in contact_ids:
            by_level[self.levels.get(contact_id, "field")].append(contact_id)
        chances = {"executive": 0.0, "manager": 0.25} if cooling else {
            "executive": 0.6, "manager": 0.75
        }  # fmt: skip
        chosen = [
            self.rng.choice(by_level[level])
            for level in ("executive", "manager")
            if by_level[level] and self.rng.random() < chances[level]
        ]
        if (not chosen or self.rng.random() < 0.3) and by_level["field"]:
            chosen.append(self.rng.choice(by_level["field"]))
        return chosen

    def meetings_and_tasks(self, accounts: list[dict[str, Any]], contacts: dict) -> None:
        """About a year and a half of meetings per account. The story the backtest finds:
        before an account churned or downsold, its executive stopped being met and meetings
        thinned out, with noise (a quarter of those losses show nothing, and one healthy
        account in twelve has a cool spell of its own)."""
        losses = self.losses()
        churned = {a for a, _day, kind in contract_outcome_rows() if kind == OUTCOME_CHURNED}
        meetings: list[Meeting] = []
        attendees: list[list[int]] = []
        for acc in accounts:
            loss = losses.get(acc["pk"])
            if loss is not None and self.rng.random() < 0.25:
                loss = None  # noise: a loss nobody saw coming
            elif loss is None and self.rng.random() < 1 / 12:
                loss = self.today - dt.timedelta(days=self.rng.randint(60, 400))  # a cool spell
            for day, cooling in self._meeting_days(loss, acc["pk"] in churned):
                when = min(
                    dt.datetime.combine(day, dt.time(1), tzinfo=dt.UTC)
                    + dt.timedelta(hours=self.rng.randint(0, 8)),
                    self.now - dt.timedelta(hours=1),
                )
                recent = when > self.now - dt.timedelta(days=180)
                steps = (
                    [
                        _text(p, self.lang)
                        for p in self.rng.sample(NEXT_STEPS, k=self.rng.randint(1, 2))
                    ]
                    if recent and self.rng.random() < 0.4
                    else []
                )
                meetings.append(
                    Meeting(
                        account_id=acc["pk"],
                        occurred_at=when,
                        meeting_type=self.rng.choice(["onsite", "online", "online", "call"]),
                        agenda=_text(self.rng.choice(AGENDAS), self.lang),
                        notes=_text(self.rng.choice(NOTES), self.lang),
                        next_steps=steps,
                        sentiment=self.rng.choices(
                            ["positive", "neutral", "negative"],
                            weights=[0.2, 0.4, 0.4] if cooling else [0.5, 0.35, 0.15],
                        )[0],
                        logged_by_id=self._owner(acc["pk"]),
                    )
                )
                attendees.append(self._attendees(contacts.get(acc["pk"]) or [], cooling))
        meetings = Meeting.objects.bulk_create(meetings, batch_size=BATCH)
        links, staff_links, tasks = [], [], []
        for meeting, who in zip(meetings, attendees, strict=True):
            for contact_id in who:
                links.append(MeetingContact(meeting=meeting, contact_id=contact_id))
            if meeting.logged_by_id:
                staff_links.append(MeetingStaff(meeting=meeting, user_id=meeting.logged_by_id))
            self.activity(
                meeting.account_id,
                ActivityKind.MEETING,
                meeting.agenda,
                meeting.occurred_at,
                body=meeting.notes,
                actor_id=meeting.logged_by_id,
                data={
                    "meeting": meeting.pk,
                    "type": meeting.meeting_type,
                    "sentiment": meeting.sentiment,
                    "next_steps": meeting.next_steps,
                },
                source_key=f"meeting:{meeting.pk}",
            )
            recent = meeting.occurred_at > self.now - dt.timedelta(days=21)
            for i, step in enumerate(meeting.next_steps):
                tasks.append(
                    Task(
                        account_id=meeting.account_id,
                        title=step,
                        assignee_id=meeting.logged_by_id,
                        meeting=meeting,
                        due_date=meeting.occurred_at.date() + dt.timedelta(days=7),
                        status="open" if recent else "done",
                        done_at=None if recent else meeting.occurred_at + dt.timedelta(days=5),
                        origin=f"meeting:{meeting.pk}",
                        source_key=f"meeting:{meeting.pk}:step:{i}",
                    )
                )
        MeetingContact.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
        MeetingStaff.objects.bulk_create(staff_links, batch_size=BATCH, ignore_conflicts=True)
        Task.objects.bulk_create(tasks, batch_size=BATCH, ignore_conflicts=True)
        self._mark_contacts_met([link.contact_id for link in links])
        self.log(f"  journeys: {len(meetings)} meetings, {len(tasks)} tasks from next steps")

    def _mark_contacts_met(self, contact_ids: list[int]) -> None:
        """Each attending contact's last_met_at, set-based in one UPDATE … FROM."""
        if not contact_ids:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {Contact._meta.db_table} c SET last_met_at = m.last
                FROM (
                    SELECT mc.contact_id, MAX(mt.occurred_at) AS last
                    FROM {MeetingContact._meta.db_table} mc
                    JOIN {Meeting._meta.db_table} mt ON mt.id = mc.meeting_id
                    WHERE mc.tenant_id = %s
                    GROUP BY mc.contact_id
                ) m
                WHERE c.id = m.contact_id AND c.tenant_id = %s
                  AND (c.last_met_at IS NULL OR c.last_met_at < m.last)
                """,
                [self.tenant.pk, self.tenant.pk],
            )

    def feedback(self, accounts: list[dict[str, Any]], contacts: dict) -> None:
        items = []
        for acc in self.rng.sample(accounts, k=min(len(accounts), 250)):
            kind, cat_ja, quote_ja, cat_en, quote_en = self.rng.choice(FEEDBACK)
            account_contacts = contacts.get(acc["pk"]) or []
            created = self.now - dt.timedelta(days=self.rng.randint(0, 150))
            item = FeedbackItem(
                account_id=acc["pk"],
                contact_id=self.rng.choice(account_contacts) if account_contacts else None,
                kind=kind,
                category=cat_ja if self.lang == "ja" else cat_en,
                quote=quote_ja if self.lang == "ja" else quote_en,
                source=self.rng.choice(["meeting", "call", "survey"]),
                shared_with=sorted(
                    self.rng.sample(["sales", "marketing", "product"], k=self.rng.randint(1, 2))
                ),
                status=self.rng.choices(
                    ["new", "acknowledged", "planned", "done", "declined"],
                    weights=[0.35, 0.25, 0.2, 0.1, 0.1],
                )[0],
                created_by_id=self._owner(acc["pk"]),
                created_at=created,
            )
            items.append(item)
        items = FeedbackItem.objects.bulk_create(items, batch_size=BATCH)
        for item in items:
            self.activity(
                item.account_id,
                ActivityKind.FEEDBACK,
                item.quote[:80],
                item.created_at,
                body=item.quote,
                contact_id=item.contact_id,
                actor_id=item.created_by_id,
                data={"feedback": item.pk, "kind": item.kind, "category": item.category},
                source_key=f"feedback:{item.pk}",
            )
        self.log(f"  journeys: {len(items)} feedback items")

    def open_tasks(self, accounts: list[dict[str, Any]]) -> None:
        titles = [
            ("利用率低下のヒアリング", "Call about falling usage"),
            ("更新提案の準備", "Prepare the renewal proposal"),
            ("新任担当者へのオンボーディング", "Onboard the new admin"),
        ]
        tasks = [
            Task(
                account_id=acc["pk"],
                title=_text(self.rng.choice(titles), self.lang),
                assignee_id=self._owner(acc["pk"]),
                due_date=self.today + dt.timedelta(days=self.rng.randint(-5, 30)),
                origin="demo",
                source_key=f"demo:task:{acc['pk']}",
            )
            for acc in accounts
            if self.rng.random() < 0.15
        ]
        Task.objects.bulk_create(tasks, batch_size=BATCH, ignore_conflicts=True)
        self.log(f"  journeys: {len(tasks)} open tasks")

    def run(self) -> None:
        accounts = self.accounts()
        if not accounts:
            self.log("  journeys: every account already has a phase; nothing to seed")
            return
        self.owner_by_account = {a["pk"]: a["owner_id"] for a in accounts}
        contacts = self.contacts_by_account([a["pk"] for a in accounts])
        with transaction.atomic():
            current = self.phases_and_history(accounts)
            self.journey_maps(accounts, current, contacts)
            self.meetings_and_tasks(accounts, contacts)
            self.open_tasks(accounts)
            self.feedback(accounts, contacts)
            Activity.objects.bulk_create(self.activities, batch_size=BATCH, ignore_conflicts=True)
            self.log(f"  journeys: {len(self.activities)} timeline entries")


def journeys_seed_demo(*, tenant: Any, log: Log) -> None:
    _Seeder(tenant, log).run()
