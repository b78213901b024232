"""The static files' storage: WhiteNoise's compressed manifest, with each file's URL worked
out once per process (#16).

`{% static %}` asks the storage for a file's URL on every render: the manifest lookup, the
name's parsing and `urljoin` with `STATIC_URL` cost 15-35 µs a call, and a page names its
style sheets and scripts several times a view (Account 360's first view about ten). What the
URL is made of does not change while the process runs: the manifest is read when the storage
is made, and so is its `base_url` (`STATIC_URL` with the script prefix). The kept URLs are
dropped on any setting change (a test's override) and when collectstatic writes the manifest
again; the storage is made anew when the static settings change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._urls: dict[tuple[str, bool], str] = {}
        super().__init__(*args, **kwargs)

    def url(self, name: str, force: bool = False) -> str:
        if force:
            return super().url(name, force)
        # NOTE: DEBUG serves the unhashed name (Django's `_url`); a test may switch it.
        key = (name, settings.DEBUG)
        url = self._urls.get(key)
        if url is None:
            url = self._urls[key] = super().url(name)
        return url

    def _clear_cached_properties(self, setting: str, **kwargs: Any) -> None:
        # Django's receiver of setting_changed for this storage.
        super()._clear_cached_properties(setting, **kwargs)
        self._urls.clear()

    def post_process(self, *args: Any, **kwargs: Any) -> Any:
        # collectstatic rewrites the manifest: no URL of the old one may be served after it.
        self._urls.clear()
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
