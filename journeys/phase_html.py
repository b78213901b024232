"""Account 360's phase header and phase history panels, as HTML made in Python (issue #16).

A first view of Account 360 renders every panel; these two templates cost more than the rows
they show (the header's form, its include and plural, the history's date filter per row). The
markup is what journeys/panels/phase.html and phase_history.html wrote, and
tests/journeys/test_phase_html.py holds the two side by side.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateformat import format as dateformat
from django.utils.formats import get_format, localize
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import Account
from cs_platform.htmltext import escaped as _e
from cs_platform.pagecache import page_csrf_token
from cs_platform.urlutils import tenant_reverse

from .panel_html import plain_format
from .selectors import CurrentPhase


@functools.lru_cache(maxsize=16)
def _words(language: str | None) -> dict[str, str]:
    """The two panels' words in `language` (the active one: its key), escaped, once per
    process."""
    return {
        "phase": _e(_("Phase")),
        "why": _e(_("Why")),
        "move": _e(_("Move phase")),
        "history": _e(_("Phase history")),
        "no_changes": _e(_("No phase changes yet.")),
    }


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
    words = _words(get_language())
    parts = [
        f'<link rel="stylesheet" href="{css}">\n<div class="journeys-phase"'
        f' data-testid="phase-panel">\n  <span class="muted">{words["phase"]}</span>\n  '
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
            f'    <input type="text" name="reason" id="id_reason" placeholder="{words["why"]}"'
            ' maxlength="1000">\n'
            f'    <button type="submit">{words["move"]}</button>\n  </form>\n  '
        )
    parts.append("\n</div>\n")
    # NOTE: safe: every value is escaped (_e) or made escaped, as the template would.
    return SafeString("".join(parts))


def phase_history_html(transitions: list[Any]) -> SafeString:
    """The account's phase changes, newest first: day, from → to, who, why."""
    words = _words(get_language())
    # `date_format(…, "SHORT_DATE_FORMAT")` of each row, its format read once.
    day_format = get_format("SHORT_DATE_FORMAT")
    pattern = plain_format(str(day_format))
    zone = timezone.get_current_timezone()
    rows = []
    for t in transitions:
        local = timezone.localtime(t.occurred_at, zone)
        day = _e(pattern.format(local) if pattern else dateformat(local, day_format))
        before = f"{_e(t.from_phase.name)} → " if t.from_phase else ""
        actor = f'<span class="muted">· {_e(t.actor)}</span>' if t.actor else ""
        reason = f'<div class="muted">{_e(t.reason)}</div>' if t.reason else ""
        rows.append(
            f"\n    <li>{day}: {before}<strong>{_e(t.to_phase.name)}</strong>\n"
            f"      {actor}\n      {reason}</li>\n    "
        )
    if not rows:
        rows.append(f'<li class="muted">{words["no_changes"]}</li>\n    ')
    # NOTE: safe: every value is escaped (_e), as the template would.
    return SafeString(
        '<section class="card" data-testid="phase-history-panel">\n'
        f'  <h2>{words["history"]}</h2>\n  <ol class="plain">\n    '
        + "".join(rows)
        + "\n  </ol>\n</section>\n"
    )
