"""Staff pages of Learn & Support, at /t/<slug>/content/."""

from django.urls import path

from . import domain_views, plan_views, views

app_name = "content"

urlpatterns = [
    path("", views.index, name="index"),
    path("articles/new/", views.article_new, name="article_new"),
    path("articles/<int:pk>/", views.article_edit, name="article_edit"),
    path("articles/<int:pk>/status/", views.article_status, name="article_status"),
    path("articles/<int:pk>/delete/", views.article_delete, name="article_delete"),
    path("articles/<int:pk>/revisions/", views.article_revisions, name="article_revisions"),
    path("articles/<int:pk>/images/", views.article_images, name="article_images"),
    path("articles/<int:pk>/analytics/", views.article_analytics, name="article_analytics"),
    path("sections/", views.sections, name="sections"),
    path("sections/<int:pk>/", views.section_edit, name="section_edit"),
    path("sections/<int:pk>/move/", views.section_move, name="section_move"),
    path("questions/", views.questions, name="questions"),
    path("feedback/", views.feedback_review, name="feedback_review"),
    path(
        "questions/<int:feedback_id>/draft/", views.draft_from_feedback, name="draft_from_feedback"
    ),
    path("analytics/", views.analytics, name="analytics"),
    path("domains/", domain_views.domains, name="domains"),
    path("domains/<int:pk>/verify/", domain_views.domain_verify, name="domain_verify"),
    path("domains/<int:pk>/primary/", domain_views.domain_primary, name="domain_primary"),
    path("domains/<int:pk>/delete/", domain_views.domain_delete, name="domain_delete"),
    path("plan/<int:pk>/preview/", plan_views.plan_preview, name="plan_preview"),
]
