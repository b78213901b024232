"""Values read once per page view: `request_memoized(key, compute)`.

Account 360 is assembled from panels of several apps, and each builds its own forms: without
this, the account's contacts, the staff list, the phases and the latest health score were read
four or five times per page. `TenantMiddleware` opens a memo for each GET or HEAD request;
outside one (tasks, the API, writes, tests calling selectors) every call computes.

NOTE: only safe (read-only) requests get a memo, so a value read before a write of the same
request is never served after it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("junkan_request_memo", default=None)


@contextlib.contextmanager
def request_memo_scope() -> Iterator[None]:
    """Calls of `request_memoized` inside the block share their values."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def request_memoized(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per memo scope for `key` (every time outside a scope)."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]


def in_page_view() -> bool:
    """Whether a safe (GET or HEAD) request's memo is open: a page view, not a write."""
    return _memo.get() is not None
