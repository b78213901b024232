from rest_framework.routers import BaseRouter

from .views import ArticleViewSet, ArticleViewViewSet, SectionViewSet


def register(router: BaseRouter) -> None:
    router.register("content/sections", SectionViewSet, basename="content-section")
    router.register("content/articles", ArticleViewSet, basename="content-article")
    router.register("content/views", ArticleViewViewSet, basename="content-view")
