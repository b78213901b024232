"""A form a page shows only when its `<details>` opens, fetched then (htmx) instead of being
built and rendered on every view of the page.

The page's `<details>` carries `hx-get` (the form's own address, with `?next=` the page) and
`hx-trigger="toggle once"`; its body is a link to the same address, so without JavaScript the
form opens as a plain page. The form's view answers a GET with `form_fragment`: asked by htmx
(`HX-Request`), only the form, which replaces the link; otherwise a page holding it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .urlutils import safe_next


def form_fragment(
    request: HttpRequest, *, template: str, context: dict[str, Any], title: str, back: str
) -> HttpResponse:
    """The form of `template` (its context gets `next`, the page to go back to after the
    POST: the page that asked, else `back`), alone for htmx or as a page titled `title`."""
    context = {**context, "next": safe_next(request, back), "title": title, "back": back}
    if request.headers.get("HX-Request"):
        return render(request, template, context)
    return render(request, "partials/form_page.html", {**context, "fragment": template})


def lazy_details(*, url: str, summary: Any, testid: str = "") -> SafeString:
    """The `<details>` that fetches the form at `url` when it opens (see the module's
    docstring); `summary` is its visible label."""
    return format_html(
        '<details hx-get="{url}" hx-trigger="toggle once" hx-target="find .lazy-form"'
        ' hx-swap="outerHTML"{testid}><summary>{summary}</summary>'
        '<p class="lazy-form"><a href="{url}">{open}</a></p></details>',
        url=url,
        summary=summary,
        testid=format_html(' data-testid="{}"', testid) if testid else "",
        open=_("Open the form"),
    )


def next_query(request: HttpRequest) -> str:
    """`?next=` this page, for the address of a form the page fetches."""
    return "?" + urlencode({"next": request.get_full_path()})
