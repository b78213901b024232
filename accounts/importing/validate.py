"""Vectorised checks of a parsed CSV: every bad cell of every row, with its line number."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from cs_platform.selectors import staff_member_list
from cs_platform.validators import DATE_MAX, DATE_MIN, forbidden_characters

from ..models import Account
from ..phones import DASHES as PHONE_DASHES
from ..phones import EXTENSION as PHONE_EXTENSION
from ..phones import MAX_LENGTH as PHONE_MAX_LENGTH
from ..phones import NUMBER as PHONE_NUMBER
from ..phones import phone_normalise, phone_problem
from .columns import Column, Spec, choice_map, normalise_header
from .reader import ParsedFile, RowError

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
TRUE_WORDS = {"1", "true", "yes", "y", "t", "○", "◯", "はい", "有", "あり", "x"}
FALSE_WORDS = {"", "0", "false", "no", "n", "f", "×", "いいえ", "無", "なし", "-"}
MAX_INT = {models.PositiveIntegerField: 2_147_483_647, models.PositiveSmallIntegerField: 32_767}
DATE_FORMAT = "%Y-%m-%d"


@dataclass
class Validated:
    values: pd.DataFrame  # model field → python value, one row per record
    present: list[Column]
    errors: list[RowError]


class _Collector:
    def __init__(self, parsed: ParsedFile) -> None:
        self.lines = parsed.lines.to_numpy()
        self.raw = parsed.frame
        self.errors: list[RowError] = list(parsed.errors)

    def add(
        self, mask: pd.Series | np.ndarray, column: str, message: str | Callable[[str], str]
    ) -> None:
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            value = str(self.raw[column].iat[i]) if column in self.raw else ""
            text = message(value) if callable(message) else message
            self.errors.append(RowError(int(self.lines[i]), column, text, value))


def validate(parsed: ParsedFile, spec: Spec) -> Validated:
    frame = parsed.frame
    out = _Collector(parsed)
    present = [c for c in spec.columns if c.key in frame.columns]
    values = pd.DataFrame(index=frame.index)
    for column in present:
        raw = frame[column.key].astype("string").fillna("").astype(object)
        if column.required:
            out.add(raw == "", column.key, _("%(column)s is required.") % {"column": column.key})
        # PostgreSQL text cannot hold NUL: report the row instead of failing the COPY.
        out.add(
            raw.str.contains("\x00", regex=False),
            column.key,
            _("Contains a NUL character, which cannot be stored."),
        )
        _check_characters(raw, column, spec, out)
        values[column.model_field] = _CONVERTERS[column.type](raw, column, spec, out)
    _check_duplicates(frame, out)
    if spec.kind == "contracts":
        _check_term(values, out)
    out.errors.sort(key=lambda e: (e.line, e.column))
    return Validated(values, present, out.errors)


def _check_characters(raw: pd.Series, column: Column, spec: Spec, out: _Collector) -> None:
    """The model field's own rule (cs_platform.validators), over the whole column at once."""
    try:
        forbidden = forbidden_characters(spec.model._meta.get_field(column.model_field))
    except FieldDoesNotExist:
        forbidden = forbidden_characters(models.CharField())
    if forbidden is None:
        return
    out.add(
        raw.str.contains(forbidden, regex=True) & ~raw.str.contains("\x00", regex=False),
        column.key,
        _("Control characters are not allowed."),
    )


def _text(raw: pd.Series, column: Column, spec: Spec, out: _Collector) -> pd.Series:
    if column.max_length:
        out.add(
            raw.str.len() > column.max_length,
            column.key,
            _("Longer than %(n)d characters.") % {"n": column.max_length},
        )
    if column.key == "account_external_id":
        return _account_ids(raw, column, out)
    return raw.astype(object)


def _int(raw: pd.Series, column: Column, spec: Spec, out: _Collector) -> pd.Series:
    cleaned = raw.str.normalize("NFKC").str.replace(r"[,\s¥円$]", "", regex=True)
    numbers = pd.to_numeric(cleaned.replace("", None), errors="coerce").astype("Float64")
    field = spec.model._meta.get_field(column.model_field)
    limit = MAX_INT.get(type(field), 9_223_372_036_854_775_807)
    bad = (cleaned != "") & (
        numbers.isna() | (numbers % 1 != 0) | (numbers < 0) | (numbers > limit)
    ).fillna(True)
    out.add(
        bad,
        column.key,
        lambda v: _("%(value)s is not a whole number of 0 or more.") % {"value": v},
    )
    return pd.Series(
        [None if pd.isna(n) else int(n) for n in numbers.where(~bad, None)],
        index=raw.index,
        dtype=object,
    )


def _date(raw: pd.Series, column: Column, spec: Spec, out: _Collector) -> pd.Series:
    cleaned = (
        raw.str.normalize("NFKC")
        .str.replace(r"[/.年月]", "-", regex=True)
        .str.replace("日", "", regex=False)
    )
    dates = pd.to_datetime(cleaned.replace("", None), format=DATE_FORMAT, errors="coerce")
    bad = (cleaned != "") & dates.isna()
    out.add(
        bad,
        column.key,
        lambda v: _("%(value)s is not a date (use YYYY-MM-DD or YYYY/MM/DD).") % {"value": v},
    )
    out_of_domain = dates.notna() & (
        (dates < pd.Timestamp(DATE_MIN)) | (dates > pd.Timestamp(DATE_MAX))
    )
    out.add(
        out_of_domain,
        column.key,
        _("Dates must lie between %(min)s and %(max)s.")
        % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
    )
    return pd.Series(
        [None if pd.isna(d) else d.date() for d in dates], index=raw.index, dtype=object
    )


def _choice(raw: pd.Series, column: Column, spec: Spec, out: _Collector) -> pd.Series:
    assert column.choices is not None
    mapping = choice_map(column.choices)
    mapped = raw.map(lambda v: mapping.get(normalise_header(v)) if v else "")
    allowed = ", ".join(str(v) for v in column.choices.values)
    out.add(
        mapped.isna(),
        column.key,
        lambda v: _("%(value)s is not one of: %(allowed)s.") % {"value": v, "allowed": allowed},
    )
    field = spec.model._meta.get_field(column.model_field)
    default = field.get_default()
    is_int = issubclass(column.choices, models.IntegerChoices)
    return mapped.map(
        lambda v: default if v is None or v == "" else (int(v) if is_int else v)
    ).astype(object)


def _bool(raw: pd.Series, column: Column, spec: Spec, out: _Collector) -> pd.Series:
    lowered = raw.str.normalize("NFKC").str.lower()
    truthy = lowered.isin(TRUE_WORDS)
    out.add(
        ~truthy & ~lowered.isin(FALSE_WORDS),
        column.key,
        lambda v: _("%(value)s is not yes or no.") % {"value": v},
    )
    return truthy.astype(bool).astype(object)


def _email(raw: pd.Series, column: Column, spec: Spec, out: _Collector) -> pd.Series:
    lowered = raw.str.lower()
    bad_format = (lowered != "") & ~lowered.str.match(EMAIL_PATTERN).fillna(False)
    out.add(
        bad_format, column.key, lambda v: _("%(value)s is not an e-mail address.") % {"value": v}
    )
    if column.key != "owner_email":
        return lowered.astype(object)
    members = dict(staff_member_list().values_list("email", "pk").order_by())
    members = {email.lower(): pk for email, pk in members.items()}
    user_ids = lowered.map(members)
    out.add(
        (lowered != "") & ~bad_format & user_ids.isna(),
        column.key,
        lambda v: _("No member of this workspace has the e-mail %(value)s.") % {"value": v},
    )
    return pd.Series(
        [None if pd.isna(u) else int(u) for u in user_ids], index=raw.index, dtype=object
    )


def _phone(raw: pd.Series, column: Column, spec: Spec, out: _Collector) -> pd.Series:
    """accounts.phones' rule, vectorised: NFKC, dashes unified, spaces collapsed, then the
    shape and the digit count."""
    text = raw.str.normalize("NFKC").str.translate(PHONE_DASHES).str.split().str.join(" ")
    number = text.str.replace(PHONE_EXTENSION, "", regex=True)
    digits = number.str.count(r"[0-9]")
    plus_inside = number.str.slice(1).str.contains("+", regex=False)
    shape = number.str.match(PHONE_NUMBER).fillna(False)
    bad = (text != "") & (
        (text.str.len() > PHONE_MAX_LENGTH) | ~shape | plus_inside | (digits < 7) | (digits > 15)
    )
    out.add(bad, column.key, lambda v: phone_problem(phone_normalise(v)) or "")
    return text.astype(object)


def _account_ids(raw: pd.Series, column: Column, out: _Collector) -> pd.Series:
    wanted = [v for v in raw.unique().tolist() if v]
    known = dict(Account.objects.filter(external_id__in=wanted).values_list("external_id", "id"))
    ids = raw.map(known)
    out.add(
        (raw != "") & ids.isna(),
        column.key,
        lambda v: _("No account has the external id %(value)s.") % {"value": v},
    )
    return pd.Series([None if pd.isna(i) else int(i) for i in ids], index=raw.index, dtype=object)


_CONVERTERS = {
    "str": _text,
    "int": _int,
    "date": _date,
    "choice": _choice,
    "bool": _bool,
    "email": _email,
    "phone": _phone,
}


def _check_duplicates(frame: pd.DataFrame, out: _Collector) -> None:
    if "external_id" not in frame:
        return
    ids = frame["external_id"]
    lines = pd.Series(out.lines, index=frame.index)
    first_line = lines.groupby(ids).transform("min")
    duplicate = (ids != "") & ids.duplicated(keep="first")
    for i in np.flatnonzero(duplicate.to_numpy()):
        out.errors.append(
            RowError(
                int(out.lines[i]),
                "external_id",
                _("Duplicate external id %(value)s (first on line %(line)d).")
                % {"value": ids.iat[i], "line": int(first_line.iat[i])},
                str(ids.iat[i]),
            )
        )


def _check_term(values: pd.DataFrame, out: _Collector) -> None:
    if not {"start_date", "renewal_date"} <= set(values.columns):
        return
    start = pd.to_datetime(values["start_date"], errors="coerce")
    renewal = pd.to_datetime(values["renewal_date"], errors="coerce")
    out.add(
        (renewal < start).fillna(False),
        "renewal_date",
        _("The renewal date is before the start date."),
    )
