"""Voice of the customer: feedback items shared back with sales, marketing and product."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from cs_platform.models import User
from cs_platform.writes import model_update

from ..models import ActivityKind, Department, FeedbackItem, FeedbackKind, FeedbackStatus
from . import webhook_events
from .activities import activity_record


@transaction.atomic
def feedback_create(
    *,
    account: Account | None = None,
    kind: str,
    quote: str,
    category: str = "",
    contact: Contact | None = None,
    source: str = "",
    created_by: User | None = None,
    shared_with: list[str] | None = None,
) -> FeedbackItem:
    if kind not in FeedbackKind.values:
        raise ValidationError({"kind": _("Unknown feedback kind.")})
    if not quote.strip():
        raise ValidationError({"quote": _("This field is required.")})
    departments = sorted(set(shared_with or []))
    if any(d not in Department.values for d in departments):
        raise ValidationError({"shared_with": _("Unknown department.")})
    if account is None and contact is not None:
        account = contact.account
    item = FeedbackItem.objects.create(
        account=account,
        contact=contact,
        kind=kind,
        category=category,
        quote=quote,
        source=source,
        shared_with=departments,
        created_by=created_by,
    )
    if account is not None:
        activity_record(
            account=account,
            kind=ActivityKind.FEEDBACK,
            title=f"{FeedbackKind(kind).label}: {quote[:80]}",
            body=quote,
            actor=created_by,
            contact=contact,
            data={"feedback": item.pk, "kind": kind, "category": category},
            source_key=f"feedback:{item.pk}",
        )
    webhook_events.feedback_created(item=item)
    return item


def feedback_update_status(*, item: FeedbackItem, status: str) -> FeedbackItem:
    if status not in FeedbackStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    item.status = status
    item.save(update_fields=["status"])
    return item


def feedback_update(*, item: FeedbackItem, data: dict[str, Any]) -> FeedbackItem:
    """Correct a feedback item's fields as the API sends them."""
    return model_update(instance=item, data=data)
