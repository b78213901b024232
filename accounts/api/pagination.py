"""The account list's pages in the API: a search pages by keyset, as the list page does.

A search's page numbers counted every match (`count`) and read past every row before the page
(OFFSET): at 100,000 accounts a stem of the bench's names has 12,500 matches. With `q` (or a
cursor) the page is the first `page_size` rows after the cursor, read as the list page reads
them (a search with no other filter from the name grams alone, `account_search_seek`), with
`next` / `previous` links that carry `after` / `before`, and `count` null. `page` asked for
explicitly still pages by number (with its count), as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from cs_platform.api.pagination import StandardPagination
from cs_platform.keyset import CursorError, KeysetPage, keyset_page

# What `keyset_page` writes (URL-safe base64 without padding); anything else (a NUL, a
# control character) is no cursor, refused before it is read.
CURSOR_PATTERN = "^[A-Za-z0-9_-]*$"
_CURSOR = re.compile(r"[A-Za-z0-9_-]*")
CURSORS = ("after", "before")


class AccountListPagination(StandardPagination):
    """Page numbers for the list; keyset pages for a search (`q`) or a cursor (see module).

    The view gives the rows of a page's ids (`keyset_rows(ids)`) and how a search's page is
    read another way (`keyset_seek(request)`, or None)."""

    keyset: KeysetPage | None = None

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any] | None:
        params = request.query_params
        cursors = {name: params.get(name, "") for name in CURSORS}
        wanted = bool(params.get("q", "").strip() or any(cursors.values()))
        if not wanted or (params.get(self.page_query_param) and not any(cursors.values())):
            self.keyset = None
            return super().paginate_queryset(queryset, request, view)
        errors = {
            name: [_("A cursor as `next` or `previous` gave it: letters, digits, - and _.")]
            for name, value in cursors.items()
            if not _CURSOR.fullmatch(value)
        }
        if errors:
            raise ValidationError(errors, code="invalid")
        rows: Callable[[list[Any]], Iterable[Any]] = view.keyset_rows
        try:
            self.keyset = keyset_page(
                queryset,
                size=self.get_page_size(request),
                after=cursors["after"],
                before=cursors["before"],
                rows=rows,
                seek=view.keyset_seek(request),
            )
        except CursorError as exc:
            # A well-formed cursor this list did not give (edited, from another order or
            # search): no such page, as a page number past the last is.
            raise NotFound(
                _("This list gave no such cursor: start again from the first page."),
                code="invalid_cursor",
            ) from exc
        self.request = request
        return list(self.keyset.rows)

    def _link(self, name: str, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        for other in (self.page_query_param, *CURSORS):
            url = remove_query_param(url, other)
        return replace_query_param(url, name, cursor)

    def get_paginated_response(self, data: Any) -> Response:
        if self.keyset is None:
            return super().get_paginated_response(data)
        return Response(
            {
                "count": None,
                "next": self._link("after", self.keyset.next_cursor),
                "previous": self._link("before", self.keyset.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"].update(
            nullable=True,
            description="Every match, for a list by page number; null for a search (`q`) or "
            "a cursor: their pages go by `next` and `previous`, nothing is counted.",
        )
        return response

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        described = {
            "after": "The page after this cursor (a search's `next` link gives it).",
            "before": "The page before this cursor (a search's `previous` link gives it).",
        }
        for name in CURSORS:
            parameters.append(
                {
                    "name": name,
                    "required": False,
                    "in": "query",
                    "description": described[name],
                    "schema": {"type": "string", "pattern": CURSOR_PATTERN},
                }
            )
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["description"] = (
                    "A page number (with `count`). A search (`q`) without `page` pages by "
                    "cursor: follow `next` and `previous`."
                )
        return parameters
