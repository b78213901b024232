"""Reads of survey answers and key events."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Account

from ..models import KeyEvent, SurveyResponse


def survey_response_list(*, account: Account) -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.filter(account=account).select_related("contact")


def key_event_list() -> QuerySet[KeyEvent]:
    return KeyEvent.objects.order_by("name")
