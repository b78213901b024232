"""The read functions' calls of a page view, sent together in one statement (issue #16).

Account 360's first view reads each app's rows with one call of a PL/pgSQL function of its
own (`leanread.lean_call`): each call is a statement, a round trip, and ~0.2 ms of Django's
and psycopg2's CPU. A panel whose call is known before its context is built announces it
(`lean_call_ahead`); the first call of the page view then asked for (`lean_call_once`) sends
every announced call not yet sent with it, in one statement: each call's row as one `json`
column (`to_json` of the row). For the columns the read functions return (json, jsonb, text)
that is the same value as `lean_call`'s; a column of another type would come back as JSON
gives it (a date as text).

A call is made when it is sent, not when it is announced: its parameters may depend on what
another panel read meanwhile (the reading panel's window, on the health score). Outside a page
view (`requestmemo.in_page_view`) nothing is announced and every call is sent alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from .leanread import lean_call
from .requestmemo import in_page_view, request_memoized

# A function's call: the key its row is kept under for the page view, the call itself
# (`junkan_x(%(tenant)s, %(account)s)`, the tenant as `lean_call` binds it) and its parameters.
Call = tuple[Hashable, str, Mapping[str, Any]]

_PARAM = re.compile(r"%\((\w+)\)s")


def lean_call_ahead(make: Callable[[], Call]) -> None:
    """Announce a call this page view will ask for: it goes with the next one asked for."""
    if in_page_view():
        _state()["pending"].append(make)


def lean_call_once(make: Callable[[], Call]) -> dict[str, Any]:
    """The one row of the call `make()` names, as `lean_call("SELECT * FROM <call>")` gives it,
    once per page view by its key; the calls announced and not yet sent go with it."""
    key, call, params = make()
    if not in_page_view():
        return lean_call(f"SELECT * FROM {call}", params)
    state = _state()
    rows: dict[Hashable, dict[str, Any]] = state["rows"]
    if key not in rows:
        pending, state["pending"] = state["pending"], []
        calls = {key: (call, params)}
        for announced in pending:
            other, other_call, other_params = announced()
            calls.setdefault(other, (other_call, other_params))
        # Making a call may have read others (its parameters from another read): not again.
        calls = {k: c for k, c in calls.items() if k not in rows}
        if calls:
            rows.update(_send(calls))
    return rows[key]


def _state() -> dict[str, Any]:
    return request_memoized("cs_platform.leancalls", lambda: {"pending": [], "rows": {}})


def _send(calls: dict[Hashable, tuple[str, Mapping[str, Any]]]) -> dict[Hashable, dict[str, Any]]:
    if len(calls) == 1:
        [(key, (call, params))] = calls.items()
        return {key: lean_call(f"SELECT * FROM {call}", params)}
    columns, bound = [], {}
    for n, (call, params) in enumerate(calls.values()):
        columns.append(f"(SELECT to_json(r) FROM {_renamed(call, f'c{n}_')} r) AS c{n}")
        bound.update({f"c{n}_{name}": value for name, value in params.items()})
    row = lean_call("SELECT " + ", ".join(columns), bound)
    sent = {}
    for n, key in enumerate(calls):
        if row[f"c{n}"] is None:
            raise ValueError(f"{key}: the call gave no row")
        sent[key] = row[f"c{n}"]
    return sent


def _renamed(call: str, prefix: str) -> str:
    """`call` with its parameters renamed apart (`%(c0_account)s`); the tenant is bound once."""
    return _PARAM.sub(lambda m: m[0] if m[1] == "tenant" else f"%({prefix}{m[1]})s", call)
