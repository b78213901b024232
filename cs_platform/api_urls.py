from django.urls import path
from rest_framework.routers import BaseRouter

from .api_views import ApiKeyViewSet, MeView

urlpatterns = [path("me/", MeView.as_view(), name="api_me")]


def register(router: BaseRouter) -> None:
    router.register("api-keys", ApiKeyViewSet, basename="api-key")
