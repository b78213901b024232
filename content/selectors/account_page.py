"""What Account 360's content panels read on a first view (the site's primary domain, which
the success plan's address names, and the account's reading over its engagement window), in
one call of `junkan_account_reading` (content migrations 0007, 0010, planned once per
connection), read once per page view and sent with its other first-view reads (issue #16)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from cs_platform.leancalls import Call, lean_call_ahead, lean_call_once
from cs_platform.leanread import lean_json_model, lean_prefetched
from cs_platform.requestmemo import request_memoized
from healthscore.selectors import engagement_default_days

from ..models import Article, ArticleTranslation
from .analytics import AccountReading
from .domains import site_domain_primary_read

READING_SHOWN = 20


@dataclass(frozen=True)
class WindowedReading:
    """The account's reading over its engagement window (`days` whole days ending today:
    `healthscore.selectors.engagement_window`)."""

    days: int
    reading: list[AccountReading]


def account_reading_in_window(*, account_id: int) -> WindowedReading:
    """`reading_for_account` over the account's engagement window, worked out in the same
    call (`junkan_account_reading`, content 0010): it needs no read of the latest score
    first, so it goes with the page's other first-view reads. Once per page view."""
    today = timezone.localdate()
    return request_memoized(
        ("content.account_reading_in_window", account_id, today),
        lambda: _read_in_window(account_id, today),
    )


def account_reading_in_window_ahead(*, account_id: int) -> None:
    """Announce the page view's `account_reading_in_window` (`cs_platform.leancalls`)."""
    lean_call_ahead(lambda: _call_in_window(account_id, timezone.localdate()))


def _call_in_window(account_id: int, today: dt.date) -> Call:
    return (
        ("content.account_reading_in_window", account_id, today),
        "junkan_account_reading(%(tenant)s, %(account)s, %(today)s, %(tz)s, %(default)s,"
        " %(shown)s)",
        {
            "account": account_id,
            "today": today,
            "tz": timezone.get_current_timezone_name(),
            "default": engagement_default_days(),
            "shown": READING_SHOWN,
        },
    )


def _read_in_window(account_id: int, today: dt.date) -> WindowedReading:
    row = lean_call_once(lambda: _call_in_window(account_id, today))
    return WindowedReading(days=row["r_days"], reading=_reading_of(row))


def _reading_of(row: dict[str, Any]) -> list[AccountReading]:
    site_domain_primary_read(row["r_domain"])
    reading = []
    for read in row["r_reading"] or ():
        article = lean_json_model(Article, read["article"])
        translations = [lean_json_model(ArticleTranslation, t) for t in read["translations"] or ()]
        lean_prefetched(article, "translations", translations)
        last = dt.datetime.fromisoformat(read["last"])
        reading.append(AccountReading(article, read["views"], read["readers"], last))
    return reading
