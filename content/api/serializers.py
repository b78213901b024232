from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from cs_platform.api.viewsets import TenantScopedSerializer

from .. import services
from ..models import (
    LANGUAGE_CODES,
    REVISED_FIELDS,
    Article,
    ArticleTranslation,
    ArticleView,
    Maturity,
    Section,
    Tier,
)


class SectionSerializer(TenantScopedSerializer):
    class Meta:
        model = Section
        fields = [
            "id",
            "key",
            "name_ja",
            "name_en",
            "description_ja",
            "description_en",
            "kind",
            "position",
        ]
        read_only_fields = ["id", "position"]

    def create(self, validated_data: dict[str, Any]) -> Section:
        validated_data.pop("tenant", None)
        return services.section_create(**validated_data)

    def update(self, instance: Section, validated_data: dict[str, Any]) -> Section:
        validated_data.pop("key", None)  # the key is part of public URLs: fixed once created
        return services.section_update(section=instance, **validated_data)


class TranslationSerializer(serializers.ModelSerializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CODES)

    class Meta:
        model = ArticleTranslation
        fields = ["language", *REVISED_FIELDS, "body_html", "updated_at"]
        read_only_fields = ["body_html", "updated_at"]


class ArticleSerializer(TenantScopedSerializer):
    translations = TranslationSerializer(many=True, required=False)
    tiers = serializers.ListField(
        child=serializers.ChoiceField(choices=Tier.choices), required=False
    )
    phases = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    maturity = serializers.ChoiceField(choices=Maturity.choices, required=False)
    author: serializers.StringRelatedField = serializers.StringRelatedField(
        read_only=True, allow_null=True
    )

    class Meta:
        model = Article
        fields = [
            "id",
            "section",
            "slug",
            "status",
            "phases",
            "tiers",
            "maturity",
            "next_article",
            "author",
            "published_at",
            "created_at",
            "updated_at",
            "translations",
        ]
        read_only_fields = ["id", "status", "author", "published_at", "created_at", "updated_at"]
        extra_kwargs = {"slug": {"required": False}}

    def validate_translations(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        languages = [t["language"] for t in value]
        if len(set(languages)) != len(languages):
            raise serializers.ValidationError(_("One translation per language."), code="unique")
        return value

    @staticmethod
    def _by_language(translations: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {
            t["language"]: {k: v for k, v in t.items() if k in REVISED_FIELDS} for t in translations
        }

    def create(self, validated_data: dict[str, Any]) -> Article:
        return services.article_create(
            section=validated_data["section"],
            author=self.context["request"].user if self.context["request"].user.pk else None,
            slug=validated_data.get("slug", ""),
            translations=self._by_language(validated_data.get("translations", [])),
            phases=validated_data.get("phases"),
            tiers=validated_data.get("tiers"),
            maturity=validated_data.get("maturity", Maturity.HOW_TO),
            next_article=validated_data.get("next_article"),
        )

    def update(self, instance: Article, validated_data: dict[str, Any]) -> Article:
        translations = validated_data.pop("translations", None)
        validated_data.pop("tenant", None)
        services.article_update(article=instance, **validated_data)
        user = self.context["request"].user
        for language, fields in self._by_language(translations or []).items():
            services.translation_save(
                article=instance, language=language, author=user if user.pk else None, **fields
            )
        return instance


class ArticleViewSerializer(TenantScopedSerializer):
    class Meta:
        model = ArticleView
        fields = ["id", "article", "language", "contact", "account", "viewed_at"]
        read_only_fields = fields


class ReachSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    views = serializers.IntegerField()
    unique_readers = serializers.IntegerField()
    accounts_reached = serializers.IntegerField()
    known_views = serializers.IntegerField()
    helpful_yes = serializers.IntegerField()
    helpful_no = serializers.IntegerField()
    helpful_ratio = serializers.FloatField(allow_null=True)


class WindowEffectSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    readers = serializers.IntegerField()
    readers_health_delta = serializers.FloatField(allow_null=True)
    control_health_delta = serializers.FloatField(allow_null=True)
    health_lift = serializers.FloatField(allow_null=True)
    readers_usage_before = serializers.FloatField(allow_null=True)
    readers_usage_after = serializers.FloatField(allow_null=True)
    readers_usage_change = serializers.FloatField(allow_null=True)
    control_usage_before = serializers.FloatField(allow_null=True)
    control_usage_after = serializers.FloatField(allow_null=True)
    control_usage_change = serializers.FloatField(allow_null=True)


class ReadingEffectSerializer(serializers.Serializer):
    article_ids = serializers.ListField(child=serializers.IntegerField())
    reader_accounts = serializers.IntegerField()
    control_accounts = serializers.IntegerField()
    windows = WindowEffectSerializer(many=True)
