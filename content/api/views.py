"""/api/v1/ for Learn & Support: sections, articles (translations nested), views, analytics."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cs_platform.api.viewsets import TenantScopedModelViewSet, TenantScopedReadOnlyViewSet
from cs_platform.trash.services import request_actor

from .. import selectors, services
from ..models import Article, ArticleTranslation, ArticleView, Section
from .serializers import (
    ArticleSerializer,
    ArticleViewSerializer,
    ReachSerializer,
    ReadingEffectSerializer,
    SectionSerializer,
)


class SectionViewSet(TenantScopedModelViewSet):
    permission_resource = "section"
    queryset = Section.objects.all()
    serializer_class = SectionSerializer
    ordering_fields = ["position", "key"]
    ordering = ["position"]

    @extend_schema(responses={200: ReachSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def analytics(self, request: Request) -> Response:
        """Per section: views, unique readers, accounts reached, helpful ratio."""
        reach = selectors.section_reach()
        rows = [
            {"id": s.pk, **(reach.get(s.pk) or selectors.ReachRow(s.pk)).as_dict()}
            for s in self.get_queryset()
        ]
        return Response(ReachSerializer(rows, many=True).data)


class ArticleViewSet(TenantScopedModelViewSet):
    permission_resource = "article"
    serializer_class = ArticleSerializer
    filterset_fields = ["section", "status", "maturity"]
    ordering_fields = ["published_at", "updated_at", "slug"]
    ordering = ["section__position", "position", "id"]

    def safely_get_queryset(self) -> QuerySet[Article]:
        return (
            Article.objects.select_related("author")
            .prefetch_related(
                Prefetch("translations", queryset=ArticleTranslation.objects.order_by("language"))
            )
            .all()
        )

    @extend_schema(request=None, responses={200: ArticleSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        article = services.article_publish(article=self.get_object(), actor=request_actor(request))
        return Response(self.get_serializer(article).data)

    @extend_schema(request=None, responses={200: ArticleSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        article = services.article_archive(article=self.get_object(), actor=request_actor(request))
        return Response(self.get_serializer(article).data)

    @extend_schema(responses={200: ReachSerializer(many=True)})
    @action(detail=False, methods=["get"], url_path="analytics")
    def analytics_list(self, request: Request) -> Response:
        """Per article: views, unique readers, accounts reached, helpful ratio."""
        reach = selectors.article_reach()
        rows = [
            {"id": pk, **(reach.get(pk) or selectors.ReachRow(pk)).as_dict()}
            for pk in self.get_queryset().values_list("pk", flat=True)
        ]
        return Response(ReachSerializer(rows, many=True).data)

    @extend_schema(responses={200: ReadingEffectSerializer})
    @action(detail=True, methods=["get"])
    def effect(self, request: Request, pk: str | None = None) -> Response:
        """Health and usage 14 and 30 days after the first read vs before, against
        accounts in the same phase that did not read the article."""
        article = self.get_object()
        effect = selectors.reading_effect(article_ids=[article.pk])
        return Response(ReadingEffectSerializer(effect.as_dict()).data)

    @extend_schema(responses={200: ReadingEffectSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def tracks(self, request: Request) -> Response:
        """The before/after comparison per track (articles chained by next_article)."""
        rows = [
            selectors.reading_effect(article_ids=[a.pk for a in track]).as_dict()
            for track in selectors.track_list()
        ]
        return Response(ReadingEffectSerializer(rows, many=True).data)


class ArticleViewViewSet(TenantScopedReadOnlyViewSet):
    permission_resource = "article_view"
    queryset = ArticleView.objects.all()
    serializer_class = ArticleViewSerializer
    filterset_fields = ["article", "contact", "account", "language"]
    ordering = ["-viewed_at"]
