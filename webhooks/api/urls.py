from django.urls import path
from rest_framework.routers import BaseRouter

from .views import WebhookDeliveryViewSet, WebhookEndpointViewSet, WebhookEventTypesView

urlpatterns = [
    path("webhooks/event-types/", WebhookEventTypesView.as_view(), name="webhook_event_types"),
]


def register(router: BaseRouter) -> None:
    router.register("webhooks/endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
    router.register("webhooks/deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
