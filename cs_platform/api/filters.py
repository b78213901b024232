"""Query-string filters that keep the schema's promises: what it allows is answered (never a
500, never a 400), what it does not allow is a 400 (never silently ignored)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import SearchFilter, search_smart_split
from rest_framework.request import Request

# NOTE: stored text never holds NUL (PostgreSQL refuses it, validation refuses control
# characters), so a NUL in a search term can only match nothing: U+FFFD keeps that meaning
# without sending PostgreSQL a string it rejects with an error.
_NUL, _NO_MATCH = "\x00", "\ufffd"


class StrictBooleanField(forms.Field):
    """`true` / `false` (as documented), nothing else: `maybe` is a 400, not "no filter"."""

    default_error_messages = {"invalid": "Use true or false."}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1"):
            return True
        if str(value).lower() in ("false", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class ExistingRowField(forms.IntegerField):
    """An id for a filter method that needs the row: one that does not exist is a 404 (the
    schema only says "integer"), never a 400; the queryset stays in the tenant."""

    def __init__(self, *, queryset: QuerySet, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.queryset = queryset

    def clean(self, value: Any) -> Any:
        pk = super().clean(value)
        if pk is None:
            return None
        row = self.queryset.filter(pk=pk).first()
        if row is None:
            raise NotFound()
        return row


def _tighten(form: forms.Form, filters: dict[str, Any], data: Any) -> None:
    for name, field in list(form.fields.items()):
        filter_ = filters.get(name)
        if isinstance(field, forms.NullBooleanField):
            form.fields[name] = field = StrictBooleanField(required=False)
        elif isinstance(field, forms.ModelChoiceField) and not isinstance(
            field, forms.ModelMultipleChoiceField
        ):
            # A reference to a row that does not exist filters to nothing.
            form.fields[name] = field = (
                ExistingRowField(queryset=field.queryset, required=False)
                if filter_ is not None and filter_.method
                else forms.IntegerField(required=False)
            )
        if data.get(name) == "" and not _takes_empty(field):
            # `?actor=` is not "no filter": the schema wants a value of the filter's type.
            field.required = True


def _takes_empty(field: forms.Field) -> bool:
    return isinstance(field, forms.CharField) and not isinstance(
        field, forms.EmailField | forms.URLField | forms.SlugField
    )


def _clamped_utc(value: datetime) -> datetime:
    # An offset PostgreSQL cannot store (+17:28) or a year at the edge of the calendar must
    # not reach the database as is: compare in UTC, clamp what falls off the calendar.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        if value.year < 2:
            return datetime.min.replace(tzinfo=UTC)
        return datetime.max.replace(tzinfo=UTC)


def _sanitised(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return _clamped_utc(value)
    if isinstance(value, str):
        return value.replace(_NUL, _NO_MATCH)
    return value


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        _tighten(filterset.form, filterset.filters, request.query_params)
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        cleaned = filterset.form.cleaned_data
        for name, value in cleaned.items():
            cleaned[name] = _sanitised(value)
        return filterset.qs


class StrictSearchFilter(SearchFilter):
    # One name for free-text search on every endpoint, the one the account list's filter
    # uses: `?q=` (DRF's default `search` was silently ignored where `q` was expected).
    search_param = "q"
    search_description = "Free-text search (words match any of the endpoint's text fields)."

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        # The old name is refused, not ignored: a client still sending `?search=` would get
        # every row and take it for the answer.
        if "search" in request.query_params:
            raise ValidationError(
                {"search": [_("Free-text search is `q` on every endpoint: send `?q=…`.")]},
                code="invalid",
            )
        return super().filter_queryset(request, queryset, view)

    def get_search_terms(self, request: Request) -> list[str]:
        # DRF refuses a NUL in the search with a 400, but the schema allows any string.
        value = request.query_params.get(self.search_param, "").replace(_NUL, _NO_MATCH)
        return search_smart_split(value)
