"""Usage-event ingestion: validate each event, then one COPY and one set-based statement.

The write path for a batch (all inside one transaction):
1. COPY the valid events into a temporary table.
2. One statement with data-modifying CTEs: claim the batch's idempotency keys in
   `healthscore_eventkey` (ON CONFLICT DO NOTHING … RETURNING), insert into the partitioned
   event table only the events without a key or whose key was claimed now (first occurrence
   in the batch wins), and add the inserted rows — taken from the INSERT's RETURNING — to the
   daily rollups: counts with INSERT … ON CONFLICT DO UPDATE SET count = count + EXCLUDED.count,
   active users with INSERT … ON CONFLICT DO NOTHING; and, with event-time scoring on, the
   accounts of the inserted rows marked dirty (`healthscore.services.now.DIRTY_CTE`, ON CONFLICT
   DO NOTHING on a partial unique index: an account already marked costs one index probe).

A retried or concurrent batch therefore neither stores a keyed event twice nor counts it twice
in the rollups. Rollup rows are written in a fixed order so concurrent batches lock them in
the same order (no deadlock cycles).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from cs_platform.models import Tenant
from cs_platform.scoping import tenant_scope

from .now import DIRTY_CTE, event_time_scoring_enabled, now_schedule_on_commit
from .partitions import partitions_ensure, retention_horizon

MAX_EVENTS = 10_000
MAX_PROPERTIES_BYTES = 8 * 1024
MAX_NAME_LENGTH = 100
MAX_KEY_LENGTH = 200
# Clocks of clients drift; beyond this an event is "in the future" and refused.
FUTURE_SKEW = dt.timedelta(minutes=5)


def max_body_bytes() -> int:
    return int(getattr(settings, "HEALTH_INGEST_MAX_BODY_BYTES", 16 * 1024 * 1024))


class BatchTooLarge(Exception):
    """More than MAX_EVENTS events, or a body larger than max_body_bytes()."""


class MalformedBatch(Exception):
    """The body is not a JSON array (or NDJSON) at all."""


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


# (account external id, contact key, event, occurred at, properties JSON, idempotency key)
_Valid = tuple[str, str | None, str, dt.datetime, str | None, str | None]


class _Rejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def events_parse(*, body: bytes, content_type: str) -> list[Any]:
    """Split a request body into events; an NDJSON line that is not JSON becomes a marker."""
    if "ndjson" in content_type or "jsonlines" in content_type:
        lines = [line for line in body.splitlines() if line.strip()]
        if len(lines) > MAX_EVENTS:
            raise BatchTooLarge
        events: list[Any] = []
        for line in lines:
            try:
                events.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                events.append(_UNPARSABLE)
        return events
    try:
        # orjson: several times faster than json, and strict (NaN, lone surrogates and
        # numbers out of range are errors here rather than in PostgreSQL's jsonb later).
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedBatch(_("The body is not valid JSON.")) from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise MalformedBatch(_("The body must be a JSON array of events."))
    if len(data) > MAX_EVENTS:
        raise BatchTooLarge
    return data


_UNPARSABLE = object()


def _optional_str(item: dict[str, Any], name: str, max_length: int) -> str | None:
    value = item.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Rejected("bad_type", _("%(name)s must be a string.") % {"name": name})
    if len(value) > max_length:
        raise _Rejected(
            "too_long",
            _("%(name)s is longer than %(max)s characters.") % {"name": name, "max": max_length},
        )
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL; one such event must not fail the whole batch.
        raise _Rejected("bad_type", _("%(name)s must not contain NUL characters.") % {"name": name})
    return value


def _required_str(item: dict[str, Any], name: str, max_length: int) -> str:
    value = _optional_str(item, name, max_length)
    if value is None:
        raise _Rejected("missing_field", _("%(name)s is required.") % {"name": name})
    return value


def _timestamp(item: dict[str, Any], *, now: dt.datetime, horizon: dt.datetime) -> dt.datetime:
    raw = item.get("timestamp")
    if raw is None or raw == "":
        raise _Rejected("missing_field", _("timestamp is required."))
    if not isinstance(raw, str):
        raise _Rejected("bad_timestamp", _("timestamp must be an ISO 8601 string."))
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise _Rejected(
            "bad_timestamp", _("timestamp is not a valid ISO 8601 date-time.")
        ) from None
    if value.tzinfo is None:
        raise _Rejected("bad_timestamp", _("timestamp must include a time zone offset."))
    if value > now + FUTURE_SKEW:
        raise _Rejected("future_timestamp", _("timestamp is more than 5 minutes in the future."))
    if value < horizon:
        raise _Rejected("too_old", _("timestamp is older than the retention period."))
    return value


def _properties(item: dict[str, Any]) -> str | None:
    value = item.get("properties")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Rejected("bad_type", _("properties must be a JSON object."))
    try:
        serialized = orjson.dumps(value)
    except TypeError:
        # Only reachable from Python callers (a decoded body holds JSON types only).
        raise _Rejected("bad_type", _("properties must contain JSON values only.")) from None
    if len(serialized) > MAX_PROPERTIES_BYTES:
        raise _Rejected("properties_too_large", _("properties are larger than 8 KB."))
    # PostgreSQL jsonb refuses NUL characters.
    if b"\\u0000" in serialized:
        raise _Rejected("bad_type", _("properties must not contain NUL characters."))
    return serialized.decode()


def _validate_slowly(item: Any, *, now: dt.datetime, horizon: dt.datetime) -> _Valid:
    """Field by field, to name the first problem."""
    if item is _UNPARSABLE:
        raise _Rejected("invalid_json", _("The line is not valid JSON."))
    if not isinstance(item, dict):
        raise _Rejected("bad_type", _("An event must be a JSON object."))
    return (
        _required_str(item, "account_id", MAX_NAME_LENGTH),
        _optional_str(item, "contact_id", MAX_NAME_LENGTH),
        _required_str(item, "event", MAX_NAME_LENGTH),
        _timestamp(item, now=now, horizon=horizon),
        _properties(item),
        _optional_str(item, "idempotency_key", MAX_KEY_LENGTH),
    )


def _short(value: Any, limit: int) -> bool:
    return type(value) is str and 0 < len(value) <= limit and "\x00" not in value


def _validate(
    item: Any, *, now: dt.datetime, horizon: dt.datetime, stamps: dict[str, dt.datetime]
) -> _Valid:
    """(account external id, contact key, event, timestamp, properties JSON, key).

    `stamps` memoises the timestamps of the batch that passed validation (batches repeat
    them), so each distinct string is parsed and checked once.

    NOTE: the hot path of ingestion: a well-formed event passes a few type checks; anything
    unusual goes through `_validate_slowly`, which gives the precise reason.
    """
    if type(item) is dict:
        get = item.get
        account, event, contact = get("account_id"), get("event"), get("contact_id")
        key, properties = get("idempotency_key"), get("properties")
        if (
            _short(account, MAX_NAME_LENGTH)
            and _short(event, MAX_NAME_LENGTH)
            and (contact is None or _short(contact, MAX_NAME_LENGTH))
            and (key is None or _short(key, MAX_KEY_LENGTH))
            and (properties is None or type(properties) is dict)
        ):
            raw = get("timestamp")
            occurred_at = stamps.get(raw) if type(raw) is str else None
            if occurred_at is None:
                occurred_at = _timestamp(item, now=now, horizon=horizon)
                stamps[raw] = occurred_at
            serialized = None if properties is None else _properties(item)
            return (account, contact, event, occurred_at, serialized, key)
    return _validate_slowly(item, now=now, horizon=horizon)


def _account_ids(*, tenant: Tenant, external_ids: set[str]) -> dict[str, int]:
    if not external_ids:
        return {}
    # NOTE: raw SQL with the ids as one JSON parameter: adapting a 1,000-item list (or
    # building the ORM's IN (…)) costs more than PostgreSQL's answer through the unique index.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.external_id, a.id FROM {Account._meta.db_table} a"
            " JOIN json_array_elements_text(%s::json) AS wanted(external_id)"
            " ON a.external_id = wanted.external_id WHERE a.tenant_id = %s",
            [orjson.dumps(list(external_ids)).decode(), tenant.pk],
        )
        return dict(cursor.fetchall())


_INSERT = """
WITH claimed AS (
    INSERT INTO healthscore_eventkey (tenant_id, idempotency_key, created_at)
    SELECT DISTINCT %(tenant)s::bigint, idempotency_key, now() FROM healthscore_ingest
    WHERE idempotency_key IS NOT NULL
    ORDER BY 2
    ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
    RETURNING idempotency_key
), chosen AS (
    SELECT * FROM healthscore_ingest WHERE idempotency_key IS NULL
    UNION ALL
    (SELECT DISTINCT ON (b.idempotency_key) b.*
     FROM healthscore_ingest b JOIN claimed c ON c.idempotency_key = b.idempotency_key
     ORDER BY b.idempotency_key, b.idx)
), ins AS (
    INSERT INTO healthscore_usageevent
        (tenant_id, account_id, contact_key, event, occurred_at, properties, idempotency_key)
    SELECT %(tenant)s, account_id, contact_key, event, occurred_at, properties, idempotency_key
    FROM chosen
    RETURNING account_id, contact_key, event, (occurred_at AT TIME ZONE %(tz)s)::date AS day
), daily AS (
    INSERT INTO healthscore_usagedaily (tenant_id, account_id, day, event, count)
    SELECT %(tenant)s, account_id, day, event, count(*) FROM ins
    GROUP BY account_id, day, event ORDER BY account_id, day, event
    ON CONFLICT (account_id, day, event, tenant_id)
    DO UPDATE SET count = healthscore_usagedaily.count + EXCLUDED.count
    RETURNING 1
), users AS (
    INSERT INTO healthscore_contactdaily (tenant_id, account_id, contact_key, day)
    SELECT DISTINCT %(tenant)s::bigint, account_id, contact_key, day FROM ins
    WHERE contact_key IS NOT NULL
    ORDER BY 2, 4, 3
    ON CONFLICT (account_id, day, contact_key, tenant_id) DO NOTHING
    RETURNING 1
)"""
_SELECT = (
    "SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM daily), (SELECT count(*) FROM users)"
)
_INSERT_ONLY = _INSERT + "\n" + _SELECT
# NOTE: the mark is one more CTE of the same statement (same transaction as the events, no
# extra round trip); its count says whether the tenant's event-time task must be scheduled.
_INSERT_AND_MARK = _INSERT + DIRTY_CTE + "\n" + _SELECT + ", (SELECT count(*) FROM dirty)"


def _copy_rows(rows: list[tuple[Any, ...]]) -> io.StringIO:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    return buffer


def _store(*, tenant: Tenant, rows: list[tuple[Any, ...]], now: dt.datetime) -> int:
    """COPY + the set-based statement; returns how many events were newly stored."""
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS healthscore_ingest ("
            " idx int, account_id bigint, contact_key text, event text,"
            " occurred_at timestamptz, properties jsonb, idempotency_key text"
            ") ON COMMIT DELETE ROWS"
        )
        cursor.copy_expert("COPY healthscore_ingest FROM STDIN WITH (FORMAT csv)", _copy_rows(rows))
        if event_time_scoring_enabled():
            cursor.execute(
                _INSERT_AND_MARK, {"tenant": tenant.pk, "tz": tenant.timezone, "now": now}
            )
            counts = cursor.fetchone()
            if counts[3]:
                now_schedule_on_commit(tenant_id=tenant.pk)
        else:
            cursor.execute(_INSERT_ONLY, {"tenant": tenant.pk, "tz": tenant.timezone})
            counts = cursor.fetchone()
        inserted = counts[0]
        if nested:
            # NOTE: ON COMMIT DELETE ROWS only fires when the outer transaction commits
            # (tests, seed_demo call this inside one): empty the table by hand.
            cursor.execute("DELETE FROM healthscore_ingest")
    return int(inserted)


def events_ingest(
    *, tenant: Tenant, events: list[Any], now: dt.datetime | None = None
) -> IngestResult:
    """Validate and store a batch of events for `tenant` (the wire format of the API).

    Runs in `tenant`'s scope: the database's row-level security shows and accepts that
    tenant's rows only."""
    with tenant_scope(tenant):
        return _events_ingest(tenant=tenant, events=events, now=now)


def _events_ingest(
    *, tenant: Tenant, events: list[Any], now: dt.datetime | None = None
) -> IngestResult:
    """Validate and store a batch of events for `tenant` (the wire format of the API)."""
    if len(events) > MAX_EVENTS:
        raise BatchTooLarge
    now = now or timezone.now()
    horizon = retention_horizon(now=now)
    result = IngestResult()
    valid: list[tuple[int, _Valid]] = []
    stamps: dict[str, dt.datetime] = {}
    for index, item in enumerate(events):
        try:
            valid.append((index, _validate(item, now=now, horizon=horizon, stamps=stamps)))
        except _Rejected as rejected:
            result.rejected.append(
                {"index": index, "error": rejected.message, "code": rejected.code}
            )
    accounts = _account_ids(tenant=tenant, external_ids={v[0] for _i, v in valid})
    rows = []
    months = set()
    # Batches repeat timestamps: format each distinct one for COPY once.
    formatted: dict[dt.datetime, str] = {}
    for index, (account, contact, event, occurred_at, properties, key) in valid:
        account_id = accounts.get(account)
        if account_id is None:
            result.rejected.append(
                {"index": index, "error": _("Unknown account_id."), "code": "unknown_account"}
            )
            continue
        stamp = formatted.get(occurred_at)
        if stamp is None:
            utc = occurred_at.astimezone(dt.UTC)
            months.add((utc.year, utc.month))
            stamp = formatted[occurred_at] = occurred_at.isoformat()
        rows.append((index, account_id, contact, event, stamp, properties, key))
    result.rejected.sort(key=lambda r: r["index"])
    if rows:
        partitions_ensure(months={dt.date(y, m, 1) for y, m in months})
        result.accepted = _store(tenant=tenant, rows=rows, now=now)
    result.duplicates = len(rows) - result.accepted
    return result
