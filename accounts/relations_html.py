"""Account 360's relationship coverage, contacts and contracts (accounts/_relations.html) as
HTML made in Python (issue #16).

Each contact and contract row carried a dozen `{% translate %}` tags, filters, `{% turl %}`
links and, for a live contract, two forms with their CSRF tokens: rendering them through the
template engine was ~3 ms of a first view's CPU for an account of three contacts. The markup is
what the template's loops wrote (tests/accounts/test_relations_html.py holds the two side by
side); the page around them stays in the template.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from cs_platform.htmltext import escaped as _e
from cs_platform.pagecache import page_csrf_token
from cs_platform.urlutils import tenant_reverse

from .models import Contact, Contract, RelationshipLevel
from .selectors.contacts import AccountCoverage
from .templatetags.accounts_tags import money

DASH = "—"
# The labels `get_<field>_display()` shows (lazy: worded in the language of each call).
_LEVELS = dict(RelationshipLevel.choices)
_LEVEL_LABELS = dict(Contact._meta.get_field("relationship_level").flatchoices)
_LANGUAGE_LABELS = dict(Contact._meta.get_field("language").flatchoices)
_STATUS_LABELS = dict(Contract._meta.get_field("status").flatchoices)


@functools.lru_cache(maxsize=16)
def _words(language: str | None) -> dict[str, Any]:
    """The rows' words and labels in `language` (the active one: the key), translated and
    escaped once per process: ~30 `gettext` a first view made, each costing more than the
    row's other words (issue #16)."""
    words: dict[str, Any] = {
        word: _e(text)
        for word, text in (
            ("maker", _("decision maker")),
            ("champion", _("champion")),
            ("default", _("Workspace default")),
            ("edit", _("Edit")),
            ("delete", _("Delete")),
            ("last_met", _("Last met")),
            ("nobody", _("Nobody known yet")),
            ("expands", _("expands")),
            ("renews", _("renews")),
            ("new", _("new")),
            ("new_arr", _("New ARR")),
            ("renew", _("Renew")),
            ("expand", _("Expand")),
        )
    }
    for name, labels in (
        ("levels", _LEVELS),
        ("level_labels", _LEVEL_LABELS),
        ("language_labels", _LANGUAGE_LABELS),
        ("status_labels", _STATUS_LABELS),
    ):
        words[name] = {value: _e(label) for value, label in labels.items()}
    return words


@functools.lru_cache(maxsize=64)
def _contacts_count(language: str | None, n: int) -> str:
    """The count of contacts ("3 contacts") in `language` (the active one: the key), escaped."""
    return ngettext("%(n)s contact", "%(n)s contacts", n) % {"n": _e(localize(n))}


def _label(labels: dict[str, str], value: str) -> str:
    """`get_<field>_display()`, escaped: the label kept in `_words`, else the value itself."""
    label = labels.get(value)
    return _e(value) if label is None else label


def _day(value: dt.date | dt.datetime | None, none: str = DASH, tz: Any = None) -> str:
    """`value|date:"Y-m-d"|default:"—"` (`none`: what no date shows), a timestamp on the
    reader's day (`tz`: the current time zone, when the caller asked it already)."""
    if value is None:
        return none
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, tz)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def coverage_html(coverage: AccountCoverage) -> SafeString:
    """The coverage's levels, as the template's loop over `coverage.ordered` wrote them."""
    language = get_language()
    words, tz = _words(language), timezone.get_current_timezone()
    out = []
    for c in coverage.ordered():
        if c.known:
            count = _contacts_count(language, c.count)
            maker = f"· {words['maker']}" if c.decision_maker_known else ""
            body = (
                f"\n          {count}\n          {maker}<br>\n"
                f'          <span class="muted">{words["last_met"]}: '
                f"{_e(_day(c.last_met_at, tz=tz))}</span>\n        "
            )
        else:
            body = f'<span class="muted">{words["nobody"]}</span>'
        out.append(
            f'\n      <div class="level {"known" if c.known else "unknown"}"'
            f' data-level="{_e(c.level)}">\n'
            f"        <strong>{words['levels'].get(c.level, '')}</strong><br>\n"
            f"        {body}\n      </div>\n      "
        )
    return mark_safe("".join(out))


def contact_rows_html(
    request: HttpRequest, contacts: Iterable[Contact], *, can_edit: bool, can_delete: bool
) -> SafeString:
    """The contacts table's rows (or its empty row), as the template's loop wrote them."""
    url = functools.partial(_url, request)
    words, tz = _words(get_language()), timezone.get_current_timezone()
    level_labels, language_labels = words["level_labels"], words["language_labels"]
    out = []
    for c in contacts:
        name = _e(c.name)
        if c.is_decision_maker:
            name += f' <span class="muted">({words["maker"]})</span>'
        if c.is_champion:
            name += f' <span class="muted">★ {words["champion"]}</span>'
        phone = ""
        if c.phone:
            phone = (
                f'<br><a class="muted" href="tel:{_e(c.phone.replace(" ", ""))}"'
                f' data-testid="contact-phone">{_e(c.phone)}</a>'
            )
        language = (
            _label(language_labels, c.language)
            if c.language
            else f'<span class="muted">{words["default"]}</span>'
        )
        actions = ""
        if can_edit:
            actions = _actions_cell(url, "contact", c.pk, words, can_delete=can_delete)
        out.append(
            f'\n        <tr><td>{name}<br><span class="muted">{_e(c.email)}</span>{phone}</td>\n'
            f"        <td>{_e(c.title or DASH)}</td>"
            f"<td>{_label(level_labels, c.relationship_level)}</td>"
            f'<td data-testid="contact-language">{language}</td>'
            f"<td>{_e(_day(c.last_met_at, tz=tz))}</td>"
            f"\n        {actions}</tr>\n      "
        )
    if not out:
        return _empty(_("No contacts yet."), can_edit)
    return mark_safe("".join(out))


def contract_rows_html(
    request: HttpRequest, contracts: Iterable[Contract], *, can_edit: bool, can_delete: bool
) -> SafeString:
    """The contracts table's rows (or its empty row), as the template's loop wrote them."""
    url = functools.partial(_url, request)
    csrf = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', page_csrf_token(request)
    )
    words = _words(get_language())
    status_labels = words["status_labels"]
    out = []
    for c in contracts:
        previous = c.previous
        if previous is not None:
            verb = words["expands"] if previous.status == "expanded" else words["renews"]
            history = f"{verb} {_e(previous.plan)} ({_e(money(previous.arr, c.currency))})"
        else:
            history = words["new"]
        actions = ""
        if can_edit:
            actions = _actions_cell(url, "contract", c.pk, words, can_delete=can_delete)
        forms = ""
        if can_edit and c.status == "active":
            pk, arr = _e(localize(c.pk)), _e(localize(c.arr))
            renew, expand = (
                url("accounts:contract_renew", c.pk),
                url("accounts:contract_expand", c.pk),
            )
            forms = (
                '\n        <tr><td colspan="6">\n          <div class="acc-actions">\n'
                f'          <form method="post" action="{_e(renew)}"'
                f' class="inline">{csrf}\n'
                f'            <label class="sr-only" for="renew-arr-{pk}">{words["new_arr"]}'
                "</label>\n"
                f'            <input id="renew-arr-{pk}" type="number" name="arr" min="0"'
                f' placeholder="{arr}">\n'
                f'            <button type="submit">{words["renew"]}</button></form>\n'
                f'          <form method="post" action="{_e(expand)}"'
                f' class="inline">{csrf}\n'
                f'            <label class="sr-only" for="expand-arr-{pk}">{words["new_arr"]}'
                "</label>\n"
                f'            <input id="expand-arr-{pk}" type="number" name="arr" min="{arr}"'
                f' required placeholder="{words["new_arr"]}">\n'
                f'            <button type="submit">{words["expand"]}</button></form>\n'
                "          </div>\n        </td></tr>\n        "
            )
        out.append(
            f"\n        <tr><td>{_e(c.plan)}<br>"
            f'<span class="muted">{_e(c.external_id)}</span></td>\n'
            f'        <td class="acc-num">{_e(money(c.arr, c.currency))}</td>\n'
            f"        <td>{_e(_day(c.start_date, ''))} – {_e(_day(c.renewal_date, ''))}</td>\n"
            f"        <td>{_label(status_labels, c.status)}</td>\n"
            f"        <td>{history}</td>\n"
            f"        {actions}</tr>\n        {forms}\n      "
        )
    if not out:
        return _empty(_("No contracts yet."), can_edit)
    return mark_safe("".join(out))


def _actions_cell(
    url: Callable[[str, int], str], kind: str, pk: int, words: dict[str, str], *, can_delete: bool
) -> str:
    """The row's edit link (and delete link: `can_delete`) of a contact or contract (`kind`)."""
    delete = ""
    if can_delete:
        delete = (
            f' · <a href="{_e(url(f"accounts:{kind}_delete", pk))}"'
            f' data-testid="{kind}-delete">{words["delete"]}</a>'
        )
    return (
        f'<td class="acc-row-actions"><a href="{_e(url(f"accounts:{kind}_edit", pk))}"'
        f' data-testid="{kind}-edit">{words["edit"]}</a>{delete}</td>'
    )


def _url(request: HttpRequest, name: str, pk: int) -> str:
    return tenant_reverse(request, name, pk=pk)


def _empty(text: str, can_edit: bool) -> SafeString:
    """A table's `{% empty %}` row."""
    return format_html(
        '<tr><td colspan="{}" class="muted">{}</td></tr>\n      ', 6 if can_edit else 5, text
    )
