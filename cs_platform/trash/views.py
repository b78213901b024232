"""The trash page (admins): browse deleted objects, restore them, see what happened."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cs_platform.decorators import role_required
from cs_platform.models import TrashEntry
from cs_platform.urlutils import tenant_reverse

from . import selectors, services
from .extensions import labels_shown

CHANGES_SHOWN = 50


@role_required("trash.view")
def trash_page(request: HttpRequest) -> HttpResponse:
    kinds = selectors.trash_kinds()
    kind = request.GET.get("kind", "")
    if kind not in {label for label, _name in kinds}:
        kind = ""
    page = Paginator(selectors.trash_list(model=kind), 50).get_page(request.GET.get("page"))
    labels_shown(page.object_list)
    entries = [
        {
            "entry": entry,
            "kind_name": selectors.model_verbose_name(entry.model),
            "purge_at": selectors.trash_purge_at(entry),
            "contents": selectors.trash_contents(entry),
        }
        for entry in page
    ]
    changes = [
        {"change": change, "kind_name": selectors.model_verbose_name(change.model)}
        for change in labels_shown(selectors.change_list(model=kind)[:CHANGES_SHOWN])
    ]
    return render(
        request,
        "cs_platform/trash.html",
        {
            "entries": entries,
            "page": page,
            "kinds": kinds,
            "kind": kind,
            "changes": changes,
            "retention_days": settings.TRASH_RETENTION_DAYS,
        },
    )


@require_POST
@role_required("trash.restore")
def trash_restore_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.trash_get(entry_id=entry_id)
    if entry is None:
        raise Http404
    try:
        services.trash_restore(entry_id=entry.pk, actor=request.user)  # type: ignore[arg-type]
    except TrashEntry.DoesNotExist as exc:
        raise Http404 from exc
    except services.TrashConflict as exc:
        messages.error(
            request,
            _("“%(label)s” could not be restored: %(reason)s")
            % {"label": entry.shown_label, "reason": exc.message},
        )
    else:
        messages.success(request, _("“%(label)s” was restored.") % {"label": entry.shown_label})
    return redirect(tenant_reverse(request, "trash"))
