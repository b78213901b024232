"""What the Account 360 tests share: a view of the page (`state`: its client and account), one
panel of it, and whether a write moved two accounts' versions (issue #16)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.urls import reverse

from cs_platform.datacache import account_version

Version = Callable[[int], int]


def view(state: dict[str, Any], **params: Any) -> str:
    """The page of `state["account"]` (with query `params`) as `state["client"]` sees it."""
    url = reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": state["account"].pk})
    response = state["client"].get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def panel(body: str, testid: str) -> str:
    """The HTML of the element marked `testid` up to the end of its section."""
    start = body.index(f'data-testid="{testid}"')
    return body[start : body.index("</section>", start)]


def without_tokens(body: str) -> str:
    """`body` without its CSRF tokens (masked anew on every view)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def moved(
    two: tuple[Any, Any], write: Callable[[], Any], version: Version = account_version
) -> tuple[bool, bool]:
    """Whether `write()` moved the first and the second account's version (or another
    version of theirs: `account_score_version`)."""
    a, b = two
    before = version(a.pk), version(b.pk)
    write()
    after = version(a.pk), version(b.pk)
    return after[0] != before[0], after[1] != before[1]


def row_writes_moved(
    two: tuple[Any, Any],
    model: type[Model],
    make: Callable[[], Model],
    version: Version = account_version,
) -> list[tuple[bool, bool]]:
    """`moved` (of `version`) by each write of one row of `model`: made by `make()`, updated
    in place by a queryset, deleted by a queryset."""
    row: Model | None = None

    def insert() -> None:
        nonlocal row
        row = make()

    inserted = moved(two, insert, version)
    assert row is not None
    rows = model._default_manager.filter(pk=row.pk)
    return [
        inserted,
        moved(two, lambda: rows.update(id=row.pk), version),
        moved(two, rows.delete, version),
    ]
