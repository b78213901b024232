"""`{% learn_url 'article' article_slug=… %}`: a public-site link on the reader's host."""

from __future__ import annotations

from typing import Any

from django import template

from ..links import public_url

register = template.Library()


@register.simple_tag(takes_context=True)
def learn_url(context: template.Context, name: str, **kwargs: Any) -> str:
    return public_url(context["request"], name, **kwargs)
