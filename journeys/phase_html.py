"""Account 360's phase header and phase history panels, as HTML made in Python (issue #16).

A first view of Account 360 renders every panel; these two templates cost more than the rows
they show (the header's form, its include and plural, the history's date filter per row). The
markup is what journeys/panels/phase.html and phase_history.html wrote, and
tests/journeys/test_phase_html.py holds the two side by side.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.templatetags.static import static
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Account
from cs_platform.htmltext import escaped as _e
from cs_platform.pagecache import page_csrf_token
from cs_platform.urlutils import tenant_reverse

from .selectors import CurrentPhase


def phase_header_html(
    request: HttpRequest,
    *,
    account: Account,
    current: CurrentPhase | None,
    move: tuple[Any, Any, SafeString] | None,
) -> SafeString:
    """The phase the account is in, for how many days, and (`move`: the form's phase label,
    reason label and phase select) the form that moves it."""
    css = _e(static("journeys/journeys.css"))
    parts = [
        f'<link rel="stylesheet" href="{css}">\n<div class="journeys-phase"'
        f' data-testid="phase-panel">\n  <span class="muted">{_e(_("Phase"))}</span>\n  '
    ]
    if current is not None:
        parts.append(f'<strong data-testid="current-phase">{_e(current.phase.name)}</strong>\n  ')
        days = current.days
        if days is not None:
            text = ngettext("%(days)s day in this phase", "%(days)s days in this phase", days) % {
                "days": _e(localize(days))
            }
            parts.append(f'<span class="muted">{text}</span>')
        parts.append("\n  ")
    else:
        parts.append('<span class="muted">—</span>')
    parts.append("\n  ")
    if move is not None and current is not None:
        phase_label, reason_label, select = move
        url = _e(tenant_reverse(request, "journeys:phase_move", pk=account.pk))
        csrf = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">',
            page_csrf_token(request),
        )
        parts.append(
            f'\n  <form class="inline" method="post" action="{url}"'
            ' data-testid="phase-move-form">\n'
            f'    {csrf}<input type="hidden" name="next" value="{_e(request.get_full_path())}">'
            f'\n\n    <label class="sr-only" for="id_to_phase">{_e(phase_label)}</label>{select}\n'
            f'    <label class="sr-only" for="id_reason">{_e(reason_label)}</label>\n'
            f'    <input type="text" name="reason" id="id_reason" placeholder="{_e(_("Why"))}"'
            ' maxlength="1000">\n'
            f'    <button type="submit">{_e(_("Move phase"))}</button>\n  </form>\n  '
        )
    parts.append("\n</div>\n")
    # NOTE: safe: every value is escaped (_e) or made escaped, as the template would.
    return mark_safe("".join(parts))


def phase_history_html(transitions: list[Any]) -> SafeString:
    """The account's phase changes, newest first: day, from → to, who, why."""
    rows = []
    for t in transitions:
        day = _e(date_format(timezone.localtime(t.occurred_at), "SHORT_DATE_FORMAT"))
        before = f"{_e(t.from_phase.name)} → " if t.from_phase else ""
        actor = f'<span class="muted">· {_e(t.actor)}</span>' if t.actor else ""
        reason = f'<div class="muted">{_e(t.reason)}</div>' if t.reason else ""
        rows.append(
            f"\n    <li>{day}: {before}<strong>{_e(t.to_phase.name)}</strong>\n"
            f"      {actor}\n      {reason}</li>\n    "
        )
    if not rows:
        rows.append(f'<li class="muted">{_e(_("No phase changes yet."))}</li>\n    ')
    # NOTE: safe: every value is escaped (_e), as the template would.
    return mark_safe(
        '<section class="card" data-testid="phase-history-panel">\n'
        f'  <h2>{_e(_("Phase history"))}</h2>\n  <ol class="plain">\n    '
        + "".join(rows)
        + "\n  </ol>\n</section>\n"
    )
