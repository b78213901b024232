"""Which articles to put in front of a known reader: the recommender of tech-touch e-mails and
the picks on the public site.

An article fits a reader when it is published, has a translation in the reader's language, is
targeted at the account's journey phase and touch tier (an empty list targets every phase or
tier) and the contact has not read it yet. Among those, articles of the account's maturity
come first (how-to for accounts that have not yet connected their processes, ways of thinking
for mature ones), then those aimed at the phase or tier specifically rather than at everyone,
then the site's order.

Set-based: `article_picks` answers for any number of readers in a fixed number of queries
(the published catalogue with its translations, the readers' past reads, their accounts'
phases); the matching runs in Python over the catalogue, which is small next to the readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.db.models import Prefetch

from accounts.extensions import account_tiers
from accounts.models import Account, Contact
from cs_platform.leanread import lean_rows
from journeys.selectors import current_phase_by_account

from ..models import Article, ArticleStatus, ArticleTranslation, ArticleView, Maturity

PICKS_PER_READER = 3
# accounts.MaturityStage: 0 not started, 1 goals set → beginners; 2 processes connected,
# 3 tools connected, 4 optimising → mature users.
MATURE_FROM_STAGE = 2


def maturity_for_stage(stage: int | None) -> str:
    """The content maturity level that fits an account's maturity stage (0–4)."""
    return Maturity.WAY_OF_THINKING if (stage or 0) >= MATURE_FROM_STAGE else Maturity.HOW_TO


@dataclass(frozen=True)
class PickRequest:
    """One reader to pick for. `tier` is the account's touch tier (blank: unknown)."""

    contact_id: int
    account_id: int
    language: str
    tier: str
    maturity_stage: int


@dataclass(frozen=True)
class Pick:
    article: Article
    translation: ArticleTranslation

    @property
    def article_id(self) -> int:
        return self.article.pk


class HasArticleId(Protocol):
    @property
    def article_id(self) -> int: ...


P = TypeVar("P", bound=HasArticleId)


def _catalogue() -> list[Article]:
    return list(
        Article.objects.filter(status=ArticleStatus.PUBLISHED)
        .select_related("section")
        .prefetch_related(
            Prefetch("translations", queryset=ArticleTranslation.objects.order_by("language"))
        )
        .order_by("section__position", "position", "id")
    )


def _read_by(contact_ids: list[int]) -> set[tuple[int, int]]:
    rows = (
        ArticleView.objects.filter(contact_id__in=contact_ids)
        .values_list("contact_id", "article_id")
        .order_by()
        .distinct()
    )
    return set(rows)


def article_picks(
    *, readers: Sequence[PickRequest], limit: int = PICKS_PER_READER
) -> dict[int, list[Pick]]:
    """The articles to recommend to each reader, by contact id (readers with none: [])."""
    if not readers:
        return {}
    catalogue = _catalogue()
    if not catalogue:
        return {r.contact_id: [] for r in readers}
    read = _read_by(sorted({r.contact_id for r in readers}))
    phases = current_phase_by_account(account_ids=sorted({r.account_id for r in readers}))
    translations = {
        article.pk: {t.language: t for t in article.translations.all()} for article in catalogue
    }
    # Readers share a handful of (phase, tier, language, maturity) profiles: rank the catalogue
    # once per profile, then walk it per reader past what they read.
    ranked: dict[tuple[str, str, str, str], list[Article]] = {}
    picks: dict[int, list[Pick]] = {}
    for reader in readers:
        phase = phases.get(reader.account_id)
        profile = (
            phase.key if phase is not None else "",
            reader.tier,
            reader.language,
            maturity_for_stage(reader.maturity_stage),
        )
        if profile not in ranked:
            ranked[profile] = _rank(catalogue, translations, *profile)
        chosen: list[Pick] = []
        for article in ranked[profile]:
            if len(chosen) >= limit:
                break
            if (reader.contact_id, article.pk) not in read:
                chosen.append(Pick(article, translations[article.pk][profile[2]]))
        picks[reader.contact_id] = chosen
    return picks


def _rank(
    catalogue: list[Article],
    translations: dict[int, dict[str, ArticleTranslation]],
    phase_key: str,
    tier: str,
    language: str,
    maturity: str,
) -> list[Article]:
    """The articles that fit a profile, best first (the catalogue is in the site's order)."""
    fitting = [
        article
        for article in catalogue
        if language in translations[article.pk]
        and (not article.phases or phase_key in article.phases)
        and (not article.tiers or tier in article.tiers)
    ]
    # sort() is stable: ties keep the site's order.
    fitting.sort(key=lambda a: (a.maturity != maturity, not a.phases, not a.tiers))
    return fitting


def picks_ranked_for_account(*, account: Account, language: str) -> list[Pick]:
    """Every article that fits the account's readers in `language`, best first, read or not:
    the public site's picks before each reader's own reads are taken out (`picks_unread`).
    The account's touch tier comes from the tier source touchmodel registers
    (accounts.extensions)."""
    catalogue = _catalogue()
    if not catalogue:
        return []
    tier = account_tiers(account_ids=[account.pk]).get(account.pk, "")
    phase = current_phase_by_account(account_ids=[account.pk]).get(account.pk)
    translations = {
        article.pk: {t.language: t for t in article.translations.all()} for article in catalogue
    }
    ranked = _rank(
        catalogue,
        translations,
        phase.key if phase is not None else "",
        tier,
        language,
        maturity_for_stage(account.maturity_stage),
    )
    return [Pick(article, translations[article.pk][language]) for article in ranked]


def picks_unread(
    *, contact: Contact, ranked: Sequence[P], limit: int = PICKS_PER_READER
) -> list[P]:
    """The first `limit` of `ranked` (picks, or anything naming an `article_id`, such as the
    public site's cached cards) that the contact has not read."""
    read = {
        row["article_id"]
        for row in lean_rows(
            "SELECT DISTINCT article_id FROM content_articleview"
            " WHERE tenant_id = %(tenant)s AND contact_id = %(contact)s",
            {"contact": contact.pk},
        )
    }
    return [pick for pick in ranked if pick.article_id not in read][:limit]


def article_picks_for_reader(
    *, contact: Contact, language: str, limit: int = PICKS_PER_READER
) -> list[Pick]:
    """A known reader's picks on the public site (`contact` with its account loaded): what
    `article_picks` gives them, in a form the site can cache per account."""
    ranked = picks_ranked_for_account(account=contact.account, language=language)
    return picks_unread(contact=contact, ranked=ranked, limit=limit)
