"""Account 360's touch panel: its relationship map as HTML made in Python (issue #16).

The map's nested loops (levels, people, awards, user groups) with their `{% translate %}`
tags were most of the touch panel's template time on a first view. The markup is what the
template's loop wrote (tests/touchmodel/test_panel_html.py holds the two side by side).
"""

from __future__ import annotations

from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .selectors.community import RelationshipPerson


def _e(value: Any) -> str:
    """`conditional_escape(value)`, without the lazy check of Django's `escape`."""
    if hasattr(value, "__html__"):
        return value.__html__()  # type: ignore[no-any-return]
    return escape(str(value))


def relationship_html(relationship: dict[str, list[RelationshipPerson]]) -> SafeString:
    """The people by level (`relationship_map`), as the template's loop wrote them."""
    levels = {
        "executive": _e(_("Executives")),
        "manager": _e(_("Managers")),
    }
    champion = f' <strong data-testid="champion-badge">★ {_e(_("Champion"))}</strong>'
    out = []
    for level, people in relationship.items():
        if not people:
            out.append("\n    \n  ")
            continue
        items = []
        for p in people:
            item = _e(p.contact.name)
            if p.contact.is_champion:
                item += champion
            item += "".join(f' <span class="muted">{_e(a)}</span>' for a in p.awards)
            if p.groups:
                item += f' <span class="muted">· {", ".join(_e(g) for g in p.groups)}</span>'
            items.append(f"<li>{item}</li>")
        label = levels.get(level) or _e(_("Field users"))
        out.append(f'\n    <p class="muted">{label}</p>\n    <ul>{"".join(items)}</ul>\n  ')
    # NOTE: safe because every name, award and group is escaped above.
    return mark_safe("".join(out))
