"""Reads of the audit log (tenant-scoped by the default manager), its filters and labels."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cs_platform.models import ApiKey, AuditEvent, Membership, Tenant
from cs_platform.trash.extensions import trashable_models

from .extensions import tracked_models

# What each verb of an action reads as (the action itself stays a stable code: name.verb).
VERBS = {
    "created": pgettext_lazy("audit", "created"),
    "updated": pgettext_lazy("audit", "changed"),
    "deleted": pgettext_lazy("audit", "deleted"),
    "restored": pgettext_lazy("audit", "restored"),
    "purged": pgettext_lazy("audit", "purged for good"),
    "issued": pgettext_lazy("audit", "issued"),
    "revoked": pgettext_lazy("audit", "revoked"),
    "published": pgettext_lazy("audit", "published"),
    "made_primary": pgettext_lazy("audit", "made primary"),
    "queued": pgettext_lazy("audit", "started"),
    "finished": pgettext_lazy("audit", "finished"),
    "csv": pgettext_lazy("audit", "exported as CSV"),
    "signed_in": pgettext_lazy("audit", "signed in"),
    "signed_out": pgettext_lazy("audit", "signed out"),
    "sign_in_failed": pgettext_lazy("audit", "failed sign-in"),
}
# Names of the actions that are not a tracked model's (see `tracking.audit_track`).
NAMES = {
    "auth": _("Sign-in"),
    "api_key": _("API key"),
    "object": pgettext_lazy("audit", "Object"),
    "import": _("CSV import"),
    "export": _("Export"),
    "success_plan_share": _("Success plan sharing"),
    "success_plan_step": _("Success plan step (by the customer)"),
    "success_plan_comment": _("Success plan comment (by the customer)"),
}
# Every action the code records besides the tracked models' created/updated/deleted.
EXPLICIT_ACTIONS = [
    "api_key.issued",
    "api_key.revoked",
    "auth.sign_in_failed",
    "auth.signed_in",
    "auth.signed_out",
    "custom_domain.made_primary",
    "export.csv",
    "import.finished",
    "import.queued",
    "object.deleted",
    "object.purged",
    "object.restored",
    "scorecard.published",
    "success_plan_comment.created",
    "success_plan_share.updated",
    "success_plan_step.updated",
]


def _name_of(name: str) -> str:
    for model, spec in tracked_models().items():
        if spec.name == name:
            return str(model._meta.verbose_name).capitalize()
    return str(NAMES.get(name, name))


def action_label(action: str) -> str:
    """“Scorecard: published”, “スコアカード: 公開” …; an unknown action reads as its code."""
    name, _dot, verb = action.partition(".")
    if verb not in VERBS:
        return action
    return f"{_name_of(name)}: {VERBS[verb]}"


def action_choices() -> list[tuple[str, str]]:
    """(action, label) of every action the code can record, by label."""
    actions = set(EXPLICIT_ACTIONS)
    for spec in tracked_models().values():
        actions |= {f"{spec.name}.created", f"{spec.name}.updated", f"{spec.name}.deleted"}
    return sorted(((a, action_label(a)) for a in actions), key=lambda item: item[1])


def kind_label(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name).capitalize()
    except (LookupError, ValueError):
        return label


def target_type_choices() -> list[tuple[str, str]]:
    """(model label, name) of the kinds an event may be about: the tracked models, users,
    API keys, import jobs and every trashable kind."""

    labels = {m._meta.label_lower for m in tracked_models()}
    labels |= {m._meta.label_lower for m in trashable_models()}
    labels |= {"cs_platform.user", "cs_platform.apikey", "accounts.importjob"}
    return sorted(((label, kind_label(label)) for label in labels), key=lambda item: item[1])


def actor_choices(*, tenant: Tenant) -> list[tuple[str, str]]:
    """("user:<id>" or "key:<id>", name) of the tenant's members and API keys."""
    users = [
        (f"user:{m.user_id}", m.user.full_name or m.user.email)
        for m in Membership.objects.filter(tenant=tenant).select_related("user")
    ]
    keys = [
        (f"key:{k.pk}", f"{_('API key')} {k.name} ({k.prefix}…)")
        for k in ApiKey.objects.filter(tenant=tenant).order_by("name")
    ]
    return sorted(users, key=lambda item: item[1].lower()) + keys


@dataclass(frozen=True)
class AuditFilters:
    actor_user_id: int | None = None
    actor_api_key_id: int | None = None
    action: str = ""  # an exact action, or a name alone for all of its verbs ("membership")
    target_type: str = ""
    target_id: int | None = None
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive


def audit_event_list(*, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """The tenant's audit log, newest first, narrowed by `filters`."""
    f = filters or AuditFilters()
    queryset = AuditEvent.objects.all()
    if f.actor_user_id is not None:
        queryset = queryset.filter(actor_user_id=f.actor_user_id)
    if f.actor_api_key_id is not None:
        queryset = queryset.filter(actor_api_key_id=f.actor_api_key_id)
    if f.action:
        queryset = (
            queryset.filter(action=f.action)
            if "." in f.action
            else queryset.filter(action__startswith=f"{f.action}.")
        )
    if f.target_type:
        queryset = queryset.filter(target_type=f.target_type)
    if f.target_id is not None:
        queryset = queryset.filter(target_id=f.target_id)
    if f.since is not None:
        queryset = queryset.filter(at__gte=f.since)
    if f.until is not None:
        queryset = queryset.filter(at__lt=f.until)
    return queryset.order_by("-at", "-id")


def audit_page(
    *, filters: AuditFilters, after: tuple[dt.datetime, int] | None, size: int
) -> tuple[list[AuditEvent], tuple[dt.datetime, int] | None]:
    """One page of the log after the keyset cursor `after` (the last row's (at, id)), and the
    cursor of the next page (None on the last). Keyset, not OFFSET: page 1,000 of a large log
    costs what page 1 does, and the log's index (tenant, -at, -id) serves it."""
    queryset = audit_event_list(filters=filters)
    if after is not None:
        at, pk = after
        queryset = queryset.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, ((rows[-1].at, rows[-1].pk) if more and rows else None)


def changes_lines(event: AuditEvent, *, limit: int = 12) -> Iterator[tuple[str, str, str]]:
    """(field, before, after) of an event's diff, as short text, for the page."""
    for n, (name, pair) in enumerate(sorted(event.changes.items())):
        if n == limit:
            yield ("…", "", "")
            return
        before, after = ([*pair, None, None])[:2] if isinstance(pair, list) else (None, pair)
        yield (name, _short(before), _short(after))


def _short(value: object, size: int = 80) -> str:
    if value is None:
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= size else text[: size - 1] + "…"
