from django.urls import path

from . import survey_views, views

app_name = "healthscore"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/new/", views.scorecard_new, name="scorecard_new"),
    path("scorecards/<int:pk>/", views.scorecard_edit, name="scorecard_edit"),
    path("scorecards/<int:pk>/preview/", views.scorecard_preview_page, name="scorecard_preview"),
    path(
        "scorecards/<int:pk>/editor/preview/",
        views.scorecard_live_preview,
        name="scorecard_live_preview",
    ),
    path("scorecards/<int:pk>/editor/scheme/", views.scorecard_scheme, name="scorecard_scheme"),
    path("scorecards/<int:pk>/backtest/", views.scorecard_backtest, name="scorecard_backtest"),
    path(
        "scorecards/<int:pk>/backtest/adopt/",
        views.scorecard_backtest_adopt,
        name="scorecard_backtest_adopt",
    ),
    path("scorecards/<int:pk>/publish/", views.scorecard_publish_view, name="scorecard_publish"),
    path("settings/alerts/", views.alert_settings, name="alert_settings"),
    path("key-events/", survey_views.key_events, name="key_events"),
    path("key-events/<int:pk>/", survey_views.key_event_edit, name="key_event_edit"),
    path("key-events/<int:pk>/delete/", survey_views.key_event_remove, name="key_event_delete"),
    path("accounts/<int:pk>/surveys/", survey_views.survey_add, name="survey_add"),
    path("recompute/", views.recompute_now, name="recompute_now"),
    path("recompute/<int:pk>/", views.recompute_job, name="recompute_job"),
]
