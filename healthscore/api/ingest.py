"""`POST /api/v1/events/`: the product's usage events (API key of scope `ingest`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from cs_platform.api.ingest import IngestView

from ..services.ingest import (
    MAX_EVENTS,
    MAX_KEY_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PROPERTIES_BYTES,
    BatchTooLarge,
    MalformedBatch,
    events_ingest,
    events_parse,
    max_body_bytes,
)

# The wire format, field by field, as /api/schema/ and /api/docs/ show it.
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["account_id", "event", "timestamp"],
    "properties": {
        "account_id": {
            "type": "string",
            "maxLength": MAX_NAME_LENGTH,
            "description": "The account's external id (`external_id` of /api/v1/accounts/, "
            "the id in your own system), not Junkan's numeric id. Unknown: rejected "
            "`unknown_account`.",
        },
        "event": {
            "type": "string",
            "maxLength": MAX_NAME_LENGTH,
            "description": "What happened, e.g. `login`, `report_exported`; key events "
            "(/api/v1/health/key-events/) count towards feature breadth.",
        },
        "timestamp": {
            "type": "string",
            "format": "date-time",
            "description": "When it happened: ISO 8601 with a UTC offset (`2026-11-20T09:30:00"
            "+09:00` or `…Z`); without an offset: `bad_timestamp`. At most 5 minutes in the "
            "future (`future_timestamp`); older than the retention "
            "(HEALTH_EVENT_RETENTION_MONTHS): `too_old`.",
        },
        "contact_id": {
            "type": "string",
            "maxLength": MAX_NAME_LENGTH,
            "description": "Optional: the user's key (a contact's external id) for active-user "
            "counts.",
        },
        "properties": {
            "type": "object",
            "additionalProperties": True,
            "description": f"Optional JSON object, at most {MAX_PROPERTIES_BYTES // 1024} KB "
            "serialized (`properties_too_large`).",
        },
        "idempotency_key": {
            "type": "string",
            "maxLength": MAX_KEY_LENGTH,
            "description": "Strongly recommended: a key unique per event in your system. A "
            "retried event with the same key is counted in `duplicates` and stored once. "
            "Junkan derives no key: an event sent twice WITHOUT a key is stored twice.",
        },
    },
}
RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "accepted": {"type": "integer", "description": "Events stored."},
        "duplicates": {
            "type": "integer",
            "description": "Events whose idempotency_key was seen before (not stored again).",
        },
        "rejected": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer", "description": "Position in the batch (0-based)."},
                    "error": {"type": "string"},
                    "code": {
                        "type": "string",
                        "enum": [
                            "invalid_json",
                            "bad_type",
                            "missing_field",
                            "too_long",
                            "bad_timestamp",
                            "future_timestamp",
                            "too_old",
                            "properties_too_large",
                            "unknown_account",
                        ],
                    },
                },
            },
        },
    },
}
NDJSON_DESCRIPTION = (
    "With `Content-Type: application/x-ndjson`: one event object (as in the JSON array) per "
    "line; a line that is not JSON is rejected `invalid_json` and the others are taken."
)
INGEST_DESCRIPTION = (
    "API key of scope `ingest` only (`Authorization: Api-Key …`; `read` and `write` keys get a "
    f"403 naming the scope). A JSON array of at most {MAX_EVENTS:,} events, or NDJSON. Each "
    "event is validated on its own: the valid ones are stored, the others come back in "
    "`rejected` with their index and a code. Rate limited per key (429 with Retry-After). "
    "Retries are safe only with `idempotency_key`."
)


def _too_large() -> Response:
    return Response(
        {
            "detail": _("The batch is too large (at most 10,000 events and %(bytes)s bytes).")
            % {"bytes": max_body_bytes()},
            "code": "batch_too_large",
        },
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


class EventIngestView(IngestView):
    """Accepts a JSON array (≤ 10,000 events) or NDJSON (`application/x-ndjson`)."""

    @extend_schema(
        request={
            "application/json": {"type": "array", "items": EVENT_SCHEMA, "maxItems": MAX_EVENTS},
            "application/x-ndjson": {"type": "string", "description": NDJSON_DESCRIPTION},
        },
        responses={
            200: OpenApiResponse(
                response=RESULT_SCHEMA,
                description="Taken: counts, and the events refused one by one (the others of "
                "the batch are stored).",
            ),
            400: OpenApiResponse(description="The body is not JSON (code `malformed`)."),
            413: OpenApiResponse(
                description=f"More than {MAX_EVENTS:,} events, or more bytes than the server's"
                " HEALTH_INGEST_MAX_BODY_BYTES (16 MiB unless set; code `batch_too_large`)."
            ),
        },
        summary="Send usage events",
        description=INGEST_DESCRIPTION,
    )
    def post(self, request: Request) -> Response:
        body = self.body_read(request, limit=max_body_bytes())
        if body is None:
            return _too_large()
        try:
            events = events_parse(body=body, content_type=request.content_type or "")
            result = events_ingest(tenant=request._request.tenant, events=events)
        except BatchTooLarge:
            return _too_large()
        except MalformedBatch as exc:
            return Response(
                {"detail": str(exc), "code": "malformed"}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(result.as_dict(), status=status.HTTP_200_OK)
