"""`POST /segment/v1/<call>`: Segment's HTTP Tracking API (identify, group, track, page,
screen, alias, batch), authenticated with a Junkan API key of scope `ingest` as write key."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from cs_platform.api.authentication import ApiKeyAuthentication, ApiKeyUser
from cs_platform.api.ingest import IngestView
from cs_platform.models import ApiKey

from ..services import (
    MAX_BATCH_BYTES,
    SegmentPayload,
    SegmentRequestError,
    segment_body_decode,
    segment_messages_ingest,
    segment_payload_parse,
)

_PAYLOAD = "_segment_payload"


def _payload(request: Request, call: str) -> SegmentPayload:
    """The request's messages, read once (authentication needs the body's `writeKey`)."""
    django_request = request._request
    cached = getattr(django_request, _PAYLOAD, None)
    if cached is not None:
        return cached
    encoding = django_request.META.get("HTTP_CONTENT_ENCODING", "")
    try:
        # A gzip body is smaller than its JSON: the same limit bounds both.
        raw = IngestView.body_read(request, limit=MAX_BATCH_BYTES)
        if raw is None:
            raise SegmentRequestError("The request is larger than 500 KB.")
        body = segment_body_decode(body=raw, content_encoding=encoding)
        payload = segment_payload_parse(body=body, call=call)
    except SegmentRequestError as exc:
        raise exceptions.ParseError(str(exc)) from None
    setattr(django_request, _PAYLOAD, payload)
    return payload


class SegmentWriteKeyAuthentication(ApiKeyAuthentication):
    """HTTP Basic with the write key as user name (Segment's libraries), else `writeKey` in
    the JSON body (older clients)."""

    def authenticate(self, request: Request) -> tuple[ApiKeyUser, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        keyword, _sep, encoded = header.partition(" ")
        if keyword.lower() == "basic":
            try:
                user_pass = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise exceptions.AuthenticationFailed(_("Malformed Basic credentials.")) from None
            return self.authenticate_raw_key(request, user_pass.partition(":")[0])
        write_key = _payload(request, request.parser_context["kwargs"]["call"]).write_key
        if write_key:
            return self.authenticate_raw_key(request, write_key)
        return None

    def authenticate_header(self, request: Request) -> str:
        return 'Basic realm="segment"'


class SegmentWriteKeyScheme(OpenApiAuthenticationExtension):
    """Documents Segment's HTTP Basic write key (an `ingest` API key as the user name)."""

    target_class = SegmentWriteKeyAuthentication
    name = "segmentWriteKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "basic",
            "description": "Segment write key: an `ingest` API key as the user name, no password.",
        }


class SegmentCallView(IngestView):
    """One Segment call; answers `{"success": true}` once the request is readable.

    Messages that are not accepted are not in the answer (as with Segment): they are counted
    and listed with their reason on the API-keys page.
    """

    authentication_classes = [SegmentWriteKeyAuthentication]

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={
            200: OpenApiResponse(description='{"success": true}'),
            400: OpenApiResponse(
                description="Over 32 KB a message or 500 KB a batch, or not JSON."
            ),
            401: OpenApiResponse(description="No or an unknown write key."),
        },
        summary="Segment HTTP Tracking API call",
        tags=["segment"],
    )
    def post(self, request: Request, call: str) -> Response:
        received_at = timezone.now()
        payload = _payload(request, call)
        try:
            segment_messages_ingest(
                tenant=request._request.tenant,
                api_key=request.auth,
                payload=payload,
                received_at=received_at,
            )
        except SegmentRequestError as exc:
            return Response({"detail": str(exc), "code": "bad_request"}, status=400)
        return Response({"success": True}, status=status.HTTP_200_OK)
