"""Reads of segments and import jobs."""

from __future__ import annotations

from django.db.models import QuerySet

from cs_platform.requestmemo import request_memoized
from cs_platform.scoping import require_current_tenant

from ..models import Account, ImportJob, Segment
from ..segments import segment_rules_apply
from .accounts import account_list_annotated


def segment_accounts(segment: Segment) -> QuerySet[Account]:
    return segment_rules_apply(account_list_annotated(), segment.rules).order_by("name", "id")


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.select_related("created_by").order_by("name")


def segment_choices() -> list[tuple[str, str]]:
    """(id, name) of the tenant's segments, read once per page view (the list's filter and
    its bulk action both offer them)."""
    return request_memoized(
        ("accounts.segment_choices", require_current_tenant().pk),
        lambda: [
            (str(pk), name)
            for pk, name in Segment.objects.order_by("name", "pk").values_list("pk", "name")
        ],
    )


def import_job_list() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by").order_by("-created_at")
