"""Extension points of touchmodel, filled by sibling apps without touchmodel importing them.

Content (a sibling: neither app imports the other beyond this module) registers a recommender
so tech-touch e-mails recommend Learn & Support articles to each recipient:

    from touchmodel.extensions import register_content_recommender

    def recommend(readers):  # Sequence[ContentReader] -> {contact id: Recommendation}
        ...

    register_content_recommender(recommend)   # in ContentConfig.ready()

A recommender is called once per chunk of rule firings (up to a few hundred recipients) with
the tenant in scope, and must answer for all of them in a fixed number of queries. Each
recipient gets the articles of the first recommender that returns any for them; with none
registered (or none returning articles) the e-mail links to the Learn & Support home page, the
recommender's signed `home_url` when it gave one.

Content also lists its articles and sections for the "content read" trigger's choices
(`register_content_choices`), and reads each account's touch tier through `account_tiers` (its
reader picks on the public site), which is the only part of touchmodel it sees.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContentReader:
    """One recipient of a tech-touch e-mail. `contact` is an accounts.Contact whose account is
    loaded; `language` is the e-mail's; `tier` the account's touch tier; `ref` names the
    firing that sends it ("firing:<id>"): content records it on the reads the links bring, so
    the effect chain credits them to the rule's program."""

    contact: Any
    language: str
    tier: str
    ref: str = ""


@dataclass(frozen=True)
class RecommendedArticle:
    key: str  # stable id of the article (its slug), recorded on the firing
    title: str
    url: str  # absolute; a link signed for the recipient


@dataclass(frozen=True)
class Recommendation:
    articles: list[RecommendedArticle] = field(default_factory=list)
    home_url: str = ""  # the site's home page, signed for the recipient


ContentRecommender = Callable[[Sequence[ContentReader]], Mapping[int, Recommendation]]

_recommenders: list[ContentRecommender] = []


def register_content_recommender(fn: ContentRecommender) -> None:
    if fn not in _recommenders:
        _recommenders.append(fn)


def unregister_content_recommender(fn: ContentRecommender) -> None:
    if fn in _recommenders:
        _recommenders.remove(fn)


def content_recommendations(readers: Sequence[ContentReader]) -> dict[int, Recommendation]:
    """What to link in each reader's e-mail, by contact id (readers nobody answered for are
    missing)."""
    found: dict[int, Recommendation] = {}
    for fn in list(_recommenders):
        waiting = [r for r in readers if not found.get(r.contact.pk, Recommendation()).articles]
        if not waiting:
            break
        try:
            answers = dict(fn(waiting) or {})
        except Exception:
            # A broken recommender must not stop the playbook: fall back to the next one.
            logger.exception("content recommender %r failed", fn)
            continue
        for reader in waiting:
            answer = answers.get(reader.contact.pk)
            if answer is None:
                continue
            earlier = found.get(reader.contact.pk)
            if answer.articles or earlier is None:
                found[reader.contact.pk] = answer
    return found


Choices = Callable[[], list[tuple[str, str]]]

_content_choices: dict[str, Choices] = {}


def register_content_choices(*, articles: Choices, sections: Choices) -> None:
    """(slug, title) of the published articles and (key, name) of the sections of the tenant
    in scope, in the user's language: what a "content read" rule can watch."""
    _content_choices.update(articles=articles, sections=sections)


def content_choices(kind: str) -> list[tuple[str, str]]:
    """`kind` is "articles" or "sections"; [] when content registered none."""
    fn = _content_choices.get(kind)
    return [(str(value), str(label)) for value, label in fn()] if fn else []


def account_tiers(*, account_ids: list[int]) -> dict[int, str]:
    """The touch tier of each account (the tenant's default tier where none is assigned)."""
    from .selectors.tiers import tier_by_account

    return tier_by_account(account_ids=account_ids)
