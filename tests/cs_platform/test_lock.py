"""Installs are reproducible: requirements/*.txt pin every package with hashes, and agree with
pyproject.toml (a dependency added there without re-locking fails here: run `make lock`)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def _lock(name: str, for_this_machine: bool = False) -> dict[str, tuple[str, int]]:
    """package → (version, number of hashes)."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        match = PIN.match(line)
        if match:
            marker = match.group(3)
            if for_this_machine and marker and not Marker(marker).evaluate():
                current = None
                continue
            current = canonicalize_name(match.group(1))
            pins[current] = (match.group(2), 0)
        elif current and "--hash=sha256:" in line:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(
    ("lock", "groups"), [("base.txt", ["runtime"]), ("dev.txt", ["runtime", "dev"])]
)
def test_every_declared_dependency_is_pinned_within_its_range_with_hashes(lock, groups):
    project = _pyproject()
    declared = {
        "runtime": project["dependencies"],
        "dev": project["optional-dependencies"]["dev"],
    }
    assert all(hashes for _, hashes in _lock(lock).values()), "a pin without --hash"
    pins = _lock(lock, for_this_machine=True)
    for group in groups:
        for spec in declared[group]:
            requirement = Requirement(spec)
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement.name} is not in requirements/{lock}: make lock"
            assert requirement.specifier.contains(pins[name][0], prereleases=True), (
                f"requirements/{lock} pins {name}=={pins[name][0]}, pyproject wants "
                f"{requirement.specifier}: make lock"
            )


def test_runtime_and_development_locks_agree():
    base = _lock("base.txt", for_this_machine=True)
    dev = _lock("dev.txt", for_this_machine=True)
    assert {name: base[name][0] for name in base} == {name: dev[name][0] for name in base}


def test_this_environment_was_installed_from_the_lock():
    """bootstrap.sh installs requirements/dev.txt with --require-hashes (the lock is universal:
    a pin whose marker does not hold here, e.g. Windows-only, is not installed)."""
    here = _lock("dev.txt", for_this_machine=True)
    differ = {
        name: (version, metadata.version(name))
        for name, (version, _) in here.items()
        if _installed(name) and metadata.version(name) != version
    }
    missing = [name for name in here if not _installed(name)]
    assert differ == {} and missing == []


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True
