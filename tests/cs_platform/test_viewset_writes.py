"""Every API write goes through a named service: the base viewset refuses, when the class is
created, a create or update that would end in the generic `ModelSerializer.create/update`."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import mixins, viewsets

from cs_platform.api.viewsets import (
    TenantScopedModelViewSet,
    TenantScopedReadOnlyViewSet,
    TenantScopedSerializer,
    TenantScopedViewSetMixin,
)
from healthscore.models import KeyEvent


class PlainSerializer(TenantScopedSerializer):
    class Meta:
        model = KeyEvent
        fields = ["id", "name", "label"]


class CreatingSerializer(PlainSerializer):
    def create(self, validated_data: dict[str, Any]) -> KeyEvent:  # a service call, in life
        raise NotImplementedError


def test_a_viewset_creating_through_the_generic_save_is_refused():
    with pytest.raises(TypeError, match=r"override perform_create\(\)"):

        class Refused(TenantScopedModelViewSet):
            queryset = KeyEvent.objects.all()
            serializer_class = PlainSerializer


def test_an_update_through_the_generic_save_is_refused_too():
    with pytest.raises(TypeError, match=r"override perform_update\(\)"):

        class Refused(TenantScopedViewSetMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
            queryset = KeyEvent.objects.all()
            serializer_class = CreatingSerializer  # has create(), not update()


def test_a_viewset_naming_its_services_is_accepted():
    class Accepted(TenantScopedModelViewSet):
        queryset = KeyEvent.objects.all()
        serializer_class = PlainSerializer

        def perform_create(self, serializer: Any) -> None:
            raise NotImplementedError

        def perform_update(self, serializer: Any) -> None:
            raise NotImplementedError

    assert Accepted.serializer_class is PlainSerializer


def test_a_serializer_with_its_own_create_and_a_read_only_viewset_are_accepted():
    class Creates(TenantScopedViewSetMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
        queryset = KeyEvent.objects.all()
        serializer_class = CreatingSerializer

    class Reads(TenantScopedReadOnlyViewSet):
        queryset = KeyEvent.objects.all()
        serializer_class = PlainSerializer

    assert (Creates.serializer_class, Reads.serializer_class) == (
        CreatingSerializer,
        PlainSerializer,
    )
