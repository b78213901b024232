"""Survey / NPS answers (the survey measure) and key events (the denominator of feature
breadth): written by hand on the pages, by the API, and by apps above (seminar surveys)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from cs_platform.trash.services import Actor, trash_delete
from cs_platform.writes import model_update

from ..models import KeyEvent, SurveyResponse


@transaction.atomic
def survey_response_record(
    *,
    account: Account,
    score: int,
    responded_on: dt.date | None = None,
    contact: Contact | None = None,
    comment: str = "",
    source_key: str | None = None,
) -> SurveyResponse:
    """One answer (0–10) for the survey measure. With `source_key` (the survey it answers),
    a later answer to the same survey replaces the earlier one instead of counting twice."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise ValidationError({"score": _("A survey score is a whole number from 0 to 10.")})
    if contact is not None and contact.account_id != account.pk:
        raise ValidationError({"contact": _("The contact belongs to another account.")})
    responded_on = responded_on or timezone.localdate()
    values = {
        "account": account,
        "contact": contact,
        "score": score,
        "responded_on": responded_on,
        "comment": comment,
    }
    if source_key is None:
        return SurveyResponse.objects.create(**values)
    # NOTE: update_or_create under the (tenant, source_key) unique index: two submissions at
    # once cannot both insert; the loser updates the winner's row.
    try:
        with transaction.atomic():
            response, _created = SurveyResponse.objects.update_or_create(
                source_key=source_key, defaults=values
            )
    except IntegrityError:
        response, _created = SurveyResponse.objects.update_or_create(
            source_key=source_key, defaults=values
        )
    return response


def survey_response_update(*, response: SurveyResponse, data: dict[str, Any]) -> SurveyResponse:
    """Correct an answer's fields as the API sends them (validated by its serializer)."""
    return model_update(instance=response, data=data)


def survey_response_delete(*, response: SurveyResponse, actor: Actor = None) -> None:
    trash_delete(obj=response, actor=actor)


def _clean_event_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise ValidationError(
            {"name": _("The event name as your product sends it: up to 100 characters, no spaces.")}
        )
    return name


def key_event_create(*, name: str, label: str = "") -> KeyEvent:
    """Count `name` towards feature breadth (from the next recompute)."""
    name = _clean_event_name(name)
    if KeyEvent.objects.filter(name=name).exists():
        raise ValidationError({"name": _("This event is already a key event.")})
    try:
        with transaction.atomic():
            return KeyEvent.objects.create(name=name, label=label.strip())
    except IntegrityError as exc:
        raise ValidationError({"name": _("This event is already a key event.")}) from exc


def key_event_update(*, key_event: KeyEvent, label: str, name: str | None = None) -> KeyEvent:
    """Relabel a key event. Its name is what the product sends: the page keeps it; the API
    may correct it (`name`)."""
    key_event.label = label.strip()
    fields = ["label"]
    if name is not None:
        key_event.name = name
        fields.append("name")
    key_event.save(update_fields=fields)
    return key_event


def key_event_delete(*, key_event: KeyEvent, actor: Actor = None) -> None:
    """No longer counted towards feature breadth (restorable from the trash)."""
    trash_delete(obj=key_event, actor=actor)
