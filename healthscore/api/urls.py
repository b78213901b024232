from django.urls import path
from rest_framework.routers import BaseRouter

from .ingest import EventIngestView
from .views import (
    AccountHealthHistoryView,
    AccountHealthNowView,
    AccountHealthView,
    HealthSettingsView,
    KeyEventViewSet,
    PortfolioView,
    RecomputeJobViewSet,
    ScorecardViewSet,
    SurveyResponseViewSet,
)

urlpatterns = [
    path("events/", EventIngestView.as_view(), name="health_events"),
    path("accounts/<int:pk>/health/", AccountHealthView.as_view(), name="account_health"),
    path(
        "accounts/<int:pk>/health/now/", AccountHealthNowView.as_view(), name="account_health_now"
    ),
    path(
        "accounts/<int:pk>/health/history/",
        AccountHealthHistoryView.as_view(),
        name="account_health_history",
    ),
    path("health/portfolio/", PortfolioView.as_view(), name="health_portfolio"),
    path("health/settings/", HealthSettingsView.as_view(), name="health_settings"),
]


def register(router: BaseRouter) -> None:
    router.register("health/scorecards", ScorecardViewSet, basename="health-scorecard")
    router.register("health/key-events", KeyEventViewSet, basename="health-key-event")
    router.register("health/survey-responses", SurveyResponseViewSet, basename="survey-response")
    router.register("health/recompute-jobs", RecomputeJobViewSet, basename="recompute-job")
