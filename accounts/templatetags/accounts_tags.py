from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from cs_platform.pagecache import html_kept, html_to_keep
from cs_platform.urlutils import url_context

register = template.Library()

# Currencies whose minor unit is the unit itself.
ZERO_DECIMAL = {"JPY", "KRW", "VND"}
SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}


@register.filter
def money(value: Any, currency: str = "JPY") -> str:
    """Minor units → '¥1,200,000' / '$12,000.00'."""
    if value in (None, ""):
        return "—"
    currency = (currency or "JPY").upper()
    symbol = SYMBOLS.get(currency, "")
    amount = int(value)
    text = f"{amount:,}" if currency in ZERO_DECIMAL else f"{amount / 100:,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


@register.simple_tag
def page_url(query: QueryDict, page: int) -> str:
    """The current query string with another page number."""
    params = query.copy()
    params["page"] = str(page)
    return "?" + params.urlencode()


# What a link from the list leaves out of the query string: the position in the pages.
_PAGE_KEYS = ("page", "after", "before")


def _with(query: QueryDict, key: str, value: str) -> str:
    """`?` + the query string without its page position, `key` set to `value` (in its place,
    or last), as `QueryDict.copy()`, `pop`, `[key] = value` and `urlencode()` write it (the
    list writes about 20 such links per view: no copy of the QueryDict for each)."""
    pairs: list[tuple[bytes, bytes]] = []
    placed = False
    for name, values in query.lists():
        if name in _PAGE_KEYS:
            continue
        if name == key:
            values, placed = [value], True
        pairs.extend((name.encode(), str(v).encode()) for v in values)
    if not placed:
        pairs.append((key.encode(), value.encode()))
    return "?" + urlencode(pairs)


@register.simple_tag
def cursor_url(query: QueryDict, key: str, cursor: str) -> str:
    """The current query string (filters, sort, search) with a keyset page cursor:
    `key` is "after" (next page) or "before" (previous page)."""
    return _with(query, key, cursor)


@register.simple_tag
def sort_url(query: QueryDict, key: str) -> str:
    """Sort by `key`; clicking the current sort again reverses it."""
    base, current = key.lstrip("-"), query.get("sort")
    if current == base:
        return _with(query, "sort", f"-{base}")
    if current == f"-{base}":
        return _with(query, "sort", base)
    return _with(query, "sort", key)


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else getattr(mapping, key, None)


@register.simple_tag
def sort_mark(query: QueryDict, key: str) -> str:
    """▲ / ▼ beside the column the list is sorted by (ascending / descending)."""
    current = query.get("sort", "")
    if current == key:
        return "▲"
    if current == f"-{key}":
        return "▼"
    return ""


@register.simple_tag(takes_context=True)
def account_panel(context: template.Context, panel: dict[str, Any]) -> SafeString:
    """An Account 360 panel (accounts.views._panels): its kept HTML, else its template rendered
    as `{% include panel.template with ctx=panel.context %}` would. A panel to keep gets its
    HTML as it may be kept (`to_keep`), which the view writes with the others in one round trip
    once the page is rendered."""
    if "html" in panel:
        return panel["html"]  # type: ignore[no-any-return]
    assert context.template is not None
    template_ = context.template.engine.get_template(panel["template"])
    with context.push(ctx=panel["context"]):
        html = template_.render(context)
    if panel.get("keep"):
        panel["to_keep"] = html_to_keep(context["request"], html)
    # NOTE: the panel's template escaped what it shows; this marks its output as rendered.
    return mark_safe(html)


class KeptNode(template.Node):
    """`{% kept value … %}…{% endkept %}`: what the block writes, kept in the process once
    per language, workspace (its URLs' prefix) and the block's `value`s (issue #16: the
    list's words, links and forms around its data, written once rather than on every view).

    WARNING: the block may show nothing but its `value`s, translated words and the
    workspace's URLs (`{% turl %}`); anything else it showed would be the first view's. Its
    CSRF token is the viewer's (`cs_platform.pagecache`)."""

    MAX_KEPT = 256

    def __init__(self, nodelist: template.NodeList, values: list[Any]) -> None:
        self.nodelist = nodelist
        self.values = values
        self.kept: dict[tuple[Any, ...], str] = {}

    def render(self, context: template.Context) -> str:
        request = context["request"]
        key = (
            get_language(),
            url_context()[0],
            request.tenant.slug,
            *(value.resolve(context) for value in self.values),
        )
        html = self.kept.get(key)
        if html is None:
            html = html_to_keep(request, self.nodelist.render(context))
            if len(self.kept) >= self.MAX_KEPT:
                # The oldest; another thread (a threaded server) may have taken it already.
                self.kept.pop(next(iter(self.kept), None), None)
            self.kept[key] = html
        return html_kept(request, html)


@register.tag("kept")
def kept(parser: template.base.Parser, token: template.base.Token) -> KeptNode:
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, values)
