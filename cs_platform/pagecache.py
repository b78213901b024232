"""Parts of a page kept as HTML under the tenant's data version, without the CSRF token.

A part's forms carry the CSRF token of the session that viewed it; kept as it is, a part would
hand one member's token to another (whose POST then fails). The page uses one token for the
whole view (`page_csrf_token`: the template's `{% csrf_token %}` and rows made in Python alike),
a part is kept with that token swapped for a placeholder and gets the viewer's token back when
it is served.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

CSRF_SLOT = "{{junkan-csrf-token}}"


def page_csrf_token(request: HttpRequest) -> str:
    """This page view's CSRF token: the same value every time it is asked for."""
    token: str | None = getattr(request, "_junkan_page_csrf", None)
    if token is None:
        token = get_token(request)
        request._junkan_page_csrf = token  # type: ignore[attr-defined]
    return token


def html_to_keep(request: HttpRequest, html: str) -> str:
    """`html` as it may be kept for any member: the view's CSRF token left out."""
    return html.replace(page_csrf_token(request), CSRF_SLOT)


def html_kept(request: HttpRequest, html: str) -> SafeString:
    """Kept `html` for this view: the viewer's CSRF token put back."""
    # NOTE: kept HTML was rendered (escaped) by the page; only the token goes back in.
    return mark_safe(html.replace(CSRF_SLOT, page_csrf_token(request)))
