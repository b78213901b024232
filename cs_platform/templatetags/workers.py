"""`{% worker_notice %}`: says plainly that no worker runs, on the pages that start background
work and on the dashboard (queued work would otherwise wait unseen)."""

from __future__ import annotations

from typing import Any

from django import template

from cs_platform.selectors import worker_status

register = template.Library()


@register.inclusion_tag("cs_platform/_worker_notice.html")
def worker_notice() -> dict[str, Any]:
    return {"worker": worker_status()}
