from django.urls import path
from rest_framework.routers import BaseRouter

from .api_ingest import EventIngestView

urlpatterns = [
    path("events/", EventIngestView.as_view(), name="health_events"),
]


def register(router: BaseRouter) -> None:
    pass
