"""A URLconf of probe views for the permission tests: each answers 200 when allowed."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cs_platform.api.permissions import IsTenantAdmin
from cs_platform.models import Role


class Probe(APIView):
    def get(self, request: Request) -> Response:
        return Response({"tenant": request._request.tenant.slug})

    def post(self, request: Request) -> Response:
        return Response({"tenant": request._request.tenant.slug})


class TimeZone(APIView):
    def get(self, request: Request) -> Response:
        return Response({"tz": timezone.get_current_timezone_name()})


class DefaultRoles(Probe):
    """Viewers read, CSMs write (the defaults)."""


class ManagerWrites(Probe):
    write_role = Role.CS_MANAGER


class AdminWrites(Probe):
    write_role = Role.ADMIN


class AdminOnly(Probe):
    permission_classes = [IsTenantAdmin]


class Ingest(Probe):
    ingest_endpoint = True


urlpatterns = [
    path("api/probe/default/", DefaultRoles.as_view()),
    path("api/probe/manager-writes/", ManagerWrites.as_view()),
    path("api/probe/admin-writes/", AdminWrites.as_view()),
    path("api/probe/admin-only/", AdminOnly.as_view()),
    path("api/probe/ingest/", Ingest.as_view()),
    path("api/probe/tz/", TimeZone.as_view()),
]
