"""Factories of the models accounts adds beyond tests/factories.py."""

from __future__ import annotations

import factory
from django.core.files.base import ContentFile

from accounts.models import ImportJob, ImportKind
from tests.factories import TenantOwnedFactory


class ImportJobFactory(TenantOwnedFactory):
    class Meta:
        model = ImportJob

    kind = ImportKind.ACCOUNTS
    dry_run = True
    original_name = "accounts.csv"
    file = factory.LazyFunction(
        lambda: ContentFile("external_id,name\nacc-1,株式会社採用ラボ\n".encode(), name="a.csv")
    )
