from django.urls import path
from rest_framework.routers import BaseRouter

from ..audit.api import AuditEventViewSet
from ..trash.api import ChangeRecordViewSet, TrashViewSet
from .views import ApiKeyViewSet, MeView

urlpatterns = [path("me/", MeView.as_view(), name="api_me")]


def register(router: BaseRouter) -> None:
    router.register("api-keys", ApiKeyViewSet, basename="api-key")
    router.register("trash", TrashViewSet, basename="trash")
    router.register("changes", ChangeRecordViewSet, basename="change")
    router.register("audit-events", AuditEventViewSet, basename="audit-event")
