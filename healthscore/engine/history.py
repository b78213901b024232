"""Measures for many days at once (the demo history and back-fills).

The nightly path asks SQL for one day's windows. Scoring 90 past days that way would scan the
same rollups 90 times; here the chunk's rollups are read once into dense account × day
matrices, and every window of every day comes from cumulative sums (numpy), so the cost is
one scan plus O(accounts × days) arithmetic. Only the days some window covers are read, by
binary COPY straight into numpy (`read_binary`): a text read of every day cost more than
all the rest of a backtest of a draft. Surveys, contracts and contacts are read once and
windowed per day in pandas; selectors of other apps that take an `as_of` (engagement, journey
progress) are asked per day. A test checks both paths agree.

Every query is in `history_read` and none in `history_frames` (the arithmetic), so a backtest
scores one chunk in a second thread while the next chunk is read. A chunk's rollups are read
through the (account, day) index (`read_binary(by_index=True)`).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction

from accounts.models import RelationshipLevel
from accounts.selectors import contact_list, contract_list
from cs_platform.rls import scope_transaction_apply
from journeys.selectors import meeting_attendance_rows, milestone_fact_rows

from ..models import KeyEvent, SurveyResponse
from .measures import ATTAINMENT, USAGE_MEASURES, Spec, _accounts_sql, _day_bounds, _other

# Binary COPY field kinds: (numpy big-endian type, byte length).
_BINARY = {"int8": (">i8", 8), "int4": (">i4", 4), "int2": (">i2", 2), "float8": (">f8", 8)}
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_PG_EPOCH = np.datetime64("2000-01-01", "D")


# The planner settings of a read of one chunk of accounts (`read_binary(by_index=True)`).
_INDEX_READ = {"enable_seqscan": "off", "max_parallel_workers_per_gather": "0", "jit": "off"}


def read_binary(
    sql: str, params: list[Any], fields: list[tuple[str, str]], *, by_index: bool = False
) -> pd.DataFrame:
    """`sql`'s rows as columns, by COPY … (FORMAT binary) straight into numpy: no text to
    format on the server or to parse here.

    `fields` names each selected column and its kind: int8, int4, int2, float8, or date
    (days since 2000-01-01 on the wire, returned as datetime64). Every field must be of fixed
    width and never NULL (coalesce in `sql`), so each row has the same bytes and the whole
    answer is one structured array; a NULL is refused, not misread.

    `by_index`: `sql` reads one chunk of accounts (an id range) of a rollup table through its
    (account, day, …) index. The planner is told so: its bitmap-scan estimate ignores that a
    chunk's rows lie together, so for a tenant that fills most of the table it chose a
    parallel scan of the whole table for every chunk (20 whole-table scans for 100,000
    accounts, most of a draft backtest's time). No parallel workers (a chunk is small) and no
    JIT (its compilation cost 0.1 s a query) either."""
    with transaction.atomic(), connection.cursor() as cursor:
        # NOTE: COPY goes past Django's cursor wrapper, which sends the tenant's setting.
        scope_transaction_apply()
        query = cursor.mogrify(sql, params).decode()
        buffer = io.BytesIO()
        if by_index:
            # Local to the transaction, and put back after: an enclosing transaction (this
            # is a savepoint then) would keep them to its end.
            names = list(_INDEX_READ)
            cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in names), names)
            previous = cursor.fetchone()
            _settings_apply(cursor, dict(_INDEX_READ))
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT binary)", buffer)
        if by_index:
            _settings_apply(cursor, dict(zip(names, previous, strict=True)))
    data = buffer.getbuffer()
    if bytes(data[:11]) != _SIGNATURE:
        raise ValueError("not a binary COPY stream")
    extension = int.from_bytes(data[15:19], "big")
    body = data[19 + extension : len(data) - 2]  # the trailer is a field count of -1
    # The structured array's fields are numbered (f0, f1, …): a column may be called anything.
    layout: list[tuple[str, str]] = [("fields", ">i2")]
    widths = []
    for i, (_name, kind) in enumerate(fields):
        dtype, width = _BINARY["int4" if kind == "date" else kind]
        layout += [(f"length{i}", ">i4"), (f"f{i}", dtype)]
        widths.append(width)
    dtype = np.dtype(layout)
    if len(body) % dtype.itemsize:
        raise ValueError("a NULL or a field not of its declared width")
    rows = np.frombuffer(body, dtype=dtype)
    if not (rows["fields"] == len(fields)).all():
        raise ValueError("not the declared number of fields")
    for i, width in enumerate(widths):
        if not (rows[f"length{i}"] == width).all():
            raise ValueError(f"{fields[i][0]}: a NULL or not of its declared width")
    out = {}
    for i, (name, kind) in enumerate(fields):
        column = rows[f"f{i}"].astype(rows[f"f{i}"].dtype.newbyteorder("="))
        out[name] = _PG_EPOCH + column.astype("timedelta64[D]") if kind == "date" else column
    return pd.DataFrame(out)


def _settings_apply(cursor: Any, settings: dict[str, str]) -> None:
    """Set each setting for the rest of the transaction."""
    cursor.execute(
        "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in settings),
        [v for item in settings.items() for v in item],
    )


def _windows(matrix: np.ndarray, length: int, ends: np.ndarray) -> np.ndarray:
    """Sum of the `length` columns ending at each index of `ends` (inclusive)."""
    cumulative = np.concatenate(
        [np.zeros((matrix.shape[0], 1)), np.cumsum(matrix, axis=1, dtype=float)], axis=1
    )
    starts = np.clip(ends + 1 - length, 0, None)
    return cumulative[:, ends + 1] - cumulative[:, starts]


def _covered(width: int, ends: np.ndarray, lengths: set[int]) -> np.ndarray:
    """The day offsets (0 … width-1) inside a window of one of `lengths` days ending at one
    of `ends`: the only days a window sum ever reads."""
    edges = np.zeros(width + 1, dtype=np.int64)
    for n in lengths:
        np.add.at(edges, np.clip(ends + 1 - n, 0, None), 1)
        np.add.at(edges, ends + 1, -1)
    return np.flatnonzero(np.cumsum(edges)[:width] > 0)


def _rollup_where(first: dt.date, days: np.ndarray) -> tuple[str, list[Any]]:
    """The filter of a chunk's rollups, `days` the offsets from `first` to read.

    NOTE: the day list is matched on `day - first` (an expression, not the indexed column),
    so it stays a filter of the (account, day) index range scan: on `day` itself PostgreSQL
    could take it as a second array key and probe the index once per account and day."""
    last = first + dt.timedelta(days=int(days[-1])) if len(days) else first
    params: list[Any] = [first + dt.timedelta(days=int(days[0])) if len(days) else first, last]
    sql = " AND day >= %s AND day <= %s"
    if len(days) and len(days) < days[-1] - days[0] + 1:  # gaps: some days are not read
        sql += " AND day - %s::date = ANY(%s::int[])"
        params += [first, days.tolist()]
    return sql, params


def _chunk_sql(accounts: pd.DataFrame) -> tuple[str, list[Any]]:
    """The rollups' account filter for `accounts` (an id range where it is dense: rows of
    other accounts in it are dropped after the read)."""
    ids = [int(i) for i in accounts.index]
    return _accounts_sql(ids) if ids else ("false", [])


def _usage_rows(
    *, tenant_id: int, accounts: pd.DataFrame, first: dt.date, days: np.ndarray, events: list[str]
) -> pd.DataFrame:
    """The chunk's daily usage rollups on `days` (offsets from `first`), in binary: the event
    as its position in `events` (0: another event), which is all a measure asks of it."""
    where, params = _rollup_where(first, days)
    chunk, chunk_params = _chunk_sql(accounts)
    return read_binary(
        "SELECT account_id, (day - %s::date)::int4,"
        " coalesce(array_position(%s::text[], event::text), 0)::int2, count::int8"
        " FROM healthscore_usagedaily WHERE tenant_id = %s AND " + chunk + where,
        [first, events, tenant_id, *chunk_params, *params],
        [("account_id", "int8"), ("t", "int4"), ("event", "int2"), ("count", "int8")],
        by_index=True,
    )


class _Usage:
    """The chunk's daily rollups (`_usage_rows`) as dense account × day matrices. Only the
    days some window covers are read (`_covered`; the others stay 0 and no window sums them)."""

    def __init__(
        self, *, rows: pd.DataFrame, accounts: pd.DataFrame, width: int, events: list[str]
    ) -> None:
        self.events = events
        self.shape = (len(accounts), width)
        self.pos = accounts.index.get_indexer(rows["account_id"].to_numpy())
        # The id range of a chunk may hold accounts that are not in it.
        rows, self.pos = rows[self.pos >= 0], self.pos[self.pos >= 0]
        self.t = rows["t"].to_numpy(dtype=np.intp)
        self.codes = rows["event"].to_numpy()
        self.counts = rows["count"].to_numpy(dtype=float)
        self.total = self.matrix(None)

    def matrix(self, event: str | None) -> np.ndarray:
        sel = slice(None) if event is None else self.codes == self.events.index(event) + 1
        rows, width = self.shape
        cells = self.pos[sel] * width + self.t[sel]
        out = np.bincount(cells, weights=self.counts[sel], minlength=rows * width)
        return out.reshape(self.shape)

    def values(self, spec: Spec, ends: np.ndarray, keys: list[str]) -> np.ndarray:
        n = spec.days or 30
        if spec.measure == "active_days":
            return _windows((self.total > 0).astype(float), n, ends)
        if spec.measure == "event_count":
            return _windows(self.matrix(spec.event), n, ends)
        if spec.measure == "feature_breadth":
            if not keys:
                return np.full((self.shape[0], len(ends)), np.nan)
            used = sum((_windows(self.matrix(k), n, ends) > 0).astype(float) for k in keys)
            return used / len(keys) * 100
        current = _windows(self.total, n, ends)
        previous = _windows(self.total, n, ends - n)
        with np.errstate(divide="ignore", invalid="ignore"):
            change = (current - previous) / previous * 100
        return np.where(previous > 0, change, np.where(current > 0, 100.0, np.nan))


def _usage_windows(spec: Spec) -> set[int]:
    """The window lengths (days, ending at the scored day) a usage measure sums."""
    n = spec.days or 30
    return {2 * n} if spec.measure == "usage_trend" else {n}


def _user_rows(
    *, tenant_id: int, accounts: pd.DataFrame, first: dt.date, days: np.ndarray
) -> pd.DataFrame:
    """The chunk's active users on `days` (offsets from `first`). A user is its key's 64-bit
    hash (binary COPY reads fixed-width fields only): two keys of one account colliding is
    about as likely as a cosmic-ray bit flip, not a concern at any size."""
    where, params = _rollup_where(first, days)
    chunk, chunk_params = _chunk_sql(accounts)
    return read_binary(
        "SELECT account_id, hashtextextended(contact_key, 0), (day - %s::date)::int4"
        " FROM healthscore_contactdaily WHERE tenant_id = %s AND " + chunk + where,
        [first, tenant_id, *chunk_params, *params],
        [("account_id", "int8"), ("user", "int8"), ("t", "int4")],
        by_index=True,
    )


def _active_users(
    *, rows: pd.DataFrame, accounts: pd.DataFrame, ends: np.ndarray, lengths: set[int]
) -> dict[int, np.ndarray]:
    """{window length: accounts × days} of active users / seats (%), from `_user_rows`."""
    owner_of_row = accounts.index.get_indexer(rows["account_id"].to_numpy())
    # The id range of a chunk may hold accounts that are not in it.
    rows, owner_of_row = rows[owner_of_row >= 0], owner_of_row[owner_of_row >= 0]
    # Users numbered per (account, key): sort by both, a new number where either changes.
    order = np.lexsort((rows["user"].to_numpy(), owner_of_row))
    owner_sorted, user_sorted = owner_of_row[order], rows["user"].to_numpy()[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (owner_sorted[1:] != owner_sorted[:-1]) | (user_sorted[1:] != user_sorted[:-1])
    codes = np.empty(len(order), dtype=np.int64)
    codes[order] = np.cumsum(new) - 1
    owner = owner_sorted[new]
    # Rows by day: each window is one slice, whose users are marked once (no user × day
    # matrix: it grew with users × days, the slices with the rows).
    by_day = np.argsort(rows["t"].to_numpy(), kind="stable")
    days, users = rows["t"].to_numpy()[by_day], codes[by_day]
    seats = accounts["seats"].where(accounts["seats"] > 0).to_numpy(dtype=float)
    out = {}
    for n in lengths:
        starts = np.searchsorted(days, ends + 1 - n, side="left")
        stops = np.searchsorted(days, ends, side="right")
        per_account = np.zeros((len(accounts), len(ends)))
        for j, (start, stop) in enumerate(zip(starts, stops, strict=True)):
            seen = np.zeros(len(owner), dtype=bool)
            seen[users[start:stop]] = True
            per_account[:, j] = np.bincount(owner[seen], minlength=len(accounts))
        out[n] = per_account / seats[:, None] * 100
    return out


@dataclass
class HistoryRead:
    """Everything `history_frames` needs of the database for a chunk of accounts and days:
    `history_read` asks every query, `history_frames` none (it may run in another thread
    while the next chunk is read)."""

    accounts: pd.DataFrame
    days: list[dt.date]
    specs: set[Spec]
    width: int
    ends: np.ndarray
    keys: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    usage_rows: pd.DataFrame | None = None
    user_rows: pd.DataFrame | None = None
    others: dict[Spec, dict[dt.date, pd.Series]] = field(default_factory=dict)


def history_read(
    *,
    tenant_id: int,
    tz: Any,
    accounts: pd.DataFrame,
    days: list[dt.date],
    specs: set[Spec],
) -> HistoryRead:
    """The rollups and other data `accounts`' measures on `days` need (`HistoryRead`)."""
    ids = [int(i) for i in accounts.index]
    longest = max([(s.days or 30) * (2 if s.measure == "usage_trend" else 1) for s in specs] + [1])
    first = min(days) - dt.timedelta(days=longest)
    last = max(days)
    width = (last - first).days + 1
    ends = np.array([(d - first).days for d in days])
    read = HistoryRead(accounts=accounts, days=days, specs=specs, width=width, ends=ends)
    usage_specs = [s for s in specs if s.measure in USAGE_MEASURES]
    if usage_specs:
        read.keys = list(KeyEvent.objects.values_list("name", flat=True))
        counted = [s.event for s in usage_specs if s.measure == "event_count" and s.event]
        read.events = list(dict.fromkeys([*read.keys, *counted]))
        lengths = set().union(*(_usage_windows(s) for s in usage_specs))
        read.usage_rows = _usage_rows(
            tenant_id=tenant_id,
            accounts=accounts,
            first=first,
            days=_covered(width, ends, lengths),
            events=read.events,
        )
    user_lengths = {s.days or 30 for s in specs if s.measure == "active_user_ratio"}
    if user_lengths:
        read.user_rows = _user_rows(
            tenant_id=tenant_id,
            accounts=accounts,
            first=first,
            days=_covered(width, ends, user_lengths),
        )
    for spec in specs:
        if spec.measure not in USAGE_MEASURES and spec.measure != "active_user_ratio":
            read.others[spec] = _other_history(spec, ids=ids, days=days, tz=tz)
    return read


def history_frames(read: HistoryRead) -> dict[dt.date, pd.DataFrame]:
    """{day: measure frame} from `history_read`'s data, with no query."""
    accounts, ends = read.accounts, read.ends
    columns: dict[Spec, np.ndarray] = {}
    if read.usage_rows is not None:
        usage = _Usage(
            rows=read.usage_rows, accounts=accounts, width=read.width, events=read.events
        )
        for spec in read.specs:
            if spec.measure in USAGE_MEASURES:
                columns[spec] = usage.values(spec, ends, read.keys)
    if read.user_rows is not None:
        user_specs = [s for s in read.specs if s.measure == "active_user_ratio"]
        ratios = _active_users(
            rows=read.user_rows,
            accounts=accounts,
            ends=ends,
            lengths={s.days or 30 for s in user_specs},
        )
        for spec in user_specs:
            columns[spec] = ratios[spec.days or 30]
    frames = {}
    for i, day in enumerate(read.days):
        frame = pd.DataFrame(
            {spec: values[:, i] for spec, values in columns.items()}, index=accounts.index
        )
        frames[day] = frame
    for spec, per_day in read.others.items():
        for day in read.days:
            frames[day][spec] = per_day[day].reindex(accounts.index)
    return frames


def history_measure_frames(
    *,
    tenant_id: int,
    tz: Any,
    accounts: pd.DataFrame,
    days: list[dt.date],
    specs: set[Spec],
) -> dict[dt.date, pd.DataFrame]:
    """{day: measure frame} with the same columns and values as `measure_frame` per day."""
    return history_frames(
        history_read(tenant_id=tenant_id, tz=tz, accounts=accounts, days=days, specs=specs)
    )


def _survey(ids: list[int], days: list[dt.date], n: int) -> dict[dt.date, pd.Series]:
    rows = pd.DataFrame(
        list(
            SurveyResponse.objects.filter(
                account_id__in=ids,
                responded_on__gt=min(days) - dt.timedelta(days=n),
                responded_on__lte=max(days),
            ).values_list("account_id", "responded_on", "score")
        ),
        columns=["account_id", "on", "score"],
    )
    return {
        day: rows[(rows["on"] > day - dt.timedelta(days=n)) & (rows["on"] <= day)]
        .groupby("account_id")["score"]
        .mean()
        .astype(float)
        for day in days
    }


def _renewal(ids: list[int], days: list[dt.date]) -> dict[dt.date, pd.Series]:
    if not ids:
        return {day: pd.Series(dtype=float) for day in days}
    # The id range, narrowed here: a list of 5,000 ids in the query cost Django more than
    # the read.
    rows = pd.DataFrame(
        list(
            contract_list(live_only=True)
            .filter(account_id__gte=min(ids), account_id__lte=max(ids), renewal_date__gte=min(days))
            .values_list("account_id", "renewal_date")
        ),
        columns=["account_id", "renewal"],
    )
    rows = rows[rows["account_id"].isin(ids)]
    # Days as integers: a minimum over dates (objects) would run in Python, group by group.
    accounts = rows["account_id"].to_numpy(dtype=np.int64)
    renewal = np.array(rows["renewal"].tolist(), dtype="datetime64[D]").astype(np.int64)
    result = {}
    for day in days:
        on = np.datetime64(day, "D").astype(np.int64)
        ahead = renewal >= on
        nearest = pd.Series(renewal[ahead]).groupby(accounts[ahead]).min()
        result[day] = pd.Series((nearest.to_numpy() - on).astype(float), index=nearest.index)
    return result


def _coverage_history(
    ids: list[int], days: list[dt.date], n: int, tz: Any
) -> dict[dt.date, pd.Series]:
    """Relationship coverage on each past day. A contact counts as met in a day's window if
    its `last_met_at` or a logged meeting it attended falls in it: `last_met_at` alone keeps
    only the latest meeting, so an older day would see no meeting at all. On today both say
    the same (logging a meeting moves `last_met_at` forward)."""
    contacts = pd.DataFrame(
        list(
            contact_list(account_ids=ids)
            .filter(relationship_level__in=RelationshipLevel.values)
            .values_list("id", "account_id", "relationship_level", "last_met_at")
            .order_by()
        ),
        columns=["contact_id", "account_id", "level", "met_at"],
    )
    contacts["met_at"] = pd.to_datetime(contacts["met_at"], utc=True)
    known = contacts.groupby("account_id")["level"].nunique().astype(float).reindex(ids)
    known = known.fillna(0.0)
    first, _ = _day_bounds(min(days), n, tz)
    _, last = _day_bounds(max(days), n, tz)
    attended = pd.DataFrame(
        meeting_attendance_rows(account_ids=ids, since=first, until=last),
        columns=["account_id", "contact_id", "met_at"],
    )
    attended["met_at"] = pd.to_datetime(attended["met_at"], utc=True)
    attended = attended.merge(contacts[["contact_id", "level"]], on="contact_id")
    meetings = pd.concat(
        [contacts[["account_id", "level", "met_at"]].dropna(subset=["met_at"]),
         attended[["account_id", "level", "met_at"]]],
        ignore_index=True,
    )  # fmt: skip
    result = {}
    for day in days:
        since, until = _day_bounds(day, n, tz)
        met_rows = meetings[(meetings["met_at"] >= since) & (meetings["met_at"] < until)]
        met = met_rows.groupby("account_id")["level"].nunique().reindex(known.index)
        result[day] = (known + met.fillna(0.0).astype(float)) / 6 * 100
    return result


def _journey_history(
    ids: list[int], days: list[dt.date], window: int | None
) -> dict[dt.date, pd.Series]:
    """The on-time share of judged milestones (%) on each day, as things stood that day (of
    those due in the `window` days ending then, when given): the same rule as
    `journeys.selectors.milestone_progress_by_account` (which the nightly asks), applied to
    the milestones' facts read once."""
    rows = milestone_fact_rows(account_ids=ids)
    if not rows:
        return {day: pd.Series(dtype=float) for day in days}
    accounts, due, done, missed, completed = zip(*rows, strict=True)
    index = pd.Index(sorted(set(accounts)))
    owner = index.get_indexer(accounts)
    due_on = np.array(due, dtype="datetime64[D]")
    done_on = np.array(completed, dtype="datetime64[D]")
    done, missed = np.array(done, dtype=bool), np.array(missed, dtype=bool)
    no_due, no_completion = np.isnat(due_on), np.isnat(done_on)
    in_time = no_due | no_completion | (done_on <= due_on)
    result = {}
    for day in days:
        on = np.datetime64(day, "D")
        done_by = done & (no_completion | (done_on <= on))
        overdue = ~done_by & ((due_on < on) | (missed & no_due))
        # NaT compares False: a milestone with no due date is in no window.
        due = True if window is None else (due_on > on - window) & (due_on <= on)
        judged = np.bincount(owner, weights=(done_by | overdue) & due, minlength=len(index))
        on_time = np.bincount(owner, weights=done_by & in_time & due, minlength=len(index))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(judged > 0, on_time / judged * 100, np.nan)
        result[day] = pd.Series(ratio, index=index, dtype=float)
    return result


def _other_history(
    spec: Spec, *, ids: list[int], days: list[dt.date], tz: Any
) -> dict[dt.date, pd.Series]:
    """Measures of other data: read once and windowed per day in pandas where the data
    allows; the other apps' selectors that take an `as_of` are asked per day."""
    n = spec.days or 30
    if spec.measure == "survey_score":
        return _survey(ids, days, n)
    if spec.measure == "days_to_renewal":
        return _renewal(ids, days)
    if spec.measure == "relationship_coverage":
        return _coverage_history(ids, days, n, tz)
    if spec.measure == "journey_progress" and spec.basis != ATTAINMENT:
        return _journey_history(ids, days, spec.days)
    return {day: _other(spec, ids=ids, as_of=day, tz=tz, cache={}) for day in days}
