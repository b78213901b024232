"""Query-string filters of the accounts API (django-filter: bad values are a 400)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .models import (
    Account,
    Contact,
    Contract,
    ContractStatus,
    LifecycleStatus,
    MarketSegment,
    RelationshipLevel,
    Segment,
)
from .segments import segment_rules_apply
from .selectors import ACCOUNT_ORDERINGS, account_search

# The API's orderings (`ordering=arr` sorts by `current_arr`) as the list page sorts them.
_TOTAL_ORDERINGS = {
    ordering[:1]: ordering
    for key, ordering in ACCOUNT_ORDERINGS.items()
    if key.lstrip("-") in ("name", "arr", "renewal_date")
}


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("Owner (user id)"))
    market_segment = django_filters.ChoiceFilter(choices=MarketSegment.choices)
    lifecycle_status = django_filters.ChoiceFilter(choices=LifecycleStatus.choices)
    industry = django_filters.CharFilter()
    renewal_after = django_filters.DateFilter(field_name="next_renewal_date", lookup_expr="gte")
    renewal_before = django_filters.DateFilter(field_name="next_renewal_date", lookup_expr="lte")
    segment = django_filters.ModelChoiceFilter(
        queryset=Segment.objects.all(), method="filter_segment", label=_("Segment")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("current_arr", "arr"),
            ("next_renewal_date", "renewal_date"),
        )
    )

    class Meta:
        model = Account
        fields: list[str] = []

    # NOTE: PostgreSQL refuses a NUL in text: the field refuses it (a 400), as documented.
    @extend_schema_field({"type": "string", "pattern": "^[^\\u0000]*$"})
    def filter_q(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        return account_search(queryset, value)

    @extend_schema_field(OpenApiTypes.INT)
    def filter_segment(
        self, queryset: QuerySet[Account], name: str, value: Segment | None
    ) -> QuerySet[Account]:
        return segment_rules_apply(queryset, value.rules) if value else queryset

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        # A total order, as the list page's: a search's pages go by keyset (cursors).
        ordering = tuple(queryset.query.order_by)
        if not ordering:
            return queryset.order_by("name", "id")
        if ordering in _TOTAL_ORDERINGS:
            return queryset.order_by(*_TOTAL_ORDERINGS[ordering])
        if ordering[-1] not in ("id", "-id", "pk", "-pk"):
            return queryset.order_by(*ordering, "id")
        return queryset


class ContactFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(
        field_name="relationship_level", choices=RelationshipLevel.choices
    )

    class Meta:
        model = Contact
        fields = ["account", "relationship_level", "is_decision_maker", "is_champion"]


class ContractFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices)

    class Meta:
        model = Contract
        fields = ["account", "status"]
