"""Viewsets of accounts, contacts, contracts, segments and import jobs (/api/v1/)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cs_platform.api.filters import StrictFilterBackend
from cs_platform.api.viewsets import TenantScopedModelViewSet, TenantScopedReadOnlyViewSet

from .. import services
from ..extensions import list_extensions
from ..filters import AccountFilter, ContactFilter, ContractFilter
from ..models import Account, Contact, Contract, ImportJob, Segment
from ..selectors import account_list_annotated, import_job_list, segment_accounts
from .serializers import (
    AccountSerializer,
    ContactSerializer,
    ContractExpandSerializer,
    ContractRenewSerializer,
    ContractSerializer,
    ImportJobSerializer,
    SegmentSerializer,
)


class AccountViewSet(TenantScopedModelViewSet):
    """Customer companies with their current ARR and next renewal date.

    Besides the filters below, apps above accounts add their own query parameters to the list
    (e.g. `phase`, `tier`), registered through `accounts.extensions.register_list_extension`.
    """

    permission_resource = "account"

    queryset = Account.objects.all()
    serializer_class = AccountSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = AccountFilter

    def safely_get_queryset(self) -> QuerySet[Account]:
        qs = account_list_annotated()
        params = self.request.query_params if self.action == "list" else {}
        for ext in list_extensions():
            if ext.annotate is not None:
                qs = ext.annotate(qs)
            value = params.get(ext.key)
            if value and ext.apply is not None:
                qs = ext.apply(qs, value)
        return qs


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
