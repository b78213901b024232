"""The filters of the audit-log page and its CSV export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cs_platform.models import Tenant

from .selectors import AuditFilters, action_choices, actor_choices, target_type_choices


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(label=_("By"), required=False)
    action = forms.ChoiceField(label=pgettext_lazy("audit", "Action"), required=False)
    target_type = forms.ChoiceField(label=_("Kind"), required=False)
    target_id = forms.IntegerField(
        label=_("Object id"), required=False, min_value=1, max_value=2**63 - 1
    )
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everyone = [("", _("Anyone"))]
        self.fields["actor"].choices = everyone + actor_choices(tenant=tenant)
        self.fields["action"].choices = [("", _("Every action")), *action_choices()]
        self.fields["target_type"].choices = [("", _("All kinds")), *target_type_choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The first day comes after the last day."))
        return data

    def filters(self) -> AuditFilters:
        """The filters of a valid form; days are whole days in the tenant's time zone."""
        data = self.cleaned_data
        kind, _sep, raw_id = (data.get("actor") or "").partition(":")
        actor_id = int(raw_id) if raw_id else None
        return AuditFilters(
            actor_user_id=actor_id if kind == "user" else None,
            actor_api_key_id=actor_id if kind == "key" else None,
            action=data.get("action") or "",
            target_type=data.get("target_type") or "",
            target_id=data.get("target_id"),
            since=_day_start(data.get("date_from")),
            until=_day_start(data["date_to"] + dt.timedelta(days=1))
            if data.get("date_to")
            else None,
        )


def _day_start(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
