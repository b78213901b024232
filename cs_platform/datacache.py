"""Page data cached per tenant and data version.

The data version rises with every statement that writes a watched table (see
`junkan_data_version_watch` in migration 0007 and the apps' migrations that call it), so a key
made of the tenant, its data version and the language is never served after a change: the
next read computes again under the new version; old keys expire by themselves.

How it rises without making writers wait (migration 0008): the statement's trigger inserts a
`DataVersionBump` row, and the version is the tenant's `DataVersion` counter plus its bumps,
read in one statement. Committed bumps only add to it, in whatever order writers commit, and a
compaction folds bumps into the counter in one statement (the sum does not move). Raising the
counter row itself, as before, locked it until the writing transaction ended: every other
writer of the tenant (a recompute chunk, an import, a CSM's phase move) queued behind it.

A second channel, the touch version (migration 0010, `touch_version`), works the same way
for the tables touches come from (content views, sent e-mails, meetings, seminars, rules and
their firings): only the planner's measured reach and value key by it, so a Learn & Support
read or a sent e-mail does not make every cached page compute again.

Account 360's kept parts key by one account's version (migration 0012, `account_version`,
`account_cache_key`): the same bumps, per account, moved by every table the data version
watches that holds the account's rows (and by its row 0 for what every account's page shows),
so an edit of one account keeps every other account's kept panels. Its scores and alerts
move a second version of the account instead (migration 0015, `account_score_version`,
`account_cache_key(…, scores=True)`), which only the parts that show them key by: the nightly
recompute keeps every other part of the page.

Reading the version is one indexed query over at most `COMPACT_AT` bumps (the read compacts
past that; beat folds every tenant's hourly). When Redis is down the cache fails open
(`cs_platform.degraded`) and every read computes.

A key names the versions its value was computed under, so what it holds does not change: each
web process also keeps the values its page views read or computed (`_ProcessCopies`), and a
page view whose versions have not moved since reads them without a Redis round trip (the
dashboard made five, three of them for its panels' data). The versions themselves are still
read from the database on every page view, so a write is seen on the very next one.
"""

from __future__ import annotations

import contextlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.signals import request_finished
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils.translation import get_language

from .requestmemo import in_page_view, request_memoized
from .scoping import cross_tenant, require_current_tenant

T = TypeVar("T")

CACHE_SECONDS = 24 * 60 * 60
COMPACT_AT = 500
_MISSING = object()


@dataclass(frozen=True)
class _Channel:
    """A version channel: a counter row per tenant and the bump rows its triggers insert."""

    counter: str
    bumps: str
    lock: str


# The data version: every cached page keys by it.
DATA = _Channel("cs_platform_dataversion", "cs_platform_dataversionbump", "junkan.dataversion")
# The touch version (migration 0010): raised by the tables touches come from, read only by
# what reads touches (the touch planner's measured reach and value).
TOUCHES = _Channel(
    "cs_platform_touchversion", "cs_platform_touchversionbump", "junkan.touchversion"
)
# The work version (migration 0011): raised by the tasks, action steps, journey maps and
# templates, the timeline, contacts, memberships and members' names, read only by Account
# 360's journeys panels (with the data and touch versions).
WORK = _Channel("cs_platform_workversion", "cs_platform_workversionbump", "junkan.workversion")
CHANNELS = (DATA, TOUCHES, WORK)
# The account version (migration 0012): not a tenant's channel but one per account, raised by
# that account's rows the journeys panels show and by what every account's page shows (its
# `EVERY_ACCOUNT` row, 0); read only by those panels, in place of the work version.
ACCOUNTS = _Channel(
    "cs_platform_accountversion", "cs_platform_accountversionbump", "junkan.accountversion"
)
# The account's score version (migration 0015): per account as the account version, moved by
# its scores and alerts and its row 0 by the tenant's latest scored day; read with the
# account's version, keyed by only the parts of Account 360 that show scores.
ACCOUNT_SCORES = _Channel(
    "cs_platform_accountscoreversion",
    "cs_platform_accountscoreversionbump",
    "junkan.accountscoreversion",
)
# The request memo's key of the versions a page view has read, by channel lock name.
_VERSIONS_MEMO = "junkan.versions"

# Bumps folded into the counters: the counter grows by what the same statement deleted.
_FOLD = """
WITH gone AS (DELETE FROM {bumps} {where} RETURNING tenant_id),
     counted AS (SELECT tenant_id, count(*) AS n FROM gone GROUP BY tenant_id)
UPDATE {counter} d SET version = d.version + counted.n
FROM counted WHERE d.tenant_id = counted.tenant_id
"""


def data_version() -> int:
    """The data version of the tenant in scope (its row is created on the first read).

    NOTE: a new row starts at a random number, not 0: a database created again (tests, a
    restore) must not meet the keys an earlier one left in Redis under the same tenant id."""
    return _versions(DATA)[0]


def touch_version() -> int:
    """The touch version of the tenant in scope: as `data_version`, on the touch channel
    (content views, sent e-mails, meetings, seminars and their registrations, rules and their
    firings). Only a value computed from touches keys by it, beside the data version."""
    return _versions(TOUCHES)[0]


def work_version() -> int:
    """The work version of the tenant in scope: as `data_version`, on the work channel (what
    Account 360's journey map, timeline and tasks show besides the data version's tables)."""
    return _versions(WORK)[0]


def account_version(account_id: int) -> int:
    """The version of one account of the tenant in scope: as `work_version`, but moved only by
    writes to that account's rows (its tasks, action steps, journey map, timeline, contacts)
    and by what every account's page shows (memberships, members' names, journey templates),
    so a ticked task keeps every other account's kept panels (migration 0012).

    On a page view, asked before the tenant's versions, it is read in their statement."""
    return _versions(account=account_id)[0]


def account_score_version(account_id: int) -> int:
    """The score version of one account of the tenant in scope: as `account_version`, but
    moved only by the account's scores (nightly and intra-day) and alerts, and for every
    account by a move of the tenant's latest scored day (migration 0015); read in the same
    statement as the account's version."""
    return _versions(account=account_id, scores=True)[1]


def _account_lock(account_id: int, channel: _Channel = ACCOUNTS) -> str:
    return f"{channel.lock}:{account_id}"


def _versions(
    *wanted: _Channel, account: int | None = None, scores: bool = False
) -> tuple[int, ...]:
    """The versions of the `wanted` channels of the tenant in scope (then `account`'s, if
    given, and with `scores` its score version), in one statement.

    On a page view each channel is read once, and the first read takes every other channel
    in the same statement (Account 360 keys by all of them): the page's cached parts are then
    all keyed by the same versions. Only a wanted channel's missing row is made there; another
    channel's waits until a caller wants it (making one costs three more statements)."""
    tenant_id = require_current_tenant().pk
    locks = [c.lock for c in wanted] + ([] if account is None else [_account_lock(account)])
    if scores and account is not None:
        locks.append(_account_lock(account, ACCOUNT_SCORES))
    if not in_page_view():
        if len(wanted) == 1 and account is None:
            return (_read(wanted[0], tenant_id),)
        versions = _read_all(tenant_id, wanted, account=account)
        return tuple(versions[lock] for lock in locks)
    known: dict[str, int] = request_memoized((_VERSIONS_MEMO, tenant_id), dict)
    missing = tuple(c for c in wanted if c.lock not in known)
    account_missing = account is not None and _account_lock(account) not in known
    if missing or account_missing:
        others = tuple(c for c in CHANNELS if c.lock not in known and c not in missing)
        known.update(
            _read_all(tenant_id, missing, others, account=account if account_missing else None)
        )
    return tuple(known[lock] for lock in locks)


def _read_all(
    tenant_id: int,
    wanted: tuple[_Channel, ...],
    others: tuple[_Channel, ...] = (),
    *,
    account: int | None = None,
) -> dict[str, int]:
    """The versions of the `wanted` and `others` channels of the tenant by their lock names,
    and `account`'s version and score version, in one statement. A wanted channel whose row
    is missing is read, and its row made, by `_read` (the account's by `_read_account`);
    another such channel is left out.

    NOTE: one call of `junkan_versions` (migration 0013), which returns every channel's
    counter and bumps in `CHANNELS` order, then the account's, then its score version's
    (cs_platform 0015): PostgreSQL plans its query once
    per connection, where the same nine sub-SELECTs sent as a statement were planned on every
    page view (0.35-0.5 ms each time)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM junkan_versions(%s, %s)", [tenant_id, account])
        row = cursor.fetchone()
    versions = {}
    for channel in wanted + others:
        i = CHANNELS.index(channel)
        version, bumps = row[2 * i], row[2 * i + 1]
        if version is None:
            if channel in wanted:
                versions[channel.lock] = _read(channel, tenant_id)
            continue
        if bumps > COMPACT_AT:
            _compact(channel, tenant_id)
        versions[channel.lock] = int(version) + int(bumps)
    if account is not None:
        n = 2 * len(CHANNELS)
        for i, channel in enumerate(ACCOUNT_CHANNELS):
            own = row[n + 3 * i : n + 3 * i + 3]
            versions[_account_lock(account, channel)] = _account_sum(
                channel, tenant_id, account, own
            )
    return versions


# The per-account channels, in `junkan_versions`' order after the tenant's.
ACCOUNT_CHANNELS = (ACCOUNTS, ACCOUNT_SCORES)

# An account's version on a per-account channel: the tenant's row 0 (None when missing), the
# account's own row (made by compaction) and the bumps of both.
_ACCOUNT_COLUMNS = (
    "(SELECT version FROM {counter} WHERE tenant_id = %(tenant)s AND account_id = 0),"
    " (SELECT version FROM {counter} WHERE tenant_id = %(tenant)s AND account_id = %(account)s),"
    " (SELECT count(*) FROM {bumps}"
    " WHERE tenant_id = %(tenant)s AND account_id IN (0, %(account)s))"
)


def _account_sum(
    channel: _Channel, tenant_id: int, account_id: int, row: tuple[int | None, ...]
) -> int:
    every, own, bumps = row
    if every is None:
        return _read_account(channel, tenant_id, account_id)
    if bumps > COMPACT_AT:
        _compact_accounts(channel, tenant_id)
    return int(every) + int(own or 0) + int(bumps)


def _read_account(channel: _Channel, tenant_id: int, account_id: int) -> int:
    """`account_id`'s version on `channel`, the tenant's row 0 made first (at a random number,
    as `_read` makes a channel's row) so the triggers count the writes that follow."""
    params = {"tenant": tenant_id, "account": account_id}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {channel.counter} (tenant_id, account_id, version)"
            " VALUES (%(tenant)s, 0, floor(random() * 1e15)::bigint)"
            " ON CONFLICT (tenant_id, account_id) DO NOTHING",
            params,
        )
        columns = _ACCOUNT_COLUMNS.format(counter=channel.counter, bumps=channel.bumps)
        cursor.execute("SELECT " + columns, params)
        row = cursor.fetchone()
    return _account_sum(channel, tenant_id, account_id, row)


def _read(channel: _Channel, tenant_id: int) -> int:
    select = (
        f"SELECT d.version, (SELECT count(*) FROM {channel.bumps} b"
        f" WHERE b.tenant_id = d.tenant_id) FROM {channel.counter} d WHERE d.tenant_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(select, [tenant_id])
        row = cursor.fetchone()
        if row is None:
            # Created before the caller reads its data, so a write that lands in between
            # raises it and the data computed now is only ever keyed by an older number.
            cursor.execute(
                f"INSERT INTO {channel.counter} (tenant_id, version)"
                " VALUES (%s, floor(random() * 1e15)::bigint)"
                " ON CONFLICT (tenant_id) DO NOTHING",
                [tenant_id],
            )
            cursor.execute(select, [tenant_id])
            row = cursor.fetchone()
    version, bumps = int(row[0]), int(row[1])
    if bumps > COMPACT_AT:
        _compact(channel, tenant_id)
    return version + bumps


def _compact(channel: _Channel, tenant_id: int) -> None:
    """Fold the tenant's bumps into its counter, unless another session is doing it now."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtext(%s), %s)", [channel.lock, tenant_id]
        )
        if cursor.fetchone()[0]:
            cursor.execute(_fold(channel, "WHERE tenant_id = %s"), [tenant_id])


def _fold(channel: _Channel, where: str) -> str:
    return _FOLD.format(bumps=channel.bumps, counter=channel.counter, where=where)


# A per-account channel's bumps folded into each account's row (made at the first fold).
_FOLD_ACCOUNTS = """
WITH gone AS (DELETE FROM {bumps} {where} RETURNING tenant_id, account_id),
     counted AS (SELECT tenant_id, account_id, count(*) AS n FROM gone
                 GROUP BY tenant_id, account_id)
INSERT INTO {counter} (tenant_id, account_id, version)
SELECT tenant_id, account_id, n FROM counted
ON CONFLICT (tenant_id, account_id)
DO UPDATE SET version = {counter}.version + EXCLUDED.version
"""


def _fold_accounts(channel: _Channel, where: str) -> str:
    return _FOLD_ACCOUNTS.format(bumps=channel.bumps, counter=channel.counter, where=where)


def _compact_accounts(channel: _Channel, tenant_id: int) -> None:
    """Fold the tenant's bumps on a per-account channel into its accounts' rows, unless
    another session is doing it now."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtext(%s), %s)", [channel.lock, tenant_id]
        )
        if cursor.fetchone()[0]:
            cursor.execute(_fold_accounts(channel, "WHERE tenant_id = %s"), [tenant_id])


def data_versions_compact() -> int:
    """Beat, hourly: fold every tenant's bumps into its counters, on every channel and the
    accounts' (tenants whose pages nobody reads compact nowhere else). Returns how many
    counters moved."""
    moved = 0
    with cross_tenant("sweep"), connection.cursor() as cursor:
        for channel in CHANNELS:
            cursor.execute(_fold(channel, ""))
            moved += cursor.rowcount
        for channel in ACCOUNT_CHANNELS:
            cursor.execute(_fold_accounts(channel, ""))
            moved += cursor.rowcount
    return moved


class _ProcessCopies:
    """The values a process's page views read from the cache or computed, by their cache key
    (which names the versions), least recently used first, up to `max_bytes` in all.

    Kept pickled, as Redis keeps them: each read gets its own copy, so a caller that changes
    what it was given cannot change what the next page view gets."""

    def __init__(self, *, max_bytes: int, max_value_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_value_bytes = max_value_bytes
        self._values: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            raw = self._values.get(key)
            if raw is None:
                return _MISSING
            self._values.move_to_end(key)
        return pickle.loads(raw)

    def holds(self, key: str) -> bool:
        return key in self._values

    def keep(self, key: str, value: Any) -> None:
        raw = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        if len(raw) > self.max_value_bytes:
            return
        with self._lock:
            old = self._values.pop(key, None)
            self._bytes += len(raw) - (len(old) if old is not None else 0)
            self._values[key] = raw
            while self._bytes > self.max_bytes:
                _key, dropped = self._values.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes = 0


PROCESS_COPIES = _ProcessCopies(max_bytes=32 * 1024 * 1024, max_value_bytes=1024 * 1024)


def _cached(full_key: str, fresh: Callable[[Any], bool] | None) -> Any:
    """The value kept under `full_key`: this process's copy on a page view, else Redis's
    (then copied); `_MISSING` when neither has a fresh one."""
    page_view = in_page_view()
    if page_view:
        value = _copied_later(full_key)
        if value is _MISSING:
            value = PROCESS_COPIES.get(full_key)
        if value is not _MISSING and (fresh is None or fresh(value)):
            return value
    value = cache.get(full_key, _MISSING)
    if value is _MISSING or (fresh is not None and not fresh(value)):
        return _MISSING
    if page_view:
        PROCESS_COPIES.keep(full_key, value)
    return value


# A kept value's (name, key, touches, account): what `_full_key` is given.
_Read = tuple[str, str, bool, int | None]


@dataclass
class _ReadAhead:
    """A page view's values read ahead (`data_cache_read_ahead`): the full keys asked for,
    the values found among them, and the (name, key, touches) this view reads, in order."""

    asked: set[str] = field(default_factory=set)
    found: dict[str, object] = field(default_factory=dict)
    reads: dict[_Read, None] | None = None


# The request memo's key of its `_ReadAhead`.
_READ_AHEAD_MEMO = "junkan.datacache.read_ahead"
# What each page's latest view read through `cached_for_data_version`, by page: the next
# view of the page reads them ahead. Only names and keys: bounded by what one view reads.
_reads_by_page: dict[str, dict[_Read, None]] = {}


def _read_ahead() -> _ReadAhead | None:
    return request_memoized(_READ_AHEAD_MEMO, _ReadAhead) if in_page_view() else None


def _full_key(name: str, key: str, *, touches: bool, account: int | None = None) -> str:
    return f"{_key_prefix(touches=touches, account=account)}{name}:{key}"


def _key_prefix(*, touches: bool, account: int | None = None, scores: bool = False) -> str:
    tenant = require_current_tenant()
    if account is not None and scores:  # and its score version
        version = "a{}.{}.s{}".format(account, *_versions(account=account, scores=True))
    elif account is not None:  # the account's version in place of the data version
        version = f"a{account}.{_versions(account=account)[0]}"
    else:
        version = ".".join(map(str, _versions(DATA, TOUCHES) if touches else _versions(DATA)))
    return f"datacache:{tenant.pk}:{version}:{get_language()}:"


def data_cache_read_ahead(page: str, *reads: tuple[str, str] | tuple[str, str, int]) -> None:
    """On a page view, read in one cache round trip the values `cached_for_data_version`
    will be asked for: `reads` ((name, key) pairs, e.g. the page's own, or (name, key,
    account) for a value kept under an account's version) and whatever the page's latest
    view read (the extensions' cached reads, which the page does not know).

    Keyed as every read is (the tenant, its versions, the language), so nothing read ahead
    is staler than a read of its own would be: a value the view then asks for comes from
    here, a miss is computed without asking the cache again. Outside a page view: nothing."""
    ahead = _read_ahead()
    if ahead is None:
        return
    own: list[_Read] = [(r[0], r[1], False, r[2] if len(r) > 2 else None) for r in reads]
    # NOTE: a latest view's read under another account's version is left out: its key would
    # cost a read of that account's version (a statement), for a value this view never asks.
    accounts = {read[3] for read in own}
    latest = [read for read in _reads_by_page.get(page, {}) if read[3] in accounts | {None}]
    wanted = dict.fromkeys([*own, *latest])
    ahead.reads = _reads_by_page[page] = {}
    keys = {
        _full_key(name, key, touches=touches, account=account)
        for name, key, touches, account in wanted
    }
    keys = {k for k in keys if not PROCESS_COPIES.holds(k)}  # read from the process instead
    if keys:
        ahead.found.update(cache.get_many(list(keys)))
        ahead.asked |= keys


def cached_for_data_version(
    name: str,
    compute: Callable[[], T],
    *,
    key: str = "",
    fresh: Callable[[T], bool] | None = None,
    touches: bool = False,
    account: int | None = None,
) -> T:
    """`compute()`, or its value from the cache if the tenant's data has not changed since
    (and, with `fresh`, while `fresh(value)` holds: for a value that also ages with the clock).

    With `touches`, also keyed by the touch version: for a value computed from touches (the
    tables the data version no longer watches for them: see `touch_version`). With
    `account`, keyed by that account's version instead of the data version: for a value
    computed from the account's own rows and what every account's page shows only
    (`account_cache_key`)."""
    full_key = _full_key(name, key, touches=touches, account=account)
    ahead = _read_ahead()
    if ahead is not None and ahead.reads is not None:
        ahead.reads[(name, key, touches, account)] = None
    if ahead is not None and full_key in ahead.asked:
        value = ahead.found.get(full_key, _MISSING)
        if value is not _MISSING and (fresh is None or fresh(value)):  # type: ignore[arg-type]
            PROCESS_COPIES.keep(full_key, value)
        else:
            value = _MISSING
    else:
        value = _cached(full_key, fresh)  # type: ignore[arg-type]
    if value is _MISSING:
        value = compute()
        held = _held_writes.get()
        if held is not None:
            held[full_key] = value
        else:
            cache.set(full_key, value, CACHE_SECONDS)
        if ahead is not None:  # a page view
            _copy(full_key, value)
            if full_key in ahead.asked:
                ahead.found[full_key] = value
    return value  # type: ignore[no-any-return]


def data_cache_key(name: str, key: str = "") -> str:
    """The key `cached_for_data_version` keeps `name` (and `key`) under: the tenant in scope,
    its data version and the active language (for callers that read many at once)."""
    return _full_key(name, key, touches=False)


def account_cache_key(account_id: int, name: str, key: str = "", *, scores: bool = False) -> str:
    """The key a value computed from one account's rows (and from what every account's page
    shows) is kept under: the tenant in scope, the account's version and the active language;
    with `scores`, its score version too (`account_score_version`): for a value that shows
    the account's scores or alerts, which move that version only.

    NOTE: not the data version: an edit of another account keeps it. Every table the data
    version watches moves the account's version too (its own rows the account's, the
    tenant's settings every account's: cs_platform 0012 and the apps' migrations that watch
    them), so the value is never staler than one kept under the data version, unless it
    reads other accounts' rows: such a read must be in `key` (e.g. the tenant's latest
    scored day)."""
    return f"{account_cache_key_prefix(account_id, scores=scores)}{name}:{key}"


def account_cache_key_prefix(account_id: int, *, scores: bool = False) -> str:
    """What every `account_cache_key(account_id, …, scores=scores)` begins with (`name` and
    `key` follow): for a page that makes many such keys at once (Account 360's panels), the
    tenant, the account's versions and the language worked out once. `account_cache_key(
    account_id, name, key)` is `f"{account_cache_key_prefix(account_id)}{name}:{key}"`."""
    return _key_prefix(touches=False, account=account_id, scores=scores)


def kept_many(keys: Iterable[str]) -> dict[str, Any]:
    """The values kept under these full keys (`data_cache_key`'s, which name the versions):
    on a page view this process's copies first, the cache's for the rest in one round trip
    (then copied). For a page that reads many kept parts at once (Account 360's panels)."""
    keys = list(keys)
    if not in_page_view():
        return cache.get_many(keys) if keys else {}
    found: dict[str, Any] = {}
    for key in keys:
        value = _copied_later(key)
        if value is _MISSING:
            value = PROCESS_COPIES.get(key)
        if value is not _MISSING:
            found[key] = value
    missing = [key for key in keys if key not in found]
    if missing:
        fetched = cache.get_many(missing)
        for key, value in fetched.items():
            PROCESS_COPIES.keep(key, value)
        found.update(fetched)
    return found


def keep_many(values: dict[str, Any]) -> None:
    """Keep `values` by their full keys (see `kept_many`): in the cache, and on a page view in
    this process too."""
    held = _held_writes.get()
    if held is not None:
        held.update(values)
    else:
        cache.set_many(values, CACHE_SECONDS)
    if in_page_view():
        for key, value in values.items():
            _copy(key, value)


def _copy(key: str, value: Any) -> None:
    """This process's copy of a value a page view computed: made with the view's cache
    writes once its response is sent, in a block that leaves them for then (pickling is a
    copy's cost: 0.3 ms of Account 360's first view, its account and 14 parts of HTML), else
    now."""
    later = _held_copies.get()
    if later is not None:
        later[key] = value
    else:
        PROCESS_COPIES.keep(key, value)


def _copied_later(key: str) -> Any:
    """A value this page view computed whose copy is made after its response, else
    `_MISSING`: a second read of it in the view is served it (as a value read ahead is), not
    computed again."""
    later = _held_copies.get()
    return _MISSING if later is None else later.get(key, _MISSING)


# The cache writes `cache_writes_together` holds for the end of its block, by full key.
_held_writes: ContextVar[dict[str, Any] | None] = ContextVar("junkan_held_writes", default=None)
# The same, in a block that leaves them for the response's end: also the process's copies to
# make then (`_copy`).
_held_copies: ContextVar[dict[str, Any] | None] = ContextVar("junkan_held_copies", default=None)
# What blocks `cache_writes_together(after_response=True)` left for their request's end, by
# full key: written when the response is closed (`request_finished`), in the thread that
# served it (a WSGI server closes it there; so does Django's ASGI handler, thread-sensitive).
_after_response = threading.local()


@contextlib.contextmanager
def cache_writes_together(*, after_response: bool = False) -> Iterator[None]:
    """On a page view, the block's cache writes (`cached_for_data_version`'s, `keep_many`'s)
    made at its end in one round trip (Account 360's first view: its account's read, then its
    content and panels), not one each; this process keeps its copies at once, as before.
    With `after_response`, made once the response is sent (`request_finished`), and this
    process's copies of what the block computed then too: the person does not wait for them.

    NOTE: nothing is kept longer or staler: each value still goes under the key that names
    the versions it was read under, and the block's end writes them (or leaves them for the
    response's end) whether it returns or raises (a kept None is a 404's). A view in another
    process that asks before they are written computes them itself, as it would have."""
    if not in_page_view() or _held_writes.get() is not None:
        yield
        return
    held: dict[str, Any] = {}
    token = _held_writes.set(held)
    copies = _held_copies.set(held if after_response else None)
    try:
        yield
    finally:
        _held_copies.reset(copies)
        _held_writes.reset(token)
        if held and after_response:
            if getattr(_after_response, "writes", None) is None:
                _after_response.writes = {}
            _after_response.writes.update(held)
        elif held:
            cache.set_many(held, CACHE_SECONDS)


@receiver(request_finished)
def _write_after_response(**kwargs: Any) -> None:
    writes = getattr(_after_response, "writes", None)
    if writes:
        _after_response.writes = None
        cache.set_many(writes, CACHE_SECONDS)
        for key, value in writes.items():
            PROCESS_COPIES.keep(key, value)


def page_cached(
    name: str, compute: Callable[[], T], *, key: str = "", account: int | None = None
) -> T:
    """`cached_for_data_version` on a page view, else `compute()`.

    NOTE: a write's transaction sees its own uncommitted rows (and the version they raise);
    kept under that version, a value a rollback undid would be served once a later write
    brings the version back to the same number. Page views (safe requests) write nothing."""
    if not in_page_view():
        return compute()
    return cached_for_data_version(name, compute, key=key, account=account)
