"""The columns each CSV kind understands, with Japanese and English header aliases."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from django.db import models
from django.utils import translation

from ..models import (
    Account,
    BusinessPotential,
    Contact,
    ContactLanguage,
    Contract,
    ContractStatus,
    ImportKind,
    LifecycleStatus,
    MarketSegment,
    MaturityStage,
    RelationshipLevel,
)

ColumnType = Literal["str", "int", "date", "choice", "bool", "email", "phone"]


@dataclass(frozen=True)
class Column:
    key: str  # the canonical header, also what export writes
    type: ColumnType = "str"
    required: bool = False
    aliases: tuple[str, ...] = ()  # other accepted headers; the first is the Japanese one
    choices: type[models.Choices] | None = None
    max_length: int | None = None
    field: str | None = None  # the model field written (None: same as key; "" : not a field)

    @property
    def model_field(self) -> str:
        return self.key if self.field is None else self.field

    @property
    def ja_header(self) -> str:
        return self.aliases[0] if self.aliases else self.key


@dataclass(frozen=True)
class Spec:
    kind: str
    model: type[models.Model]
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


ACCOUNT_SPEC = Spec(
    ImportKind.ACCOUNTS,
    Account,
    (
        Column("external_id", required=True, aliases=("外部ID", "顧客ID", "id"), max_length=100),
        Column(
            "name",
            required=True,
            aliases=("会社名", "企業名", "顧客名", "アカウント名", "company", "account name"),
            max_length=200,
        ),
        Column("domain", aliases=("ドメイン", "website"), max_length=200),
        Column("industry", aliases=("業種", "業界"), max_length=100),
        Column("employee_count", "int", aliases=("従業員数", "employees")),
        Column(
            "market_segment",
            "choice",
            aliases=("市場セグメント", "規模", "segment"),
            choices=MarketSegment,
        ),
        Column(
            "owner_email",
            "email",
            aliases=("担当者メール", "担当CSM", "オーナー", "owner"),
            field="owner_id",
        ),
        Column("licensed_seats", "int", aliases=("ライセンス数", "契約席数", "seats")),
        Column(
            "lifecycle_status",
            "choice",
            aliases=("ステータス", "ライフサイクル", "status"),
            choices=LifecycleStatus,
        ),
        Column(
            "business_potential",
            "choice",
            aliases=("拡大余地", "ビジネスポテンシャル", "potential"),
            choices=BusinessPotential,
        ),
        Column("potential_arr", "int", aliases=("潜在ARR", "拡大余地ARR")),
        Column("maturity_stage", "choice", aliases=("成熟度", "maturity"), choices=MaturityStage),
    ),
)

CONTACT_SPEC = Spec(
    ImportKind.CONTACTS,
    Contact,
    (
        Column("external_id", required=True, aliases=("外部ID", "担当者ID", "id"), max_length=100),
        Column(
            "account_external_id",
            required=True,
            aliases=("顧客外部ID", "会社外部ID", "顧客ID", "account id"),
            field="account_id",
        ),
        Column(
            "name", required=True, aliases=("氏名", "名前", "担当者名", "full name"), max_length=200
        ),
        Column("email", "email", aliases=("メールアドレス", "メール", "e-mail", "mail")),
        Column("title", aliases=("役職", "肩書き", "job title"), max_length=200),
        Column("phone", "phone", aliases=("電話番号", "電話", "TEL", "telephone")),
        Column(
            "relationship_level",
            "choice",
            aliases=("関係レベル", "階層", "level"),
            choices=RelationshipLevel,
        ),
        Column("is_decision_maker", "bool", aliases=("決裁者", "decision maker")),
        Column("is_champion", "bool", aliases=("チャンピオン", "champion")),
        Column(
            "language", "choice", aliases=("言語", "メール言語", "lang"), choices=ContactLanguage
        ),
    ),
)

CONTRACT_SPEC = Spec(
    ImportKind.CONTRACTS,
    Contract,
    (
        Column("external_id", required=True, aliases=("契約ID", "外部ID", "id"), max_length=100),
        Column(
            "account_external_id",
            required=True,
            aliases=("顧客外部ID", "会社外部ID", "顧客ID", "account id"),
            field="account_id",
        ),
        Column("plan", required=True, aliases=("プラン", "契約プラン"), max_length=100),
        Column("arr", "int", required=True, aliases=("年間契約額", "年額", "ARR(円)")),
        Column("currency", aliases=("通貨",), max_length=3),
        Column("start_date", "date", required=True, aliases=("開始日", "契約開始日", "start")),
        Column("renewal_date", "date", required=True, aliases=("更新日", "契約更新日", "renewal")),
        Column(
            "status", "choice", aliases=("ステータス", "契約ステータス"), choices=ContractStatus
        ),
    ),
)

SPECS: dict[str, Spec] = {s.kind: s for s in (ACCOUNT_SPEC, CONTACT_SPEC, CONTRACT_SPEC)}


def normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return text.replace(" ", "_").replace("-", "_")


def header_map(spec: Spec) -> dict[str, str]:
    """Every accepted header (normalised) → canonical key."""
    mapping: dict[str, str] = {}
    for column in spec.columns:
        for name in (column.key, *column.aliases):
            mapping[normalise_header(name)] = column.key
    return mapping


# Words Japanese spreadsheets use besides the catalogue's labels.
CHOICE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "field": ("現場", "現場担当", "担当者", "一般"),
    "manager": ("管理職", "部長", "課長", "マネージャー", "部門長"),
    "executive": ("経営層", "役員", "経営者", "社長", "取締役"),
    "enterprise": ("エンタープライズ", "大企業"),
    "mid_market": ("ミッドマーケット", "中堅", "中堅企業"),
    "smb": ("中小", "中小企業"),
    "active": ("有効", "契約中", "稼働中"),
    "paused": ("休止", "休止中"),
    "churned": ("解約", "解約済み"),
    "renewed": ("更新済み",),
    "expanded": ("拡大済み", "アップセル済み"),
    "cancelled": ("キャンセル", "解約"),
    "expired": ("期限切れ", "満了"),
    "low": ("低",),
    "medium": ("中",),
    "high": ("高",),
    "ja": ("jp", "jpn", "日本語"),
    "en": ("eng", "英語"),
}


def choice_map(choices: type[models.Choices]) -> dict[str, str]:
    """Accepted spellings of a choice (value, English and Japanese label, common Japanese
    words) → stored value."""
    mapping: dict[str, str] = {}
    for value, label in choices.choices:
        mapping[normalise_header(str(value))] = str(value)
        for word in CHOICE_SYNONYMS.get(str(value), ()):
            mapping[normalise_header(word)] = str(value)
        for language in ("en", "ja"):
            with translation.override(language):
                mapping[normalise_header(str(label))] = str(value)
    return mapping
