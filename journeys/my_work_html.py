"""My work's rows as HTML, written in Python (issue #16).

The page lists up to 15 tasks (each with its done button, edit and delete actions, description
and checklist), 15 action-plan steps, 15 renewals and 15 accounts: as template loops and
includes that was about 2,000 variable lookups, tags and filters per view, most of the page's
CPU. These functions write the same markup (`journeys/my_work.html` keeps the headings, the
empty rows and the "show all" links) with one string join per list; every value is escaped as
the template escaped it, through the same filters.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.defaultfilters import linebreaksbr, truncatechars, urlencode
from django.utils.formats import date_format
from django.utils.html import conditional_escape as esc  # as the template escapes
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from cs_platform.urlutils import tenant_reverse

from .templatetags.journeys_tags import money

_MARK = "987654321987654321"  # far beyond any id: where the id goes in a reversed URL


def _url(request: HttpRequest, name: str) -> Callable[[int], str]:
    """`pk -> the URL of name(pk)`, escaped: reversed once per list, not once per row."""
    before, after = str(esc(tenant_reverse(request, name, pk=int(_MARK)))).split(_MARK)
    return lambda pk: f"{before}{pk}{after}"


def _day(day: dt.date | None) -> str:
    return _short_date(day, get_language()) if day else ""


@functools.lru_cache(maxsize=4096)
def _short_date(day: dt.date, language: str) -> str:
    """`date_format(day, "SHORT_DATE_FORMAT")` in `language` (the active one): about 0.1 ms
    each, and a page shows up to 45 dates, most of them the same few days."""
    return date_format(day, "SHORT_DATE_FORMAT")


def _overdue(day: dt.date | None, today: dt.date) -> str:
    return ' class="overdue"' if day and day < today else ""


def _form(action: str, csrf: str, button: str, extra: str = "") -> str:
    return (
        f'<form class="inline" method="post" action="{action}">{csrf}'
        f'<input type="hidden" name="next" value="my_work">{extra}{button}</form>'
    )


# The done buttons of tasks and steps submit one shared form of the page (`my_work.html`: its
# CSRF token and `next`), each to its own URL: a form per row was 270 bytes of the 1 KB a row
# weighs.
DONE_FORM = "my-work-done"


def _done(action: str, label: str) -> str:
    return f'<button type="submit" form="{DONE_FORM}" formaction="{action}">{label}</button>'


def _csrf(request: HttpRequest) -> str:
    token = esc(get_token(request))
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'


def task_rows_html(request: HttpRequest, tasks: Iterable[Any], today: dt.date) -> SafeString:
    """The `<li>` of each task (`journeys.selectors.WorkTask`, worded): done button, title,
    account, due date, edit and delete (loaded by htmx into the row's editor on a click),
    description and checklist."""
    csrf = _csrf(request)
    done_label = esc(gettext("Done"))
    toggle = esc(gettext("Toggle done"))
    edit, delete = esc(gettext("Edit")), esc(gettext("Delete"))
    back = esc(urlencode(request.get_full_path()))
    done_url = _url(request, "journeys:task_done")
    checklist_url = _url(request, "journeys:task_checklist")
    edit_url, delete_url = (
        _url(request, "journeys:task_edit"),
        _url(request, "journeys:task_delete"),
    )
    account_url = _url(request, "accounts:detail")
    out: list[str] = []
    for task in tasks:
        pk = task.pk
        due = f'<span class="muted">{_day(task.due_date)}</span>' if task.due_date else ""
        actions = " ".join(
            f'<a href="{url}?next={back}" hx-get="{url}?next={back}"'
            ' hx-target="next .inline-editor" hx-swap="innerHTML" class="inline-action"'
            f' data-testid="{testid}">{label}</a>'
            for url, label, testid in (
                (edit_url(pk), edit, "task-edit"),
                (delete_url(pk), delete, "task-delete"),
            )
        )
        parts = [
            f"<li{_overdue(task.due_date, today)}>",
            _done(done_url(pk), done_label),
            f"\n{esc(task.shown_title)} · "
            f'<a href="{account_url(task.account_id)}">{esc(task.account_name)}</a>\n{due}\n',
            f'<span class="item-actions">{actions}</span><div class="inline-editor"></div>',
        ]
        description = task.shown_description
        if description:
            text = linebreaksbr(truncatechars(description, 300), autoescape=True)
            parts.append(
                f'<div class="muted task-description" data-testid="task-description">{text}</div>'
            )
        if task.checklist:
            parts.append('<ul class="checklist" data-testid="task-checklist">')
            action = checklist_url(pk)
            for index, item in enumerate(task.checklist):
                done = bool(item.get("done")) if isinstance(item, dict) else False
                text = item.get("text") if isinstance(item, dict) else None
                extra = f'<input type="hidden" name="index" value="{index}">'
                if not done:
                    extra += '<input type="hidden" name="done" value="on">'
                button = (
                    f'<button type="submit" aria-label="{toggle}">{"☑" if done else "☐"}</button>'
                )
                li = '<li class="done">' if done else "<li>"
                form = _form(action, csrf, button, extra)
                parts.append(f"{li}{form}\n{esc(text or item)}</li>")
            parts.append("</ul>")
        parts.append("</li>\n")
        out.append("".join(parts))
    return mark_safe("".join(out))  # every value above is escaped


def step_rows_html(request: HttpRequest, steps: Iterable[Any], today: dt.date) -> SafeString:
    """The `<li>` of each action-plan step (`WorkStep`): done button, what to do, account,
    milestone, due date."""
    done_label = esc(gettext("Done"))
    toggle_url = _url(request, "journeys:step_toggle")
    account_url = _url(request, "accounts:detail")
    out: list[str] = []
    for step in steps:
        due = f" · {_day(step.due_date)}" if step.due_date else ""
        out.append(
            f"<li{_overdue(step.due_date, today)}>"
            + _done(toggle_url(step.pk), done_label)
            + f"\n{esc(step.description)} · "
            f'<a href="{account_url(step.account_id)}">{esc(step.account_name)}</a>\n'
            f'<span class="muted">{esc(step.milestone_title)}{due}</span>\n</li>\n'
        )
    return mark_safe("".join(out))  # every value above is escaped


def renewal_rows_html(request: HttpRequest, contracts: Iterable[Any]) -> SafeString:
    """The `<tr>` of each contract renewing (`accounts.selectors.OwnerRenewal`): account,
    renewal date, ARR."""
    account_url = _url(request, "accounts:detail")
    return mark_safe(  # every value is escaped
        "".join(
            f'<tr><td><a href="{account_url(c.account_id)}">{esc(c.account_name)}</a></td>'
            f"<td>{_day(c.renewal_date)}</td><td>{esc(money(c.arr, c.currency))}</td></tr>\n"
            for c in contracts
        )
    )


def account_rows_html(request: HttpRequest, accounts: Sequence[Any]) -> SafeString:
    """The `<tr>` of each of my accounts (`WorkAccount`): name, current phase."""
    account_url = _url(request, "accounts:detail")
    return mark_safe(  # every value is escaped
        "".join(
            f'<tr><td><a href="{account_url(a.pk)}">{esc(a.name)}</a></td>'
            f"<td>{esc(a.phase_name) if a.phase_name else '—'}</td></tr>\n"
            for a in accounts
        )
    )
