"""Extension points of the account pages and segments, filled by the apps above accounts.

journeys, healthscore, touchmodel and content add panels to Account 360, filters and columns
to the account list, and rule keys to segments, without accounts importing them. Register in
`AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Account


@dataclass(frozen=True)
class AccountPanel:
    """A block on the Account 360 page.

    slot "header": a small labelled value in the page header (phase, health …);
    "main" / "side": a section in the main or side column.
    """

    key: str
    template: str
    get_context: Callable[[HttpRequest, Account], dict[str, Any]]
    slot: Literal["header", "main", "side"] = "main"
    order: int = 100


@dataclass(frozen=True)
class AccountListExtension:
    """A filter and/or column on the account list (and the accounts API's `?key=` filter).

    `choices()` gives the filter's options; `apply(queryset, value)` filters; `annotate(qs)`
    adds the column's value as an annotation named `key` (also usable for sorting).
    """

    key: str
    label: Any
    choices: Callable[[], list[tuple[str, str]]] | None = None
    apply: Callable[[QuerySet[Account], str], QuerySet[Account]] | None = None
    annotate: Callable[[QuerySet[Account]], QuerySet[Account]] | None = None
    template: str | None = None  # renders the column cell; gets `account` and `value`
    order: int = 100


@dataclass(frozen=True)
class RuleParam:
    """One part of a structured rule value, e.g. `days` of `{"at_least": 5, "days": 30}`."""

    name: str
    label: Any
    kind: Literal["int", "str"] = "int"
    min_value: int | None = None
    max_value: int | None = None
    required: bool = True


@dataclass(frozen=True)
class SegmentRule:
    """A rule key segments may use: `apply(queryset, value)` narrows the accounts.

    A rule with `params` takes a JSON object of them (validated by accounts, one form field
    each); `clean(value)` may then check the whole object and raise ValidationError.
    """

    key: str
    label: Any
    apply: Callable[[QuerySet[Account], Any], QuerySet[Account]]
    help_text: Any = ""
    choices: Callable[[], list[tuple[str, str]]] | None = field(default=None)
    params: tuple[RuleParam, ...] = ()
    clean: Callable[[dict[str, Any]], None] | None = None


@dataclass(frozen=True)
class BulkAction:
    """A change the account list applies to many accounts at once (after a confirmation that
    says how many).

    `choices()` gives the value to pick (an owner, a tier, a segment, a playbook);
    `apply(accounts, value, actor)` changes the accounts of the queryset in a set-based way and
    returns how many it changed (ValidationError for a bad value). `permission` is the action
    of the permission map (cs_platform.permissions) the member needs.
    """

    key: str
    label: Any
    value_label: Any
    permission: str
    choices: Callable[[], list[tuple[str, str]]]
    apply: Callable[[QuerySet[Account], str, Any], int]
    done: Any  # message, formatted with %(n)s (accounts changed) and %(value)s
    order: int = 100


_panels: dict[str, AccountPanel] = {}
_bulk_actions: dict[str, BulkAction] = {}
_list_extensions: dict[str, AccountListExtension] = {}
_segment_rules: dict[str, SegmentRule] = {}


def register_account_panel(panel: AccountPanel) -> None:
    _panels[panel.key] = panel


def register_list_extension(extension: AccountListExtension) -> None:
    _list_extensions[extension.key] = extension


def register_segment_rule(rule: SegmentRule) -> None:
    _segment_rules[rule.key] = rule


def register_bulk_action(action: BulkAction) -> None:
    _bulk_actions[action.key] = action


def bulk_actions() -> list[BulkAction]:
    return sorted(_bulk_actions.values(), key=lambda a: a.order)


def account_panels(slot: str) -> list[AccountPanel]:
    return sorted((p for p in _panels.values() if p.slot == slot), key=lambda p: p.order)


def list_extensions() -> list[AccountListExtension]:
    return sorted(_list_extensions.values(), key=lambda e: e.order)


def segment_rules() -> dict[str, SegmentRule]:
    return dict(_segment_rules)


# The public (customer-facing) pages ---------------------------------------------------------
# Learn & Support (content) knows who reads (a contact signed in by a magic link); the public
# seminar pages (touchmodel) let that reader register without typing their name again, and
# Learn & Support links the seminars. Neither app imports the other: both meet here.

PublicReader = Callable[[HttpRequest], Any]


@dataclass(frozen=True)
class PublicLink:
    """A link in the public site's navigation: `url(tenant)` or None to hide it."""

    key: str
    label: Any
    url: Callable[[Any], str | None]
    order: int = 100


_public_readers: list[PublicReader] = []
_public_links: dict[str, PublicLink] = {}


def register_public_reader(resolver: PublicReader) -> None:
    """`resolver(request) -> Contact | None`: the signed-in reader of the public pages."""
    if resolver not in _public_readers:
        _public_readers.append(resolver)


def public_reader(request: HttpRequest) -> Any:
    for resolver in _public_readers:
        contact = resolver(request)
        if contact is not None:
            return contact
    return None


def register_public_link(link: PublicLink) -> None:
    _public_links[link.key] = link


def public_links(tenant: Any) -> list[tuple[str, str]]:
    """(label, url) of the public links that apply to `tenant`, in order."""
    found = []
    for link in sorted(_public_links.values(), key=lambda item: item.order):
        url = link.url(tenant)
        if url:
            found.append((str(link.label), url))
    return found
