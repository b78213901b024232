"""Extension points of touchmodel, filled by sibling apps without touchmodel importing them.

Content (a sibling: neither app may import the other) registers a recommender so tech-touch
e-mails can recommend Learn & Support articles for the account's phase:

    from touchmodel.extensions import register_content_recommender

    def recommend(account, language):  # -> list of (title, absolute or site-relative url)
        ...

    register_content_recommender(recommend)   # in ContentConfig.ready()

Recommenders are called with the account's tenant in scope. The first one that returns any
articles wins; with none registered (or none returning articles) the e-mail links to the
tenant's Learn & Support home page instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

ContentRecommender = Callable[[Any, str], list[tuple[str, str]]]

_recommenders: list[ContentRecommender] = []


def register_content_recommender(fn: ContentRecommender) -> None:
    if fn not in _recommenders:
        _recommenders.append(fn)


def unregister_content_recommender(fn: ContentRecommender) -> None:
    if fn in _recommenders:
        _recommenders.remove(fn)


def content_recommendations(account: Any, language: str) -> list[tuple[str, str]]:
    for fn in list(_recommenders):
        try:
            found = list(fn(account, language) or [])
        except Exception:
            # A broken recommender must not stop the playbook: fall back to the next one.
            logger.exception("content recommender %r failed", fn)
            continue
        if found:
            return [(str(title), str(url)) for title, url in found]
    return []
