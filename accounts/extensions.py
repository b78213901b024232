"""Extension points of the account pages and segments, filled by the apps above accounts.

journeys, healthscore, touchmodel and content add panels to Account 360, filters and columns
to the account list, and rule keys to segments, without accounts importing them. Register in
`AppConfig.ready()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .models import Account

logger = logging.getLogger(__name__)


# The key of a `scores` panel's context that says whether this account's panel showed a score
# (`AccountPanel.scores`; e.g. a journey map without milestones judges none).
SCORES_READ = "scores_read"


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
    # Kept as HTML per account under the account's version (cs_platform.datacache
    # `account_cache_key`) when set: `cache_key(request, account)` names what the panel shows
    # besides the account's rows and what every account's page shows (the tables that move
    # the account's version), e.g. the day, or another account's rows; the account, its
    # version, the member's role, the page's address and the language are in the key already.
    # None: rendered on every view.
    cache_key: Callable[[HttpRequest, Account], str] | None = None
    # Kept under the account's score version too (`account_cache_key(…, scores=True)`): set
    # by a panel that shows the account's scores or alerts (nightly or intra-day) or judges
    # by the tenant's latest scored day: those move the score version, not the account's.
    # Its context may say `{SCORES_READ: False}` when this account's panel showed no score:
    # kept then without the score version, until the account's version moves.
    scores: bool = False
    # Announces the read its context will make (`cs_platform.leancalls.lean_call_ahead`) when
    # the panel is to be built: the first-view reads so announced are sent in one statement.
    read_ahead: Callable[[HttpRequest, Account], None] | None = None


def account_panel_key(request: HttpRequest, account: Account) -> str:
    """The `cache_key` of a panel whose tables move the account's version (its own rows, and
    what every account's page shows; the key names the version already): the time zone and
    the day its dates and windows are in."""
    return f"{timezone.get_current_timezone_name()}:{timezone.localdate().isoformat()}"


@dataclass(frozen=True)
class AccountListExtension:
    """A filter and/or column on the account list (and the accounts API's `?key=` filter).

    `choices()` gives the filter's options; `aliases()` other values the filter accepts
    without offering them (e.g. phase keys); any other value is refused (the API's 400).
    `apply(queryset, value)` filters; `annotate(qs)` adds the column's value as an
    annotation named `key` (the value the API returns, and the sort without a `sort_key`).
    `sort_key` names the account column the list sorts the column by (one its app keeps
    exact and indexed, e.g. `list_health_rank`: the list then reads the index in its keyset
    order instead of computing a value per account). `fill(accounts)` sets on the rows of one
    page what `column`/`template` show, in a fixed number of queries: the list page calls it
    in place of `annotate`, which would compute the column for every row it reads.
    `sort_groups()`, with a `sort_key`: the column sorts by the group of the key's value, the
    groups in this order (each a list of the key's values, None for NULL), so that an order
    that lives elsewhere (the phases' order) is read there and no account row is rewritten
    when it changes (`cs_platform.keyset.KeysetGroups`; the key's index on (tenant, key,
    name, id) serves each group).
    """

    key: str
    label: Any
    choices: Callable[[], list[tuple[str, str]]] | None = None
    aliases: Callable[[], list[str]] | None = None
    apply: Callable[[QuerySet[Account], str], QuerySet[Account]] | None = None
    annotate: Callable[[QuerySet[Account]], QuerySet[Account]] | None = None
    template: str | None = None  # renders the column cell; gets `account` and `value`
    # The column's cells of one page (its rows, filled), as HTML with every value escaped,
    # in place of `template`: a call per page costs a fraction of a template include (or a
    # call) per row, and what every cell shares (a word, a label) is looked up once.
    column: Callable[[Sequence[Account]], list[str]] | None = None
    sort_key: str | None = None
    sort_groups: Callable[[], list[list[Any]]] | None = None
    fill: Callable[[Sequence[Account]], None] | None = None
    order: int = 100
    # The column's cells stay what they are while the tenant's data version and the language
    # do (everything they show is on tables the data version watches): the list then keeps
    # them with its rows (`accounts.listing`). False: `fill` and `column` run on every view.
    cells_kept: bool = False


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


_M = TypeVar("_M", bound=Model)

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


def bulk_value_row(rows: QuerySet[_M], value: str, *, refusal: Any) -> _M:
    """The row of `rows` (the queryset a bulk action's `choices` list) that the picked value,
    a primary key, names; a ValidationError on the value saying `refusal` when none does
    (not a number, or gone since the confirmation)."""
    row = rows.filter(pk=int(value)).first() if value.isdigit() else None
    if row is None:
        raise ValidationError({"value": refusal})
    return row


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


# Content for the touch model's e-mails ------------------------------------------------------
# touchmodel's tech-touch e-mails recommend Learn & Support articles, its "content read" rules
# watch articles and sections, and Learn & Support picks articles by the reader's touch tier.
# content and touchmodel are siblings that never import each other (an import-linter contract):
# content registers its recommender and its choices here, touchmodel the tier source.
#
#     register_content_recommender(recommend)   # content: readers -> {contact id: Recommendation}
#     register_account_tier_source(tier_by_account)   # touchmodel
#
# A recommender is called once per chunk of rule firings (up to a few hundred recipients) with
# the tenant in scope, and must answer for all of them in a fixed number of queries. Each
# recipient gets the articles of the first recommender that returns any for them; with none
# registered (or none returning articles) the e-mail links to the Learn & Support home page,
# the recommender's signed `home_url` when it gave one.


@dataclass(frozen=True)
class ContentReader:
    """One recipient of a tech-touch e-mail. `contact` is an accounts.Contact whose account is
    loaded; `language` is the e-mail's; `tier` the account's touch tier; `ref` names the
    firing that sends it ("firing:<id>"): content records it on the reads the links bring, so
    the effect chain credits them to the rule's program."""

    contact: Any
    language: str
    tier: str
    ref: str = ""


@dataclass(frozen=True)
class RecommendedArticle:
    key: str  # stable id of the article (its slug), recorded on the firing
    title: str
    url: str  # absolute; a link signed for the recipient


@dataclass(frozen=True)
class Recommendation:
    articles: list[RecommendedArticle] = field(default_factory=list)
    home_url: str = ""  # the site's home page, signed for the recipient


ContentRecommender = Callable[[Sequence[ContentReader]], Mapping[int, Recommendation]]

_recommenders: list[ContentRecommender] = []


def register_content_recommender(fn: ContentRecommender) -> None:
    if fn not in _recommenders:
        _recommenders.append(fn)


def unregister_content_recommender(fn: ContentRecommender) -> None:
    if fn in _recommenders:
        _recommenders.remove(fn)


def content_recommendations(readers: Sequence[ContentReader]) -> dict[int, Recommendation]:
    """What to link in each reader's e-mail, by contact id (readers nobody answered for are
    missing)."""
    found: dict[int, Recommendation] = {}
    for fn in list(_recommenders):
        waiting = [r for r in readers if not found.get(r.contact.pk, Recommendation()).articles]
        if not waiting:
            break
        try:
            answers = dict(fn(waiting) or {})
        except Exception:
            # A broken recommender must not stop the playbook: fall back to the next one.
            logger.exception("content recommender %r failed", fn)
            continue
        for reader in waiting:
            answer = answers.get(reader.contact.pk)
            if answer is None:
                continue
            earlier = found.get(reader.contact.pk)
            if answer.articles or earlier is None:
                found[reader.contact.pk] = answer
    return found


Choices = Callable[[], list[tuple[str, str]]]

_content_choices: dict[str, Choices] = {}


def register_content_choices(*, articles: Choices, sections: Choices) -> None:
    """(slug, title) of the published articles and (key, name) of the sections of the tenant
    in scope, in the user's language: what a "content read" rule can watch."""
    _content_choices.update(articles=articles, sections=sections)


def content_choices(kind: str) -> list[tuple[str, str]]:
    """`kind` is "articles" or "sections"; [] when content registered none."""
    fn = _content_choices.get(kind)
    return [(str(value), str(label)) for value, label in fn()] if fn else []


AccountTierSource = Callable[..., dict[int, str]]

_tier_sources: list[AccountTierSource] = []


def register_account_tier_source(fn: AccountTierSource) -> None:
    """`fn(account_ids=[...]) -> {account id: touch tier}` (touchmodel)."""
    if fn not in _tier_sources:
        _tier_sources.append(fn)


def account_tiers(*, account_ids: list[int]) -> dict[int, str]:
    """The touch tier of each account, from the registered source ({} with none)."""
    for fn in _tier_sources:
        return fn(account_ids=account_ids)
    return {}
