"""The README stays true: it opens with the two commands and documents every setting."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _settings_env_vars() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "cs_platform" / "settings").glob("*.py"):
        names |= set(re.findall(r"env\.\w+\(\s*\"([A-Z_]+)\"", path.read_text()))
    example = (ROOT / ".env.example").read_text()
    names |= set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    return names


def test_the_readme_opens_with_exactly_the_two_set_up_commands():
    assert README.startswith("```\nmake demo\nmake test\n```\n")


def test_the_readme_documents_every_environment_variable():
    missing = {name for name in _settings_env_vars() if f"`{name}`" not in README}

    assert missing == set()


def test_the_readme_screenshot_exists_and_is_small():
    screenshot = ROOT / "docs" / "screenshot.png"

    assert "docs/screenshot.png" in README
    assert screenshot.exists()
    assert screenshot.stat().st_size < 300_000


def test_every_test_docs_security_names_exists():
    """docs/security.md maps each ASVS requirement to the tests that show it."""
    named = set(re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", (ROOT / "docs/security.md").read_text()))
    assert len(named) > 40
    missing = [
        f"{path}::{name}"
        for path, name in sorted(named)
        if not (ROOT / path).exists()
        or not re.search(rf"^def {name}\(", (ROOT / path).read_text(), flags=re.MULTILINE)
    ]
    assert missing == []
