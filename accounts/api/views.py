"""Viewsets of accounts, contacts, contracts, segments and import jobs (/api/v1/)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cs_platform.api.filters import StrictFilterBackend
from cs_platform.api.schema import JunkanAutoSchema
from cs_platform.api.viewsets import TenantScopedModelViewSet, TenantScopedReadOnlyViewSet

from .. import services
from ..extensions import list_extensions
from ..filters import AccountFilter, ContactFilter, ContractFilter
from ..models import Account, Contact, Contract, ImportJob, Segment
from ..selectors import (
    account_list_annotated,
    account_search_seek,
    import_job_list,
    segment_accounts,
)
from .pagination import CURSORS, AccountListPagination
from .serializers import (
    AccountSerializer,
    ContactSerializer,
    ContractExpandSerializer,
    ContractRenewSerializer,
    ContractSerializer,
    ImportJobSerializer,
    SegmentSerializer,
)


class AccountSchema(JunkanAutoSchema):
    """The list's extension filters (`phase`, `tier`, `health_band` …) as query parameters:
    registered by the apps above accounts, so read when the schema is built."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.view.action != "list":
            return parameters
        for ext in list_extensions():
            if ext.apply is None:
                continue
            parameters.append(
                OpenApiParameter(
                    ext.key,
                    str,
                    description=_EXTENSION_FILTER_DOCS.get(ext.key, ""),
                    required=False,
                )
            )
        return parameters


# NOTE: the values are the ones each account shows in `extensions.<key>`; any other is a 400.
_EXTENSION_FILTER_DOCS = {
    "phase": "The phase's `order` as an account shows it in `extensions.phase` (see "
    "`/api/v1/phases/`), or the phase's `key`.",
    "tier": "A touch tier as an account shows it in `extensions.tier`: `high`, `low` or `tech`.",
    "health_band": "A health band as an account shows it in `extensions.health_band`: "
    "`green`, `amber` or `red`.",
    "score_change": "`drop10`, `drop5`, `rise5` or `rise10`: the latest score against the "
    "last one at least 30 days before it.",
}


def extension_filter_values(params: Any) -> dict[str, str]:
    """The extension filters asked for, each value checked against what the filter accepts."""
    values: dict[str, str] = {}
    errors: dict[str, list[ErrorDetail]] = {}
    for ext in list_extensions():
        value = params.get(ext.key)
        if not value or ext.apply is None:
            continue
        if ext.choices is not None:
            allowed = [str(v) for v, _label in ext.choices()]
            allowed += ext.aliases() if ext.aliases is not None else []
            if value not in allowed:
                message = _("“%(value)s” is not a value of this filter; use one of: %(allowed)s.")
                errors[ext.key] = [
                    ErrorDetail(
                        message % {"value": value, "allowed": ", ".join(allowed)},
                        code="invalid_choice",
                    )
                ]
                continue
        values[ext.key] = value
    if errors:
        raise ValidationError(errors)
    return values


class AccountViewSet(TenantScopedModelViewSet):
    """Customer companies with their current ARR and next renewal date.

    Besides the filters below, apps above accounts add their own query parameters to the list
    (`phase`, `tier`, `health_band`, `score_change`), registered through
    `accounts.extensions.register_list_extension`. Each takes the value an account shows in
    `extensions` (`phase` also takes the phase's key); an unknown value is a 400.
    """

    schema = AccountSchema()
    permission_resource = "account"

    queryset = Account.objects.all()
    serializer_class = AccountSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = AccountFilter
    pagination_class = AccountListPagination

    def _annotated(self, *, filtered: bool) -> QuerySet[Account]:
        qs = account_list_annotated()
        wanted = extension_filter_values(self.request.query_params) if filtered else {}
        for ext in list_extensions():
            if ext.annotate is not None:
                qs = ext.annotate(qs)
            if ext.key in wanted and ext.apply is not None:
                qs = ext.apply(qs, wanted[ext.key])
        return qs

    def safely_get_queryset(self) -> QuerySet[Account]:
        return self._annotated(filtered=self.action == "list")

    def keyset_rows(self, ids: list[int]) -> QuerySet[Account]:
        """The accounts of a keyset page's ids, as the list shows them."""
        return self._annotated(filtered=False).filter(pk__in=ids)

    def keyset_seek(self, request: Request) -> Any:
        """A search with no other filter, by name or by similarity, read from the name grams
        as the list page reads it (`account_search_seek`)."""
        params = request.query_params
        allowed = {"q", "ordering", "page", "page_size", *CURSORS}
        if any(value for key, value in params.items() if key not in allowed):
            return None
        ordering = params.get("ordering", "")
        if ordering not in ("", "name", "-name"):
            return None
        return account_search_seek(q=params.get("q", ""), ordering=ordering)


class ContactViewSet(TenantScopedModelViewSet):
    permission_resource = "contact"
    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["name", "last_met_at", "relationship_level"]
    search_fields = ["name", "email", "title"]

    def safely_get_queryset(self) -> QuerySet[Contact]:
        return Contact.objects.order_by("name", "id")


class ContractViewSet(TenantScopedModelViewSet):
    permission_resource = "contract"
    queryset = Contract.objects.all()
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ["start_date", "renewal_date", "arr"]

    def safely_get_queryset(self) -> QuerySet[Contract]:
        return Contract.objects.order_by("-start_date", "-id")

    @extend_schema(request=ContractRenewSerializer, responses={201: ContractSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: Any = None) -> Response:
        """Renew for another term; the old contract becomes `renewed`."""
        contract = self.get_object()
        params = ContractRenewSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with transaction.atomic():
            new = services.contract_renew(contract=contract, **params.validated_data)
        return Response(self._out(new), status=status.HTTP_201_CREATED)

    @extend_schema(request=ContractExpandSerializer, responses={201: ContractSerializer})
    @action(detail=True, methods=["post"])
    def expand(self, request: Request, pk: Any = None) -> Response:
        """Upsell mid-term at a higher ARR; the old contract becomes `expanded`."""
        contract = self.get_object()
        params = ContractExpandSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with transaction.atomic():
            new = services.contract_expand(contract=contract, **params.validated_data)
        return Response(self._out(new), status=status.HTTP_201_CREATED)

    def _out(self, contract: Contract) -> dict[str, Any]:
        return ContractSerializer(contract, context=self.get_serializer_context()).data


class SegmentViewSet(TenantScopedModelViewSet):
    permission_resource = "segment"
    queryset = Segment.objects.all()
    serializer_class = SegmentSerializer
    ordering_fields = ["name", "created_at"]
    search_fields = ["name"]

    def safely_get_queryset(self) -> QuerySet[Segment]:
        return Segment.objects.order_by("name", "id")

    @extend_schema(responses=AccountSerializer(many=True))
    @action(detail=True, methods=["get"])
    def accounts(self, request: Request, pk: Any = None) -> Response:
        """The accounts the segment's rules match today."""
        segment = self.get_object()
        page = self.paginate_queryset(segment_accounts(segment))
        data = AccountSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


class ImportJobViewSet(TenantScopedReadOnlyViewSet):
    """CSV imports and their progress (start them from the web page or the command)."""

    permission_resource = "import_job"

    queryset = ImportJob.objects.all()
    serializer_class = ImportJobSerializer
    filterset_fields = ["kind", "status", "dry_run"]

    def safely_get_queryset(self) -> QuerySet[ImportJob]:
        return import_job_list()
