from __future__ import annotations

from typing import Any

from django import template

from cs_platform.permissions import can as permission_can
from cs_platform.topbar import topbar_html
from cs_platform.urlutils import tenant_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def turl(context: template.Context, viewname: str, *args: Any, **kwargs: Any) -> str:
    """`{% turl 'accounts:detail' account.pk %}`: a staff URL in the current tenant."""
    return tenant_reverse(context["request"], viewname, *args, **kwargs)


@register.simple_tag(takes_context=True)
def topbar(context: template.Context) -> str:
    """`{% topbar %}`: the staff pages' top bar (cs_platform.topbar)."""
    return topbar_html(context.get("request"), context)


@register.filter
def can(request: Any, action: str) -> bool:
    """`{% if request|can:"contact.delete" %}`: the permission map's answer for this member."""
    return permission_can(request, action)
