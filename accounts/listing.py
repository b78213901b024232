"""The account list's rows as HTML, written in Python (issue #16).

A page shows 50 accounts of 9+ cells each: as a template loop that was about 1,000 variable
lookups, filters and `{% if %}`s per page, the largest part of the page's CPU. This renders the
same cells (`accounts/_account_rows.html` keeps the table head and the empty row) with one
string join; every value is escaped as the template escaped it (Django's `escape` is the
standard library's `html.escape`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from html import escape as _e  # what django.utils.html.escape does, without its lazy wrapper
from typing import Any

from django.http import QueryDict
from django.template import Context
from django.template.base import render_value_in_context
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy

from .extensions import AccountListExtension
from .forms import AccountFilterForm, AccountListQuery, list_filter_labels
from .models import Account, LifecycleStatus, MarketSegment
from .templatetags.accounts_tags import money, sort_mark, sort_url


def _column(ext: AccountListExtension, accounts: Sequence[Account]) -> list[str]:
    """The column's cells of the page: what `column` or `template` writes, or the value
    escaped."""
    if ext.column is not None:
        return ext.column(accounts)
    cells = []
    for account in accounts:
        value = getattr(account, ext.key, None)
        if ext.template:
            html = render_to_string(ext.template, {"account": account, "value": value})
            cells.append(html.__html__() if hasattr(html, "__html__") else _e(str(html)))
        else:
            cells.append(_e(str(value)) if value else "—")
    return cells


@functools.lru_cache(maxsize=8)
def _row_labels(language: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """The market segments' and lifecycle statuses' labels, escaped, in `language` (the
    active one: the cache's key)."""
    segments = {value: _e(str(label)) for value, label in MarketSegment.choices}
    statuses = {value: _e(str(label)) for value, label in LifecycleStatus.choices}
    return segments, statuses


def account_rows_html(
    accounts: Sequence[Account],
    columns: Sequence[AccountListExtension],
    *,
    url: Callable[[int], str],
    selectable: bool,
    currency: str,
) -> SafeString:
    """The `<tr>` of each account: its checkbox (when the reader may act on many accounts),
    name, owner, segment, ARR, renewal date and the extensions' columns. `url(pk)` is the
    account's page."""
    select = gettext("Select %(name)s")
    segments, statuses = _row_labels(get_language())
    extra = [_column(ext, accounts) for ext in columns]
    out: list[str] = []
    for i, account in enumerate(accounts):
        pk = account.pk
        cells = ['<tr data-testid="account-row">']
        if selectable:
            label = _e(select % {"name": account.name})
            cells.append(
                f'<td><input type="checkbox" name="ids" value="{pk}" form="bulk-form" '
                f'aria-label="{label}" data-testid="select-account"></td>'
            )
        industry = f" · {_e(account.industry)}" if account.industry else ""
        cells.append(
            f'<td><a href="{_e(url(pk))}">{_e(account.name)}</a><br>'
            f'<span class="muted">{_e(account.external_id)}{industry}</span></td>'
        )
        owner = account.owner
        cells.append(f"<td>{_e(str(owner)) if owner is not None else '—'}</td>")
        segment = segments.get(account.market_segment) or _e(account.market_segment) or "—"
        if account.lifecycle_status != LifecycleStatus.ACTIVE:
            status = statuses.get(account.lifecycle_status) or _e(account.lifecycle_status)
            segment += f'<br><span class="muted">{status}</span>'
        cells.append(f"<td>{segment}</td>")
        cells.append(f'<td class="acc-num">{_e(money(account.current_arr, currency))}</td>')
        renewal = account.next_renewal_date
        cells.append(f"<td>{renewal.isoformat() if renewal else '—'}</td>")
        cells.extend(f"<td>{column[i]}</td>" for column in extra)
        cells.append("</tr>\n")
        out.append("".join(cells))
    return mark_safe("".join(out))  # every value above is escaped


def _label(value: Any) -> str:
    """`{{ value }}` of a choice's label (a string or a lazy one; safe strings as they are)."""
    if isinstance(value, SafeData):
        return str(value)
    if isinstance(value, str | Promise):
        return _e(str(value))
    return str(render_value_in_context(value, Context()))


def _select(name: str, choices: Iterable[tuple[Any, Any]], value: str) -> str | None:
    """`<select>` as Django's widget (via `cs_platform.formrender`) writes it, with the
    option `value` selected (the first that matches); None for option groups."""
    out = [f'<select name="{name}" id="id_{name}">']
    chosen = False
    for option, label in choices:
        if isinstance(label, list | tuple):
            return None
        option = "" if option is None else option
        text = str(option) if isinstance(option, SafeData) else _e("%s" % option)  # noqa: UP031
        selected = not chosen and str(option) == value
        chosen |= selected
        mark = " selected" if selected else ""
        out.append(f'\n  <option value="{text}"{mark}>{_label(label)}</option>\n')
    out.append("\n</select>")
    return "".join(out)


# The form's label suffix and the characters that end a label without one, as `Form` and
# `BoundField.label_tag` read them: names, not literals, so that makemessages leaves them to
# Django's own catalogue.
_LABEL_SUFFIX = ":"
_LABEL_PUNCTUATION = ":?.!"


def _django_field(form: AccountFilterForm, name: str) -> SafeString:
    return mark_safe(f"{form[name].label_tag()}{form[name]}")


def filter_fields_html(query: AccountListQuery, names: Iterable[str]) -> dict[str, SafeString]:
    """`{{ field.label_tag }}{{ field }}` of the list's filter fields `names`, written here
    from the options the page offers (its choices are most of the page's form: the form,
    template and widget machinery cost more than the rows); a query the form was built for
    (a refused value) is rendered by Django, with its errors.

    Every filter is a plain `<select>` (not required, no attributes), as the form's fields."""
    form = query.form
    if form is not None:
        return {name: _django_field(form, name) for name in names}
    punctuation = gettext(_LABEL_PUNCTUATION)  # Django's catalogue translates it
    suffix = conditional_escape(gettext(_LABEL_SUFFIX))
    labels = list_filter_labels()
    fields: dict[str, SafeString] = {}
    for name in names:
        raw = query.params.get(name) if query.params else None
        select = _select(name, query.choices[name], "" if raw is None else str(raw))
        if select is None:  # option groups: Django's widget writes them
            form = form or AccountFilterForm(query.params or None, choices=query.choices)
            fields[name] = _django_field(form, name)
            continue
        text = str(labels[name])
        label = conditional_escape(text)
        if suffix and text and text[-1] not in punctuation:
            label = f"{label}{suffix}"
        fields[name] = mark_safe(f'<label for="id_{name}">{label}</label>{select}')
    return fields


def options_html(choices: Iterable[tuple[Any, Any]]) -> SafeString:
    """`{% for value, label in choices %}<option value="{{ value }}">{{ label }}</option>`."""
    options = (f'<option value="{_label(v)}">{_label(label)}</option>' for v, label in choices)
    return mark_safe("".join(options))


# The table's own columns: (the sort a click asks for, the sort key its mark follows, the
# header, the cell's class).
_HEAD = [
    ("name", "name", gettext_lazy("Name"), ""),
    ("owner", "owner", gettext_lazy("Owner"), ""),
    ("market_segment", "market_segment", gettext_lazy("Segment"), ""),
    ("-arr", "arr", gettext_lazy("ARR"), ' class="acc-num"'),
    ("renewal_date", "renewal_date", gettext_lazy("Renewal"), ""),
]


@functools.lru_cache(maxsize=8)
def _head_labels(language: str | None) -> list[str]:
    """The table's own headers, escaped, in `language` (the active one: the cache's key)."""
    return [_e(str(label)) for _sort, _key, label, _css in _HEAD]


def table_head_html(
    query: QueryDict, columns: Sequence[AccountListExtension], *, selectable: bool
) -> SafeString:
    """The header cells of the list's table (`accounts/_account_rows.html`): each column's
    sort link (`sort_url`: the current sort again reverses it) and its ▲/▼ (`sort_mark`)."""
    select = f'<th><span class="sr-only">{_e(gettext("Select"))}</span></th>' if selectable else ""
    labels = _head_labels(get_language())
    own = [
        f'<th{css}><a href="{_e(sort_url(query, sort))}">{label}</a> {sort_mark(query, key)}</th>'
        for (sort, key, _label, css), label in zip(_HEAD, labels, strict=True)
    ]
    extensions = "".join(
        f'<th><a href="{_e(sort_url(query, ext.key))}">{conditional_escape(ext.label)}</a>'
        f" {sort_mark(query, ext.key)}</th>"
        for ext in columns
    )
    return mark_safe("\n    ".join([select, *own, extensions]))
