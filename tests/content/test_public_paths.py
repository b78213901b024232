"""Learn & Support's addresses named on staff pages (`content.services.readers.public_paths`:
reversed once per workspace, script prefix and URL conf, issue #16)."""

import pytest
from django.urls import clear_script_prefix, set_script_prefix

from content.services.plan import success_plan_url
from content.services.readers import reader_links
from cs_platform.scoping import tenant_scope


@pytest.fixture
def prefix():
    yield set_script_prefix
    clear_script_prefix()


def test_the_plan_address_follows_the_script_prefix(scoped, settings, prefix):
    settings.SITE_URL = "https://junkan.example"
    assert success_plan_url() == f"https://junkan.example/learn/{scoped.slug}/plan/"
    prefix("/junkan/")
    assert success_plan_url() == f"https://junkan.example/junkan/learn/{scoped.slug}/plan/"


def test_reader_links_name_the_workspace_in_scope(tenant, other_tenant, settings):
    settings.SITE_URL = "https://junkan.example"
    with tenant_scope(tenant):
        ours = reader_links()
    with tenant_scope(other_tenant):
        theirs = reader_links()
    assert ours.root == f"https://junkan.example/learn/{tenant.slug}/"
    assert theirs.root == f"https://junkan.example/learn/{other_tenant.slug}/"
    assert ours.url(token="abc", article_slug="start") == (
        f"https://junkan.example/learn/{tenant.slug}/go/abc/?next=start"
    )
