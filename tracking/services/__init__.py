"""Writes of the tracking app."""

from .segment import (
    MAX_BATCH_BYTES,
    MAX_MESSAGE_BYTES,
    SegmentOutcome,
    SegmentPayload,
    SegmentRequestError,
    rejected_messages_prune,
    segment_body_decode,
    segment_messages_ingest,
    segment_payload_parse,
    segment_timestamp,
)
from .settings import tracking_settings_update

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_MESSAGE_BYTES",
    "SegmentOutcome",
    "SegmentPayload",
    "SegmentRequestError",
    "rejected_messages_prune",
    "segment_body_decode",
    "segment_messages_ingest",
    "segment_payload_parse",
    "segment_timestamp",
    "tracking_settings_update",
]
