from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import ApiKey
from ..selectors import api_key_list
from ..services import api_key_issue, api_key_revoke


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField(allow_null=True)
    tenant = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    api_key_scope = serializers.CharField(allow_null=True)


class MeView(APIView):
    """Who am I, in which tenant, with which role (or API-key scope)."""

    permission_resource = "me"

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        membership = request._request.membership
        key = request.auth if isinstance(request.auth, ApiKey) else None
        return Response(
            MeSerializer(
                {
                    "email": None if key else request.user.email,
                    "tenant": request._request.tenant.slug,
                    "role": membership.role if membership else None,
                    "api_key_scope": key.scope if key else None,
                }
            ).data
        )


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The key itself; returned only once.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class ApiKeyViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The tenant's API keys (admins only). Create returns the key once; revoke disables it."""

    permission_resource = "api_key"

    # ApiKey is read across tenants by the authentication, so it is not a TenantScopedModel;
    # this viewset filters by the request's tenant by hand (the `none()` is for the schema).
    queryset = ApiKey.objects.none()
    serializer_class = ApiKeySerializer
    filterset_fields = ["scope"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiKey.objects.none()
        return api_key_list(tenant=self.request._request.tenant)

    @extend_schema(request=ApiKeySerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = api_key_issue(
            tenant=request._request.tenant,
            name=serializer.validated_data["name"],
            scope=serializer.validated_data["scope"],
            created_by=request.user,
        )
        data = ApiKeySerializer(issued.api_key).data | {"key": issued.raw_key}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        api_key = self.get_object()
        api_key_revoke(api_key=api_key)
        api_key.refresh_from_db()
        return Response(ApiKeySerializer(api_key).data)
