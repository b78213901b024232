"""Reads of survey answers and key events."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Account, Contact
from cs_platform.leanread import lean_columns, lean_model, lean_rows

from ..models import KeyEvent, SurveyResponse


def survey_response_list(*, account: Account) -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.filter(account=account).select_related("contact")


def survey_responses_of(*, account_id: int, limit: int) -> list[SurveyResponse]:
    """`survey_response_list(...)[:limit]` (contacts loaded), as SQL: Account 360 reads it on
    every view (cs_platform.leanread)."""
    rows = lean_rows(
        f"SELECT {lean_columns(SurveyResponse, 'r')}, {lean_columns(Contact, 'c', 'c__')}"
        " FROM healthscore_surveyresponse r LEFT JOIN accounts_contact c ON c.id = r.contact_id"
        " WHERE r.tenant_id = %(tenant)s AND r.account_id = %(account)s"
        " ORDER BY r.responded_on DESC, r.id DESC LIMIT %(limit)s",
        {"account": account_id, "limit": limit},
    )
    responses = []
    for row in rows:
        response = lean_model(SurveyResponse, row)
        response.contact = (
            lean_model(Contact, row, "c__") if response.contact_id is not None else None
        )
        responses.append(response)
    return responses


def key_event_list() -> QuerySet[KeyEvent]:
    return KeyEvent.objects.order_by("name")
