from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for


def url(tenant, name: str, **kwargs) -> str:
    """The URL of an accounts page of `tenant`."""
    return reverse(f"accounts:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


# Page clients signed in with each role.
@pytest.fixture
def csm(csm_user):
    return client_for(csm_user)


@pytest.fixture
def manager(manager_user):
    return client_for(manager_user)


@pytest.fixture
def viewer(viewer_user):
    return client_for(viewer_user)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded import files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
