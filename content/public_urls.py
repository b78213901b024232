"""Public Learn & Support site, mounted at the site root (TenantMiddleware resolves the slug)."""

from django.urls import path

from . import plan_views
from . import public_views as views

app_name = "content_public"

_p = "learn/<slug:tenant_slug>/"

urlpatterns = [
    path(_p, views.home, name="home"),
    path(_p + "search/", views.search, name="search"),
    path(_p + "s/<slug:section_key>/", views.section_detail, name="section"),
    path(_p + "a/<slug:article_slug>/", views.article_detail, name="article"),
    path(_p + "a/<slug:article_slug>/feedback/", views.feedback, name="feedback"),
    path(_p + "signin/", views.signin, name="signin"),
    path(_p + "signin/<str:token>/", views.magic_consume, name="magic_consume"),
    path(_p + "signout/", views.signout, name="signout"),
    path(_p + "go/<str:token>/", views.reader_link, name="reader_link"),
    path(_p + "images/<int:image_id>/", views.image, name="image"),
    path(_p + "plan/", plan_views.plan, name="plan"),
    path(_p + "plan/steps/<int:step_id>/done/", plan_views.plan_step_done, name="plan_step_done"),
    path(
        _p + "plan/steps/<int:step_id>/comments/",
        plan_views.plan_step_comment,
        name="plan_step_comment",
    ),
]
