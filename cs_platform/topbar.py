"""The staff pages' top bar, rendered once per what it shows and kept in the process (#16).

The bar (brand, main navigation, workspace switcher, language and account forms) was about a
fifth of the CPU of a light page: ~20 `reverse()` calls, the navigation of every app, a
dozen translations. What it shows is a function of a few values every request has in memory
already (the language, the user's name, the workspace and role, the memberships read by
TenantMiddleware with their workspaces' names, the URL prefix): they are the key, so a change to
any of them (a role changed, a workspace renamed or joined, another language) renders the bar
again on that very request, and nothing it shows can go stale. Only two things differ per
request and are put in after the cache: the CSRF token (a new mask each time) and the page's
own path, which the language form posts back.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .context_processors import nav_links
from .urlutils import url_context

# NUL cannot be stored in PostgreSQL text, so no name or title can contain these markers.
_CSRF = "\x00csrf\x00"
_NEXT = "\x00next\x00"
MAX_ENTRIES = 2048

_rendered: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def topbar_key(request: HttpRequest, context: Any) -> tuple:
    """Everything the rendered bar depends on, as a hashable tuple."""
    user = context.get("user")
    authenticated = bool(user is not None and user.is_authenticated)
    tenant = context.get("current_tenant")
    membership = context.get("current_membership")
    memberships = context.get("memberships") if authenticated else None
    prefix, urlconf = url_context()
    return (
        get_language(),
        prefix,
        str(urlconf),
        authenticated,
        (user.pk, str(user)) if authenticated else None,
        (tenant.pk, tenant.slug) if tenant is not None else None,
        membership.role if membership is not None else None,
        tuple((m.tenant_id, m.tenant.slug, m.tenant.name, m.role) for m in memberships or ()),
    )


def topbar_html(request: HttpRequest | None, context: Any) -> SafeString:
    """The bar for this request: from the process's cache when it showed the same before.
    Without a request (Django's bare 500 page) only the brand and the language form."""
    if request is None:
        return render_to_string("partials/topbar.html", {"LANGUAGE_CODE": get_language()})
    key = topbar_key(request, context)
    with _lock:
        html = _rendered.get(key)
        if html is not None:
            _rendered.move_to_end(key)
    if html is None:
        html = _render(request, context, key)
        with _lock:
            _rendered[key] = html
            while len(_rendered) > MAX_ENTRIES:
                _rendered.popitem(last=False)
    # The page's own token when its context has one: each get_token() masks the secret anew
    # with 32 random characters (about 0.15 ms), and one mask per response is enough.
    token = context.get("csrf_token")
    token = str(token) if token else get_token(request)
    # The template escaped what it put in; the path is escaped here.
    return mark_safe(html.replace(_CSRF, token).replace(_NEXT, escape(request.get_full_path())))


def _render(request: HttpRequest, context: Any, key: tuple) -> str:
    user = context.get("user")
    tenant = context.get("current_tenant")
    membership = context.get("current_membership")
    show_nav = tenant is not None and membership is not None
    return render_to_string(
        "partials/topbar.html",
        {
            "request": request,
            "user": user,
            "LANGUAGE_CODE": key[0],
            "current_tenant": tenant,
            "current_membership": membership,
            "memberships": context.get("memberships") if key[3] else [],
            "app_nav": nav_links(request) if show_nav else [],
            "csrf_token": _CSRF,
            "next_path": _NEXT,
        },
    )


def topbar_cache_clear() -> None:
    with _lock:
        _rendered.clear()
