"""The audit-log page (admins): filters, keyset pages, and the CSV export of what is shown."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cs_platform.decorators import role_required
from cs_platform.trash.extensions import labels_shown

from . import selectors, services
from .forms import AuditFilterForm

PAGE_SIZE = 50


def _cursor(raw: str | None) -> tuple[dt.datetime, int] | None:
    """`<ISO time>_<id>` of the last row shown, or None; ValueError when malformed."""
    if not raw:
        return None
    at, _sep, pk = raw.rpartition("_")
    moment = dt.datetime.fromisoformat(at)
    if moment.tzinfo is None or not pk.isdigit():
        raise ValueError(raw)
    return moment, int(pk)


def _form(request: HttpRequest) -> AuditFilterForm:
    data = {k: v for k, v in request.GET.items() if k != "after"}
    return AuditFilterForm(data or None, tenant=request.tenant)  # type: ignore[attr-defined]


@role_required("audit_event.view")
def audit_log_page(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    errors: list[str] = []
    valid = not form.is_bound or form.is_valid()
    try:
        after = _cursor(request.GET.get("after"))
    except ValueError:
        after, valid = None, False
        errors.append(_("The page link is broken: start again from the first page."))
    rows, next_cursor = [], None
    if valid:
        filters = form.filters() if form.is_bound else selectors.AuditFilters()
        rows, next_cursor = selectors.audit_page(filters=filters, after=after, size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("after", None)
    next_query = ""
    if next_cursor is not None:
        query["after"] = f"{next_cursor[0].isoformat()}_{next_cursor[1]}"
        next_query = query.urlencode()
        query.pop("after")
    return render(
        request,
        "cs_platform/audit_log.html",
        {
            "form": form,
            "errors": errors,
            "events": [
                {
                    "event": event,
                    "action_label": selectors.action_label(event.action),
                    "kind_label": selectors.kind_label(event.target_type)
                    if event.target_type
                    else "",
                    "changes": list(selectors.changes_lines(event)),
                }
                for event in labels_shown(rows)
            ],
            "next_query": next_query,
            "first_page": after is None,
            "filter_query": query.urlencode(),
            "retention_days": settings.AUDIT_RETENTION_DAYS,
        },
        status=200 if valid else 400,
    )


@role_required("audit_event.view")
def audit_log_csv(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "\n".join(str(m) for errors in form.errors.values() for m in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters() if form.is_bound else selectors.AuditFilters()
    response = StreamingHttpResponse(
        services.audit_export_csv(filters=filters), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
