from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .requestmemo import request_memoized


def tenant_reverse(request: HttpRequest, viewname: str, *args: Any, **kwargs: Any) -> str:
    """reverse() for staff pages under /t/<slug>/, taking the slug from the request's tenant.

    Either positional (`tenant_reverse(request, "accounts:detail", 7)`) or keyword arguments,
    as with reverse(); the slug is always the first URL argument.
    """
    slug = request.tenant.slug  # type: ignore[attr-defined]
    if args:
        if kwargs:
            raise ValueError("Pass either positional or keyword URL arguments, not both.")
        return reverse(viewname, args=[slug, *args])
    if all(type(v) is int and v >= 0 for v in kwargs.values()):  # none: the URL itself
        shape = _url_shape(viewname, slug, tuple(sorted(kwargs)), *url_context())
        if shape is not None:
            return shape.format_map(kwargs)
    return reverse(viewname, kwargs={"tenant_slug": slug, **kwargs})


# The request memo's key of `url_context`.
_URL_CONTEXT_MEMO = "junkan.urlutils.url_context"


def url_context() -> tuple[str, Any]:
    """The script prefix and the URL conf `reverse()` works with (`get_script_prefix()`,
    `get_urlconf()`), read once per page view: each is a read of an asgiref Local, 3-9 µs
    (about twice that for the URL conf, which Django leaves unset: a missing attribute), and
    a page view makes dozens of URLs (#16: Account 360's first view 19, its kept parts more).
    Both are set before the page view's memo opens (the handler sets them), and nothing in a
    page view sets them again."""
    return request_memoized(_URL_CONTEXT_MEMO, _read_url_context)


def _read_url_context() -> tuple[str, Any]:
    return get_script_prefix(), get_urlconf()


# Sentinels far beyond any id: reversed once per URL name, slug and argument names, they mark
# where each id goes.
_SENTINEL = 987_654_321_987_654_000


@functools.lru_cache(maxsize=4096)
def _url_shape(
    viewname: str, slug: str, names: tuple[str, ...], prefix: str, urlconf: Any
) -> str | None:
    """A staff URL with `{name}` where each of its id arguments goes (with none, the URL
    itself: a page's buttons and forms name a few such per view), or None when the URL
    cannot be made that way (a converter that refuses the sentinel, one that writes it
    otherwise than as digits). Pages name dozens of rows' URLs per view (every task's done,
    edit and delete links): resolving each one anew was a sixth of My Work's CPU (#16)."""
    sentinels = {name: _SENTINEL + i for i, name in enumerate(names)}
    try:
        url = reverse(viewname, kwargs={"tenant_slug": slug, **sentinels}, urlconf=urlconf)
    except NoReverseMatch:
        return None
    url = url.replace("{", "{{").replace("}", "}}")
    for name, sentinel in sentinels.items():
        if url.count(str(sentinel)) != 1:
            return None
        url = url.replace(str(sentinel), "{" + name + "}")
    return url


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` the form posted when it stays on this site, else `default`.

    NOTE: a plain `startswith("/")` lets `//evil.example` and `/\\evil.example` through;
    Django's check knows those tricks.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
