"""The static files' storage keeps each file's URL per process, as the manifest names it."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from django.test import override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from cs_platform.staticstorage import ManifestStaticFilesStorage

MANIFEST = {"version": "1.1", "paths": {"css/site.css": "css/site.0123abcd.css"}, "hash": "x"}


def storage_in(root: Path, paths: dict[str, str] | None = None) -> ManifestStaticFilesStorage:
    manifest = {**MANIFEST, "paths": paths or MANIFEST["paths"]}
    (root / "staticfiles.json").write_text(json.dumps(manifest))
    return ManifestStaticFilesStorage(location=str(root), base_url="/static/")


@override_settings(DEBUG=False)
def test_a_files_url_is_the_manifests_as_whitenoise_gives_it(tmp_path):
    storage = storage_in(tmp_path)
    plain = CompressedManifestStaticFilesStorage(location=str(tmp_path), base_url="/static/")

    hashed = "/static/css/site.0123abcd.css"
    assert storage.url("css/site.css") == plain.url("css/site.css") == hashed
    assert storage.url("css/site.css#top") == plain.url("css/site.css#top")


@override_settings(DEBUG=False)
def test_a_files_url_is_worked_out_once(tmp_path):
    storage = storage_in(tmp_path)
    with mock.patch.object(
        CompressedManifestStaticFilesStorage, "url", autospec=True, return_value="/static/x"
    ) as parent:
        assert storage.url("css/site.css") == storage.url("css/site.css") == "/static/x"
        assert storage.url("css/site.css", force=True) == "/static/x"

    assert parent.call_count == 2  # the kept URL, and force, which is never kept


def test_debug_gets_the_unhashed_name_again(tmp_path):
    storage = storage_in(tmp_path)
    with override_settings(DEBUG=False):
        assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    with override_settings(DEBUG=True):
        assert storage.url("css/site.css") == "/static/css/site.css"


@override_settings(DEBUG=False)
def test_a_setting_change_drops_the_kept_urls(tmp_path):
    storage = storage_in(tmp_path)
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    storage.hashed_files = {"css/site.css": "css/site.4567cdef.css"}

    with override_settings(STATIC_URL="/static/"):
        assert storage.url("css/site.css") == "/static/css/site.4567cdef.css"


@override_settings(DEBUG=False)
def test_a_name_the_manifest_lacks_is_refused_every_time(tmp_path):
    storage = storage_in(tmp_path)
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/other.css")


@override_settings(DEBUG=False)
def test_collectstatic_drops_the_kept_urls(tmp_path):
    storage = storage_in(tmp_path)
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    storage.hashed_files = {"css/site.css": "css/site.4567cdef.css"}

    with mock.patch.object(CompressedManifestStaticFilesStorage, "post_process", return_value=[]):
        list(storage.post_process({}))

    assert storage.url("css/site.css") == "/static/css/site.4567cdef.css"
