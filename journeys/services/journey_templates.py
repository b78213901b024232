"""Journey-map templates edited from the staff pages, and applying one to an account."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from cs_platform.models import User
from cs_platform.trash.services import Actor, trash_delete

from ..models import JourneyMap, JourneyTemplate, TemplateMilestone
from .maps import _check_score, journey_map_create


@transaction.atomic
def journey_template_save(
    *,
    template: JourneyTemplate | None,
    name: str,
    description: str = "",
    milestones: list[dict],
) -> JourneyTemplate:
    """Create or update a template and make its milestones exactly `milestones`, in that order.

    Each dict has title, description, target_score, due_after_days and optionally `id` (an
    existing milestone of this template to update); milestones left out are deleted.
    """
    if JourneyTemplate.objects.filter(name=name).exclude(pk=getattr(template, "pk", None)).exists():
        raise ValidationError({"name": _("A template with this name already exists.")})
    for item in milestones:
        _check_score(item.get("target_score", 60))
    if template is None:
        template = JourneyTemplate.objects.create(name=name, description=description)
    else:
        template.name = name
        template.description = description
        template.save(update_fields=["name", "description"])
    existing = {m.pk: m for m in template.items.all()}
    kept_ids = {item["id"] for item in milestones if item.get("id") in existing}
    template.items.exclude(pk__in=kept_ids).delete()
    to_update, to_create = [], []
    for order, item in enumerate(milestones):
        fields = {
            "title": item["title"],
            "description": item.get("description", ""),
            "target_score": item.get("target_score", 60),
            "due_after_days": item.get("due_after_days", 30),
            "order": order,
        }
        if item.get("id") in kept_ids:
            row = existing[item["id"]]
            for key, value in fields.items():
                setattr(row, key, value)
            to_update.append(row)
        else:
            to_create.append(
                TemplateMilestone(tenant_id=template.tenant_id, template=template, **fields)
            )
    if to_update:
        TemplateMilestone.objects.bulk_update(
            to_update, ["title", "description", "target_score", "due_after_days", "order"]
        )
    TemplateMilestone.objects.bulk_create(to_create)
    return template


def journey_template_delete(*, template: JourneyTemplate, actor: Actor = None) -> None:
    """Delete a template into the trash; maps made from it keep their milestones (the link
    becomes NULL, and comes back with a restore)."""
    trash_delete(obj=template, actor=actor)


@transaction.atomic
def journey_map_apply_template(
    *,
    account: Account,
    template: JourneyTemplate,
    created_by: User | None = None,
    start: dt.date | None = None,
) -> JourneyMap:
    """The account's map from a template; an existing map is only filled while still empty."""
    journey_map = JourneyMap.objects.select_for_update().filter(account=account).first()
    if journey_map is None:
        return journey_map_create(
            account=account, template=template, created_by=created_by, start=start
        )
    if journey_map.milestones.exists():
        raise ValidationError({"template": _("This account's journey map already has milestones.")})
    journey_map.delete()
    return journey_map_create(
        account=account, template=template, created_by=created_by, start=start
    )
