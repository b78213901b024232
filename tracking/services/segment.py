"""The Segment HTTP Tracking API, mapped onto Junkan.

- identify → the contact whose external id is the `userId` (traits wait in `TrackedUser`
  until the user's account is known);
- group → the account whose external id is the `groupId` (created or rejected for unknown
  ids, a tenant setting) and the user's membership of it;
- track / page / screen → usage events of the account of `context.groupId`, else of the
  user's group, written by `healthscore.services.ingest.events_ingest` (the storage,
  idempotency and speed of `/api/v1/events/`; `messageId` is the idempotency key);
- alias → the user known as `previousId` is now `userId`.

Segment answers 200 to every well-formed request and reports refused messages elsewhere: here
they are counted and listed (with the reason) on the API-keys page.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.selectors import account_get_by_external_id, contact_get_by_external_id
from accounts.services import account_create, account_update, contact_create, contact_update
from cs_platform.models import ApiKey, Tenant
from cs_platform.scoping import cross_tenant
from healthscore.services.ingest import BatchTooLarge, events_ingest

from ..models import RejectedMessage, TrackedUser
from ..selectors import tracking_settings_get

MAX_MESSAGE_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
CALLS = ("identify", "group", "track", "page", "screen", "alias")
EVENT_CALLS = ("track", "page", "screen")
MAX_ID_LENGTH = 100


class SegmentRequestError(Exception):
    """The request as a whole is refused (400): too large, not gzip, not JSON."""


class _Reject(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class SegmentPayload:
    messages: list[Any]
    sent_at: Any = None
    write_key: str | None = None


@dataclass
class SegmentOutcome:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


# --- the request -------------------------------------------------------------------------------


def segment_body_decode(*, body: bytes, content_encoding: str) -> bytes:
    """The JSON bytes of a request body, gunzipped when the client says so.

    NOTE: the 500 KB limit applies to the JSON, so a small gzip body cannot expand without
    bound here (a "zip bomb" stops at the limit + 1 byte).
    """
    if content_encoding.strip().lower() == "gzip":
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = decompressor.decompress(body, MAX_BATCH_BYTES + 1)
        except zlib.error as exc:
            raise SegmentRequestError("The body is not valid gzip.") from exc
    if len(body) > MAX_BATCH_BYTES:
        raise SegmentRequestError("The request is larger than 500 KB.")
    return body


def segment_payload_parse(*, body: bytes, call: str) -> SegmentPayload:
    """The messages of one call (`identify`, …) or of a `batch`; 400s as Segment gives them."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise SegmentRequestError("The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise SegmentRequestError("The body must be a JSON object.")
    write_key = data.get("writeKey")
    write_key = write_key if isinstance(write_key, str) else None
    if call != "batch":
        if len(body) > MAX_MESSAGE_BYTES:
            raise SegmentRequestError("The message is larger than 32 KB.")
        return SegmentPayload([{**data, "type": call}], data.get("sentAt"), write_key)
    messages = data.get("batch")
    if not isinstance(messages, list):
        raise SegmentRequestError('A batch needs a "batch" list of messages.')
    if len(body) > MAX_MESSAGE_BYTES:
        # Only a body over 32 KB can hold a message over 32 KB: measure them only then.
        for index, message in enumerate(messages):
            if len(orjson.dumps(message)) > MAX_MESSAGE_BYTES:
                raise SegmentRequestError(f"Message {index} of the batch is larger than 32 KB.")
    return SegmentPayload(messages, data.get("sentAt"), write_key)


# --- fields --------------------------------------------------------------------------------------


def _parse_time(
    value: Any, memo: dict[str, dt.datetime | None] | None = None
) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    if memo is not None and value in memo:
        return memo[value]
    try:
        # Python 3.11 reads "Z" and fractions; Segment's clients send both.
        parsed: dt.datetime | None = dt.datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is None:
        parsed = None
    if memo is not None:
        memo[value] = parsed
    return parsed


def segment_timestamp(
    message: dict[str, Any],
    *,
    sent_at: Any,
    received_at: dt.datetime,
    memo: dict[str, dt.datetime | None] | None = None,
) -> dt.datetime:
    """Segment's clock-skew correction: `receivedAt - (sentAt - originalTimestamp)`.

    `originalTimestamp` is the device's time of the call (server libraries send it as
    `timestamp`); without a `sentAt` the client's time is taken as it is, without either the
    time the message was received. `memo` caches parsed strings across a batch (batches
    repeat their sentAt and often their timestamps).
    """
    original = _parse_time(message.get("originalTimestamp"), memo) or _parse_time(
        message.get("timestamp"), memo
    )
    if original is None:
        if message.get("timestamp") not in (None, "") or message.get("originalTimestamp"):
            raise _Reject("bad_timestamp", "timestamp is not an ISO 8601 date-time with offset.")
        return received_at
    sent = _parse_time(message.get("sentAt"), memo) or _parse_time(sent_at, memo)
    if sent is None:
        return original
    # The same as receivedAt - (sentAt - original): one skew a batch, so equal client
    # times stay equal (ingestion parses each distinct timestamp once).
    return original + (received_at - sent)


def _id(value: Any, name: str) -> str | None:
    """A Segment id: strings or numbers (clients stringify ids), at most 100 characters."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Reject("bad_type", f"{name} must be a string.")
    text = str(value)
    if len(text) > MAX_ID_LENGTH:
        raise _Reject("too_long", f"{name} is longer than {MAX_ID_LENGTH} characters.")
    if "\x00" in text:
        raise _Reject("bad_type", f"{name} must not contain NUL characters.")
    return text


def _object(message: dict[str, Any], name: str) -> dict[str, Any]:
    value = message.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Reject("bad_type", f"{name} must be a JSON object.")
    return value


def _text(traits: dict[str, Any], *names: str) -> str:
    for name in names:
        value = traits.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _whole(traits: dict[str, Any], *names: str) -> int | None:
    for name in names:
        value = traits.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def _validation_reason(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())[:300]
    return " ".join(exc.messages)[:300]


# --- identify, group, alias ----------------------------------------------------------------------


def _contact_fields(traits: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    name = _text(traits, "name") or " ".join(
        part
        for part in (_text(traits, "firstName", "first_name"), _text(traits, "lastName"))
        if part
    )
    fields: dict[str, Any] = {}
    if name:
        fields["name"] = name
    for trait, column in (("email", "email"), ("title", "title"), ("phone", "phone")):
        value = _text(traits, trait)
        if value:
            fields[column] = value
    language = _text(traits, "language") or _text(context, "locale")
    language = language.split("-")[0].split("_")[0].lower()
    if language in ("ja", "en"):
        fields["language"] = language
    return fields


def _contact_write(*, user: TrackedUser, context: dict[str, Any]) -> None:
    """The contact of a user whose account is known: created, or updated from the traits."""
    if user.account is None:
        return
    fields = _contact_fields(user.traits, context)
    contact = contact_get_by_external_id(external_id=user.user_id)
    try:
        if contact is None:
            name = fields.pop("name", "") or _text(user.traits, "email") or user.user_id
            contact_create(account=user.account, name=name, external_id=user.user_id, **fields)
        elif fields:
            contact_update(contact=contact, **fields)
    except ValidationError as exc:
        raise _Reject("invalid_traits", _validation_reason(exc)) from None


def _user(user_id: str) -> TrackedUser:
    user, _created = TrackedUser.objects.get_or_create(user_id=user_id)
    return user


def _identify(message: dict[str, Any], *, at: dt.datetime, create_unknown: bool) -> None:
    user_id = _id(message.get("userId"), "userId")
    if user_id is None:
        raise _Reject("missing_user_id", "An identify without userId cannot become a contact.")
    traits = _object(message, "traits")
    context = _object(message, "context")
    group_id = _id(context.get("groupId"), "context.groupId")
    user = _user(user_id)
    if user.traits_at is not None and at < user.traits_at:
        return  # an older identify (or the same one resent): newer traits stay
    user.traits = {**user.traits, **traits}
    user.traits_at = at
    if group_id is not None:
        account = account_get_by_external_id(external_id=group_id)
        if account is not None:
            user.account = account
    user.save()
    _contact_write(user=user, context=context)


def _account_fields(traits: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    name = _text(traits, "name")
    if name:
        fields["name"] = name
    industry = _text(traits, "industry")
    if industry:
        fields["industry"] = industry
    domain = _text(traits, "domain", "website")
    if domain:
        fields["domain"] = domain.removeprefix("https://").removeprefix("http://").strip("/")
    employees = _whole(traits, "employees", "employee_count")
    if employees is not None:
        fields["employee_count"] = employees
    seats = _whole(traits, "seats", "licensed_seats")
    if seats is not None:
        fields["licensed_seats"] = seats
    return fields


def _group(message: dict[str, Any], *, at: dt.datetime, create_unknown: bool) -> None:
    group_id = _id(message.get("groupId"), "groupId")
    if group_id is None:
        raise _Reject("missing_group_id", "A group call needs a groupId.")
    user_id = _id(message.get("userId"), "userId")
    fields = _account_fields(_object(message, "traits"))
    account = account_get_by_external_id(external_id=group_id)
    try:
        if account is None:
            if not create_unknown:
                raise _Reject(
                    "unknown_account",
                    f"No account has the external id {group_id!r}, and this workspace does "
                    "not create accounts from group calls.",
                )
            name = fields.pop("name", group_id)
            account = account_create(name=name, external_id=group_id, **fields)
        elif fields:
            account_update(account=account, **fields)
    except ValidationError as exc:
        raise _Reject("invalid_traits", _validation_reason(exc)) from None
    if user_id is not None:
        user = _user(user_id)
        if user.account_id != account.pk:
            user.account = account
            user.save(update_fields=["account", "updated_at"])
        _contact_write(user=user, context=_object(message, "context"))


def _alias(message: dict[str, Any], *, at: dt.datetime, create_unknown: bool) -> None:
    user_id = _id(message.get("userId"), "userId")
    previous_id = _id(message.get("previousId"), "previousId")
    if user_id is None or previous_id is None:
        raise _Reject("missing_field", "An alias needs userId and previousId.")
    if user_id == previous_id:
        return
    previous = TrackedUser.objects.filter(user_id=previous_id).first()
    if previous is not None:
        current = TrackedUser.objects.filter(user_id=user_id).first()
        if current is None:
            previous.user_id = user_id
            previous.save(update_fields=["user_id", "updated_at"])
        else:
            current.traits = {**previous.traits, **current.traits}
            current.account = current.account or previous.account
            current.save()
    contact = contact_get_by_external_id(external_id=previous_id)
    if contact is not None:
        if contact_get_by_external_id(external_id=user_id) is not None:
            raise _Reject(
                "alias_conflict",
                f"Contacts exist for both {previous_id!r} and {user_id!r}; merge them by hand.",
            )
        contact_update(contact=contact, external_id=user_id)


# --- track, page, screen -------------------------------------------------------------------------


def _event_name(message: dict[str, Any], call: str) -> str:
    if call == "track":
        event = message.get("event")
        if not isinstance(event, str) or not event.strip():
            raise _Reject("missing_event", "A track call needs an event name.")
        return event
    name = message.get("name")
    noun = "Page" if call == "page" else "Screen"
    # Segment's destinations name these "Viewed <name> Page" / "Loaded a Page".
    if isinstance(name, str) and name.strip():
        return f"Viewed {name.strip()} {noun}"
    return f"Loaded a {noun}"


def _event(message: dict[str, Any], *, call: str, at: dt.datetime) -> dict[str, Any]:
    """The `/api/v1/events/` form of a track/page/screen (account resolved later)."""
    context = _object(message, "context")
    properties = _object(message, "properties")
    if call != "track":
        for key in ("name", "category"):
            if isinstance(message.get(key), str):
                properties = {**properties, key: message[key]}
    user_id = _id(message.get("userId"), "userId")
    group_id = _id(context.get("groupId"), "context.groupId")
    if user_id is None and group_id is None:
        raise _Reject(
            "unknown_account",
            "An anonymous event without context.groupId belongs to no account.",
        )
    event = {
        "event": _event_name(message, call),
        "timestamp": at.isoformat(),
        "contact_id": user_id,
        "account_id": group_id,
        "idempotency_key": _id(message.get("messageId"), "messageId"),
    }
    if properties:
        event["properties"] = properties
    return event


def _memberships(user_ids: set[str]) -> dict[str, str]:
    """user id → external id of the account of their latest group call (one query)."""
    if not user_ids:
        return {}
    return dict(
        TrackedUser.objects.filter(user_id__in=user_ids, account__isnull=False).values_list(
            "user_id", "account__external_id"
        )
    )


# --- the batch -----------------------------------------------------------------------------------


_HANDLERS: dict[str, Callable[..., None]] = {
    "identify": _identify,
    "group": _group,
    "alias": _alias,
}


def _apply(message: dict[str, Any], call: str, at: dt.datetime, create_unknown: bool) -> None:
    # One savepoint a message: a refused write leaves the rest of the batch intact.
    with transaction.atomic():
        _HANDLERS[call](message, at=at, create_unknown=create_unknown)


def _message_call(message: Any) -> str:
    if not isinstance(message, dict):
        raise _Reject("bad_type", "A message must be a JSON object.")
    call = message.get("type")
    if call not in CALLS:
        raise _Reject("bad_type", f"Unknown message type {str(call)[:40]!r}.")
    return call


def _message_id(message: Any) -> str:
    if isinstance(message, dict) and isinstance(message.get("messageId"), str | int):
        return str(message["messageId"])[:200]
    return ""


# (index in the request, call, code, reason)
_Rejection = tuple[int, str, str, str]


def _events_store(
    tenant: Tenant,
    events: list[dict[str, Any]],
    event_index: list[tuple[int, str]],
    received_at: dt.datetime,
    outcome: SegmentOutcome,
    rejected: list[_Rejection],
) -> None:
    """All the request's events in one `events_ingest` call (its storage and idempotency)."""
    members = _memberships({e["contact_id"] for e in events if e["account_id"] is None})
    for event in events:
        if event["account_id"] is None:
            # Unknown membership: events_ingest rejects an empty account as missing.
            event["account_id"] = members.get(event["contact_id"], "")
    try:
        result = events_ingest(tenant=tenant, events=events, now=received_at)
    except BatchTooLarge:
        raise SegmentRequestError("The batch holds too many messages.") from None
    outcome.accepted += result.accepted
    outcome.duplicates = result.duplicates
    for item in result.rejected:
        index, call = event_index[item["index"]]
        code, reason = item["code"], item["error"]
        if code == "missing_field" and "account_id" in reason:
            code, reason = "unknown_account", "The user belongs to no known group yet."
        elif code == "unknown_account":
            reason = "context.groupId names no account of this workspace."
        rejected.append((index, call, code, reason))


def segment_messages_ingest(
    *,
    tenant: Tenant,
    api_key: ApiKey | None,
    payload: SegmentPayload,
    received_at: dt.datetime | None = None,
) -> SegmentOutcome:
    """Apply a request's messages in order: identify/group/alias first-come, then all the
    events in one `events_ingest` call (so a group in the batch already counts for them)."""
    received_at = received_at or timezone.now()
    create_unknown = tracking_settings_get().create_unknown_accounts
    outcome = SegmentOutcome()
    memo: dict[str, dt.datetime | None] = {}
    rejected: list[_Rejection] = []
    events: list[dict[str, Any]] = []
    event_index: list[tuple[int, str]] = []
    for index, message in enumerate(payload.messages):
        call = message.get("type", "") if isinstance(message, dict) else ""
        try:
            call = _message_call(message)
            at = segment_timestamp(
                message, sent_at=payload.sent_at, received_at=received_at, memo=memo
            )
            if call in EVENT_CALLS:
                events.append(_event(message, call=call, at=at))
                event_index.append((index, call))
            else:
                _apply(message, call, at, create_unknown)
                outcome.accepted += 1
        except _Reject as reject:
            rejected.append((index, str(call)[:16], reject.code, reject.reason))
    if events:
        _events_store(tenant, events, event_index, received_at, outcome, rejected)
    rejected.sort()
    outcome.rejected = [
        {"index": i, "type": call, "code": code, "reason": reason}
        for i, call, code, reason in rejected
    ]
    if rejected:
        RejectedMessage.objects.bulk_create(
            RejectedMessage(
                tenant=tenant,
                api_key=api_key,
                received_at=received_at,
                call=call,
                message_id=_message_id(payload.messages[i]),
                code=code,
                reason=reason[:300],
            )
            for i, call, code, reason in rejected
        )
    return outcome


def rejected_messages_prune(*, now: dt.datetime | None = None, keep_days: int = 30) -> int:
    """Forget rejections older than `keep_days` (every tenant: a maintenance job)."""
    horizon = (now or timezone.now()) - dt.timedelta(days=keep_days)
    with cross_tenant("sweep"):
        deleted, _ = RejectedMessage.objects.unscoped().filter(received_at__lt=horizon).delete()
    return deleted
