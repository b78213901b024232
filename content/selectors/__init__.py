"""Reads of content. Other apps import from here."""

from .analytics import (
    ReachRow,
    ReadingEffect,
    WindowEffect,
    article_reach,
    reading_effect,
    section_reach,
    track_list,
)
from .articles import (
    SearchHit,
    article_get_published,
    article_list,
    article_list_published,
    article_search,
    image_get,
    image_get_public,
    image_list,
    revision_list,
    section_list,
    section_list_with_counts,
    site_domain_tenant,
    translation_pick,
)

__all__ = [
    "ReachRow",
    "ReadingEffect",
    "SearchHit",
    "WindowEffect",
    "article_get_published",
    "article_list",
    "article_list_published",
    "article_reach",
    "article_search",
    "image_get",
    "image_get_public",
    "image_list",
    "reading_effect",
    "revision_list",
    "section_list",
    "section_list_with_counts",
    "section_reach",
    "site_domain_tenant",
    "track_list",
    "translation_pick",
]
