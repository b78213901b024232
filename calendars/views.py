"""The feed itself (public, the secret URL is the credential) and the page to get one."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cs_platform.decorators import role_required
from cs_platform.scoping import tenant_scope
from cs_platform.selectors import membership_get

from .selectors import calendar_feed_by_token, calendar_feed_for_user
from .services import (
    calendar_feed_ics,
    calendar_feed_issue,
    calendar_feed_revoke,
    calendar_feed_touch,
)


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = calendar_feed_by_token(token=token)
    if found is None or membership_get(user=found.user, tenant=found.tenant) is None:
        raise Http404
    with tenant_scope(found.tenant):
        body = calendar_feed_ics(tenant=found.tenant, user=found.user)
        calendar_feed_touch(feed=found)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@role_required("calendar_feed.view")
def feed_page(request: HttpRequest) -> HttpResponse:
    url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar_feed_revoke(user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("The calendar URL no longer works."))
        else:
            issued = calendar_feed_issue(user=request.user)  # type: ignore[arg-type]
            url = request.build_absolute_uri(f"/calendar/{issued.token}.ics")
    return render(
        request,
        "calendars/feed.html",
        {"feed": calendar_feed_for_user(user=request.user), "url": url},  # type: ignore[arg-type]
    )
