"""The events Junkan sends, their payloads (version 1, documented in OpenAPI) and their Slack
text.

Every payload is `{"type": …, "version": 1, "timestamp": …, "tenant": slug, "data": {…}}`;
`data.account` (when the event concerns an account) is always the same small object with the
account's page URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from .extensions import slack_words

PAYLOAD_VERSION = 1

HEALTH_BAND_CHANGED = "health.band_changed"
HEALTH_ALERT_OPENED = "health.alert_opened"
ACCOUNT_PHASE_CHANGED = "account.phase_changed"
MILESTONE_STATUS_CHANGED = "milestone.status_changed"
RULE_FIRED = "rule.fired"
TASK_CREATED = "task.created"
TASK_COMPLETED = "task.completed"
FEEDBACK_CREATED = "feedback.created"
SEMINAR_REGISTERED = "seminar.registered"

EVENT_CHOICES = [
    (HEALTH_BAND_CHANGED, gettext_lazy("Health band changed")),
    (HEALTH_ALERT_OPENED, gettext_lazy("Health alert opened")),
    (ACCOUNT_PHASE_CHANGED, gettext_lazy("Account phase changed")),
    (MILESTONE_STATUS_CHANGED, gettext_lazy("Milestone status changed")),
    (RULE_FIRED, gettext_lazy("Rule fired")),
    (TASK_CREATED, gettext_lazy("Task created")),
    (TASK_COMPLETED, gettext_lazy("Task completed")),
    (FEEDBACK_CREATED, gettext_lazy("Feedback created")),
    (SEMINAR_REGISTERED, gettext_lazy("Seminar registration")),
]
EVENT_TYPES = [value for value, _label in EVENT_CHOICES]
# What a Slack channel can receive: the alerts and the tasks of the CSMs.
SLACK_EVENTS = [HEALTH_BAND_CHANGED, HEALTH_ALERT_OPENED, TASK_CREATED, TASK_COMPLETED]
# The health bands a payload names.
BANDS = ["green", "amber", "red"]


def account_url(*, tenant_slug: str, account_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/t/{tenant_slug}/accounts/{account_id}/"


def account_ref(*, tenant_slug: str, account_id: int, name: str, external_id: str) -> dict:
    """`data.account` of every payload."""
    return {
        "id": account_id,
        "external_id": external_id,
        "name": name,
        "url": account_url(tenant_slug=tenant_slug, account_id=account_id),
    }


# --- OpenAPI: the payloads as serializers (documentation only) ---------------------------------


class AccountRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField(help_text="The account's page in Junkan.")


class BandChangedData(serializers.Serializer):
    account = AccountRefSerializer()
    previous_band = serializers.ChoiceField(BANDS, allow_null=True)
    band = serializers.ChoiceField(BANDS)
    score = serializers.FloatField()
    day = serializers.DateField()


class AlertOpenedData(serializers.Serializer):
    account = AccountRefSerializer()
    alert_id = serializers.IntegerField()
    kind = serializers.ChoiceField(["drop", "red"])
    score = serializers.FloatField()
    previous_score = serializers.FloatField(allow_null=True)
    day = serializers.DateField()


class PhaseChangedData(serializers.Serializer):
    account = AccountRefSerializer()
    from_phase = serializers.CharField(allow_null=True, help_text="The phase's key.")
    to_phase = serializers.CharField(help_text="The phase's key (e.g. onboarding).")
    changed_at = serializers.DateTimeField()


class MilestoneChangedData(serializers.Serializer):
    account = AccountRefSerializer()
    milestone_id = serializers.IntegerField()
    name = serializers.CharField()
    previous_status = serializers.CharField()
    status = serializers.CharField()


class RuleFiredData(serializers.Serializer):
    account = AccountRefSerializer()
    rule_id = serializers.IntegerField()
    rule = serializers.CharField()
    action = serializers.CharField()


# What a generated task's `data` holds, by its `kind` (a task written by a person: kind "",
# data {}). Receivers may word the task themselves from these; `title` is worded in the
# workspace's default language.
TASK_KINDS = {
    "": "A task a person wrote (or reworded): `data` is {} and `title` is their text.",
    "health_alert": '`data`: {"kind": "drop" | "red", "score": number, "previous": number or '
    "null} of the health alert that opened the task.",
    "milestone_at_risk": '`data`: {"milestone": id, "title": the milestone\'s title, "score": '
    'the health score, "target": the milestone\'s target score, "due": "YYYY-MM-DD"}.',
    "rule": '`data`: {"rule": the playbook rule\'s id, "detail": why it fired, e.g. '
    '{"why": "score_below", "threshold": 40}}.',
}


class TaskCreatedData(serializers.Serializer):
    account = AccountRefSerializer(allow_null=True)
    task_id = serializers.IntegerField()
    title = serializers.CharField(
        help_text="The task's title in the workspace's default language (for a generated "
        "task, worded from `kind` and `data`)."
    )
    kind = serializers.CharField(
        allow_blank=True,
        help_text="What generated the task: "
        + "; ".join(f"`{key or '(empty)'}`: {text}" for key, text in TASK_KINDS.items()),
    )
    data = serializers.DictField(
        help_text="What happened, machine-readable (its keys depend on `kind`, see there)."
    )
    due_date = serializers.DateField(allow_null=True)
    owner_email = serializers.EmailField(allow_null=True)


class TaskCompletedData(serializers.Serializer):
    account = AccountRefSerializer(allow_null=True)
    task_id = serializers.IntegerField()
    title = serializers.CharField(
        help_text="The task's title in the workspace's default language (for a generated "
        "task, worded from `kind` and `data`)."
    )
    kind = serializers.CharField(
        allow_blank=True, help_text="What generated the task (as in task.created)."
    )
    data = serializers.DictField(help_text="What happened, machine-readable (as in task.created).")
    completed_at = serializers.DateTimeField()
    completed_by_email = serializers.EmailField(
        allow_null=True, help_text="Who marked it done (null: an API key or the system)."
    )
    owner_email = serializers.EmailField(allow_null=True)


class FeedbackCreatedData(serializers.Serializer):
    account = AccountRefSerializer(allow_null=True)
    feedback_id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()


class SeminarRegisteredData(serializers.Serializer):
    account = AccountRefSerializer(allow_null=True)
    seminar_id = serializers.IntegerField()
    seminar = serializers.CharField()
    starts_at = serializers.DateTimeField()
    contact_email = serializers.EmailField(allow_null=True)


DATA_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    HEALTH_BAND_CHANGED: BandChangedData,
    HEALTH_ALERT_OPENED: AlertOpenedData,
    ACCOUNT_PHASE_CHANGED: PhaseChangedData,
    MILESTONE_STATUS_CHANGED: MilestoneChangedData,
    RULE_FIRED: RuleFiredData,
    TASK_CREATED: TaskCreatedData,
    TASK_COMPLETED: TaskCompletedData,
    FEEDBACK_CREATED: FeedbackCreatedData,
    SEMINAR_REGISTERED: SeminarRegisteredData,
}


def payload_serializer(event_type: str) -> type[serializers.Serializer]:
    """The documented envelope of one event type (version 1)."""
    data = DATA_SERIALIZERS[event_type]
    name = "".join(part.title() for part in event_type.replace(".", "_").split("_"))
    return type(
        f"{name}WebhookV1",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField([event_type]),
            "version": serializers.ChoiceField([PAYLOAD_VERSION]),
            "timestamp": serializers.DateTimeField(),
            "tenant": serializers.CharField(help_text="The workspace's slug."),
            "data": data(),
            "__module__": __name__,
        },
    )


def payload_example(event_type: str, *, tenant_slug: str, timestamp: str) -> dict[str, Any]:
    """An example payload of one event type (what `GET /api/v1/webhooks/event-types/` shows
    beside each type; it matches `payload_serializer(event_type)`)."""
    account = account_ref(
        tenant_slug=tenant_slug, account_id=1, name="Example Corp", external_id="ex-1"
    )
    data: dict[str, dict[str, Any]] = {
        HEALTH_BAND_CHANGED: {
            "account": account, "previous_band": "green", "band": "amber", "score": 58.5,
            "day": timestamp[:10],
        },
        HEALTH_ALERT_OPENED: {
            "account": account, "alert_id": 1, "kind": "drop", "score": 52.0,
            "previous_score": 71.0, "day": timestamp[:10],
        },
        ACCOUNT_PHASE_CHANGED: {
            "account": account, "from_phase": "onboarding", "to_phase": "adoption",
            "changed_at": timestamp,
        },
        MILESTONE_STATUS_CHANGED: {
            "account": account, "milestone_id": 1, "name": "Kick-off", "previous_status": "open",
            "status": "done",
        },
        RULE_FIRED: {"account": account, "rule_id": 1, "rule": "Usage drop", "action": "task"},
        TASK_CREATED: {
            "account": account, "task_id": 1, "title": "Health dropped 19 points to 52",
            "kind": "health_alert", "data": {"kind": "drop", "score": 52.0, "previous": 71.0},
            "due_date": timestamp[:10], "owner_email": "csm@example.com",
        },
        TASK_COMPLETED: {
            "account": account, "task_id": 1, "title": "Health dropped 19 points to 52",
            "kind": "health_alert", "data": {"kind": "drop", "score": 52.0, "previous": 71.0},
            "completed_at": timestamp, "completed_by_email": "csm@example.com",
            "owner_email": "csm@example.com",
        },
        FEEDBACK_CREATED: {
            "account": account, "feedback_id": 1, "kind": "request", "title": "CSV export",
        },
        SEMINAR_REGISTERED: {
            "account": account, "seminar_id": 1, "seminar": "Getting started",
            "starts_at": timestamp, "contact_email": "user@example.com",
        },
    }  # fmt: skip
    return {
        "type": event_type,
        "version": PAYLOAD_VERSION,
        "timestamp": timestamp,
        "tenant": tenant_slug,
        "data": data[event_type],
    }


# --- Slack ---------------------------------------------------------------------------------------


def _link(account: dict | None) -> str:
    if not account:
        return ""
    name = str(account["name"]).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<{account['url']}|{name}>"


def _band_label(band: str) -> str:
    return {"green": _("green"), "amber": _("amber"), "red": _("red")}.get(band, band)


def _band_text(data: dict) -> str:
    return _("Health turned %(band)s: %(account)s (score %(score)s)") % {
        "band": _band_label(data["band"]),
        "account": _link(data["account"]),
        "score": round(float(data["score"])),
    }


def _alert_text(data: dict) -> str:
    if data.get("kind") == "red":
        return _("Health turned %(band)s: %(account)s (score %(score)s)") % {
            "band": _band_label("red"),
            "account": _link(data["account"]),
            "score": round(float(data["score"])),
        }
    return _("Health score dropped to %(score)s: %(account)s") % {
        "score": round(float(data["score"])),
        "account": _link(data["account"]),
    }


def _task_text(data: dict) -> str:
    text = _("New task: %(title)s") % {"title": data["title"]}
    if data.get("account"):
        text += f" — {_link(data['account'])}"
    if data.get("due_date"):
        text += " " + _("(due %(date)s)") % {"date": data["due_date"]}
    return text


def _task_done_text(data: dict) -> str:
    text = _("Task completed: %(title)s") % {"title": data["title"]}
    if data.get("account"):
        text += f" — {_link(data['account'])}"
    return text


_SLACK_TEXT: dict[str, Callable[[dict], str]] = {
    HEALTH_BAND_CHANGED: _band_text,
    HEALTH_ALERT_OPENED: _alert_text,
    TASK_CREATED: _task_text,
    TASK_COMPLETED: _task_done_text,
}


def slack_body(*, event_type: str, data: dict[str, Any], language: str) -> dict[str, Any]:
    """A Slack incoming-webhook body (`text` in mrkdwn) in the endpoint's language (a generated
    task's title too: `webhooks.extensions.register_slack_words`)."""
    with translation.override(language):
        return {"text": _SLACK_TEXT[event_type](slack_words(event_type, data))}
