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
from .selectors import account_search


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

    def filter_q(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        return account_search(queryset, value)

    @extend_schema_field(OpenApiTypes.INT)
    def filter_segment(
        self, queryset: QuerySet[Account], name: str, value: Segment | None
    ) -> QuerySet[Account]:
        return segment_rules_apply(queryset, value.rules) if value else queryset

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        if not queryset.query.order_by:
            queryset = queryset.order_by("name", "id")
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
