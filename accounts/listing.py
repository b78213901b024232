"""The account list's rows as HTML, written in Python (issue #16).

A page shows 50 accounts of 9+ cells each: as a template loop that was about 1,000 variable
lookups, filters and `{% if %}`s per page, the largest part of the page's CPU. This renders the
same cells (`accounts/_account_rows.html` keeps the table head and the empty row) with one
string join; every value is escaped as the template escaped it (Django's `escape` is the
standard library's `html.escape`). A page's rows are kept as HTML under the tenant's data
version (`list_rows_kept`), but for the owners' names and the columns that do not follow it.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape as _e  # what django.utils.html.escape does, without its lazy wrapper
from typing import Any, NamedTuple

from django.http import QueryDict
from django.template import Context
from django.template.base import render_value_in_context
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy

from cs_platform.datacache import page_cached
from cs_platform.htmltext import escaped
from cs_platform.leanread import lean_instances
from cs_platform.pagecache import CSRF_SLOT

from .extensions import AccountListExtension
from .forms import AccountFilterForm, AccountListQuery, list_filter_labels
from .models import Account, LifecycleStatus, MarketSegment
from .selectors import list_rows, owner_choices
from .selectors.accounts import LIST_ROW_FIELDS
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
            cells.append(escaped(html))
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


class ListRow(NamedTuple):
    """One account's row of the list as it is kept (`list_rows_kept`): its HTML around the
    owner's cell, each column's cell (None: a column computed on every view) and what the
    cells left out are made from."""

    pk: int
    values: dict[str, Any]  # the row's `LIST_ROW_FIELDS`: a live column's account
    owner_id: int | None
    owner: str | None  # `str(owner)`
    head: str  # `<tr>`, the checkbox and the name's cell
    tail: str  # the segment's, ARR's and renewal's cells
    cells: tuple[str | None, ...]  # the columns', in their order


def list_row_parts(
    accounts: Sequence[Account],
    columns: Sequence[AccountListExtension],
    *,
    url: Callable[[int], str],
    selectable: bool,
    currency: str,
) -> list[ListRow]:
    """Each account's row (filled as `list_rows` fills them): its checkbox (when the reader
    may act on many accounts), name, owner, segment, ARR, renewal date and the extensions'
    columns. `url(pk)` is the account's page."""
    select = gettext("Select %(name)s")
    segments, statuses = _row_labels(get_language())
    extra = [_column(ext, accounts) for ext in columns]
    rows = []
    for i, account in enumerate(accounts):
        pk = account.pk
        head = ['<tr data-testid="account-row">']
        if selectable:
            label = _e(select % {"name": account.name})
            head.append(
                f'<td><input type="checkbox" name="ids" value="{pk}" form="bulk-form" '
                f'aria-label="{label}" data-testid="select-account"></td>'
            )
        industry = f" · {_e(account.industry)}" if account.industry else ""
        head.append(
            f'<td><a href="{_e(url(pk))}">{_e(account.name)}</a><br>'
            f'<span class="muted">{_e(account.external_id)}{industry}</span></td>'
        )
        segment = segments.get(account.market_segment) or _e(account.market_segment) or "—"
        if account.lifecycle_status != LifecycleStatus.ACTIVE:
            status = statuses.get(account.lifecycle_status) or _e(account.lifecycle_status)
            segment += f'<br><span class="muted">{status}</span>'
        renewal = account.next_renewal_date
        owner = account.owner
        rows.append(
            ListRow(
                pk=pk,
                values={name: getattr(account, name) for name in LIST_ROW_FIELDS},
                owner_id=account.owner_id,
                owner=None if owner is None else str(owner),
                head="".join(head),
                tail=(
                    f"<td>{segment}</td>"
                    f'<td class="acc-num">{_e(money(account.current_arr, currency))}</td>'
                    f"<td>{renewal.isoformat() if renewal else '—'}</td>"
                ),
                cells=tuple(column[i] for column in extra),
            )
        )
    return rows


def list_rows_html(rows: Sequence[ListRow], columns: Sequence[AccountListExtension]) -> SafeString:
    """The `<tr>` of each row; a column whose cells were not kept (None) is filled and
    written now, for accounts made from the rows' values."""
    live = {i for i, column in enumerate(columns) if any(row.cells[i] is None for row in rows)}
    cells: list[Sequence[str | None]] = [row.cells for row in rows]
    if live:
        accounts = lean_instances(Account, (row.values for row in rows))
        computed = {}
        for i in live:
            if columns[i].fill is not None:
                columns[i].fill(accounts)  # type: ignore[misc]
            computed[i] = _column(columns[i], accounts)
        cells = [
            [computed[i][n] if i in live else cell for i, cell in enumerate(row.cells)]
            for n, row in enumerate(rows)
        ]
    out = []
    for row, row_cells in zip(rows, cells, strict=True):
        owner = _e(row.owner) if row.owner is not None else "—"
        columns_html = "".join(f"<td>{cell}</td>" for cell in row_cells)
        out.append(f"{row.head}<td>{owner}</td>{row.tail}{columns_html}</tr>\n")
    return mark_safe("".join(out))  # every value above is escaped


# The name the list's rows are kept under (`list_rows_kept`).
ROWS_KEPT = "accounts.list_rows"


def list_rows_kept(
    ids: Sequence[int],
    *,
    columns: Sequence[AccountListExtension],
    url: Callable[[int], str],
    selectable: bool,
    currency: str,
    known: Mapping[int, Account | None] | None = None,
) -> list[ListRow]:
    """The rows of the accounts `ids` (`list_rows`, one deleted in between left out; `known`:
    those read with the page's ids, see `list_rows`) as
    `list_row_parts` writes them, kept under the tenant's data version (issue #16: the same
    page again reads no account row and writes no cell but the live columns').

    A column keeps its cells only if it says they follow the data version (`cells_kept`);
    the others are left out (None) and written on every view (`list_rows_html`). The owners'
    names are on no table the data version watches: a kept row serves only while its owner
    is an active member of the tenant with the name this view reads (`owner_choices`), else
    the page's rows are read again."""

    def read() -> list[ListRow]:
        return list_row_parts(
            list_rows(ids, known=known), columns, url=url, selectable=selectable, currency=currency
        )

    if any(not c.cells_kept and c.fill is None for c in columns):
        return read()  # a column made from annotations only: its cells need the ORM's rows
    fresh: list[ListRow] = []

    def compute() -> list[ListRow]:
        fresh.extend(read())
        kept = [c.cells_kept for c in columns]
        return [
            row._replace(
                cells=tuple(c if k else None for k, c in zip(kept, row.cells, strict=True))
            )
            for row in fresh
        ]

    # The row's fields are in the key: a release that changes them reads no row kept before.
    state = (
        f"{sorted(ids)}:{selectable}:{url(0)}:{currency}:{timezone.get_current_timezone_name()}"
        f":{[c.key for c in columns]}:{ListRow._fields}"
    )
    rows = page_cached(ROWS_KEPT, compute, key=hashlib.sha256(state.encode()).hexdigest())
    if fresh:
        return fresh  # read now: every column's cells written
    owners = dict(owner_choices())
    if any(row.owner_id is not None and owners.get(row.owner_id) != row.owner for row in rows):
        return read()
    return rows


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


def _plain(choices: Iterable[tuple[Any, Any]]) -> tuple[tuple[str | int, str], ...] | None:
    """The options as plain values, lazy labels translated: the key of `_select_kept`; None
    for any other kind of option or label (a safe string is written unescaped, a group as
    Django's widget writes it)."""
    plain = []
    for option, label in choices:
        if type(option) not in (str, int):
            return None
        if isinstance(label, Promise):
            label = str(label)  # `_label` escapes a lazy one, safe or not
        elif type(label) is not str:
            return None
        plain.append((option, label))
    return tuple(plain)


@functools.lru_cache(maxsize=256)
def _select_kept(name: str, options: tuple[tuple[str | int, str], ...], value: str) -> str | None:
    """`_select` of plain options, kept in the process: the same
    filter with the same options and value is written once (the list's selects were about
    half of what its filter form cost)."""
    return _select(name, ((option, mark_safe(_e(label))) for option, label in options), value)


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
        value = "" if raw is None else str(raw)
        options = _plain(query.choices[name])
        if options is None:
            select = _select(name, query.choices[name], value)
        else:
            select = _select_kept(name, options, value)
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
    """`{% for value, label in choices %}<option value="{{ value }}">{{ label }}</option>`,
    kept in the process for plain options (`_options_kept`)."""
    choices = list(choices)
    plain = _plain(choices)
    if plain is None:
        return _options(choices)
    return _options_kept(plain, get_language())


def _options(choices: Iterable[tuple[Any, Any]]) -> SafeString:
    options = (f'<option value="{_label(v)}">{_label(label)}</option>' for v, label in choices)
    return mark_safe("".join(options))


@functools.lru_cache(maxsize=256)
def _options_kept(options: tuple[tuple[str | int, str], ...], language: str | None) -> SafeString:
    """`_options` of plain options in `language` (the active one, which localises a number:
    the cache's key)."""
    return _options(options)


@functools.lru_cache(maxsize=8)
def _bulk_words(language: str | None) -> dict[str, str]:
    """The bulk-action form's own words, escaped, in `language` (the active one: the key)."""
    return {
        "with": _e(gettext("With the accounts")),
        "which": _e(gettext("Which accounts")),
        "ticked": _e(gettext("ticked below")),
        "all": _e(gettext("all accounts of this view (the next page says how many)")),
        "continue": _e(gettext("Continue")),
        "confirm": _e(
            gettext("You confirm on the next page, which says how many accounts change.")
        ),
    }


def bulk_form_html(
    actions: Sequence[tuple[Any, str]], *, url: str, query: str, csrf_token: str
) -> SafeString:
    """The list's bulk-action form (what the reader may do with ticked accounts, or with all
    of the view's): each action with its values' options (`options_html`), posted to `url`
    with the view's `query`; empty when the reader may do none."""
    if not actions:
        return mark_safe("")
    parts = tuple((_e(str(a.key)), conditional_escape(a.label), options) for a, options in actions)
    html = _bulk_form(parts, url, query, get_language())
    return mark_safe(html.replace(CSRF_SLOT, _e(csrf_token)))


@functools.lru_cache(maxsize=256)
def _bulk_form(
    actions: tuple[tuple[str, str, str], ...], url: str, query: str, language: str | None
) -> str:
    """`bulk_form_html` of the actions' escaped (key, label, options), with the CSRF token's
    slot (`cs_platform.pagecache`), in `language` (the active one: the cache's key): kept in
    the process, the same form is written once."""
    words = _bulk_words(language)
    names = "".join(f'<option value="{key}">{label}</option>' for key, label, _o in actions)
    values = "".join(
        f'\n  <label class="acc-bulk-value">{label}: <select name="value_'
        f'{key}" data-testid="bulk-value-{key}"><option value="">—</option>'
        f"{options}</select></label>\n  "
        for key, label, options in actions
    )
    return (
        f'\n<form id="bulk-form" method="post" action="{_e(url)}" class="card acc-bulk" '
        'data-testid="bulk-form">\n'
        f'  <input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_SLOT}">'
        f'<input type="hidden" name="query" value="{_e(query)}">\n'
        f'  <label for="bulk-action">{words["with"]}</label>\n'
        f'  <select name="scope" aria-label="{words["which"]}">\n'
        f'    <option value="ticked">{words["ticked"]}</option>\n'
        f'    <option value="all">{words["all"]}</option>\n'
        "  </select>\n"
        f'  <select name="action" id="bulk-action">{names}</select>\n'
        f"  {values}\n"
        f'  <button type="submit">{words["continue"]}</button>\n'
        f'  <span class="muted">{words["confirm"]}</span>\n'
        "</form>\n"
    )


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
    sort link (`sort_url`: the current sort again reverses it) and its ▲/▼ (`sort_mark`).
    Written once per process for a query string, columns and language (`_table_head`)."""
    params = tuple((key, tuple(values)) for key, values in query.lists())
    extensions = tuple((ext.key, conditional_escape(ext.label)) for ext in columns)
    return _table_head(params, extensions, selectable, get_language())


@functools.lru_cache(maxsize=256)
def _table_head(
    params: tuple[tuple[str, tuple[str, ...]], ...],
    columns: tuple[tuple[str, str], ...],
    selectable: bool,
    language: str | None,
) -> SafeString:
    """`table_head_html` of the query string `params` and the extensions' (key, escaped
    label) `columns`, in `language` (the active one: the cache's key)."""
    query = QueryDict(mutable=True)
    for key, values in params:
        query.setlist(key, list(values))
    select = f'<th><span class="sr-only">{_e(gettext("Select"))}</span></th>' if selectable else ""
    labels = _head_labels(language)
    own = [
        f'<th{css}><a href="{_e(sort_url(query, sort))}">{label}</a> {sort_mark(query, key)}</th>'
        for (sort, key, _label, css), label in zip(_HEAD, labels, strict=True)
    ]
    extensions = "".join(
        f'<th><a href="{_e(sort_url(query, key))}">{label}</a> {sort_mark(query, key)}</th>'
        for key, label in columns
    )
    return mark_safe("\n    ".join([select, *own, extensions]))
