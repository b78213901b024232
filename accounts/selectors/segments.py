"""Reads of segments and import jobs."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Account, ImportJob, Segment
from ..segments import segment_rules_apply
from .accounts import account_list_annotated


def segment_accounts(segment: Segment) -> QuerySet[Account]:
    return segment_rules_apply(account_list_annotated(), segment.rules).order_by("name", "id")


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.select_related("created_by").order_by("name")


def import_job_list() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by").order_by("-created_at")
