"""Markdown → sanitised HTML. Authors are trusted staff, but their HTML is never trusted."""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS: set[str] = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark",
    "ol", "p", "pre", "s", "small", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
}
ALLOWED_SCHEMES: set[str] = {"http", "https", "mailto"}


def markdown_render(*, text: str) -> str:
    """Render Markdown and sanitise the result (scripts, handlers, javascript: URLs removed)."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    # h1 belongs to the page title: an author's "# Heading" becomes h2.
    html = html.replace("<h1", "<h2").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
