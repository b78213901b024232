"""The development settings' secret key."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def checkout_secret_key() -> str:
    """A random key made once per checkout in .local/ (never committed), so a process that
    starts with these settings (e.g. a worker without DJANGO_SETTINGS_MODULE) never signs
    with a key that anyone can read in the source. Created atomically: the first writer wins."""
    path = Path(__file__).resolve().parents[2] / ".local" / "secret_key"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        draft = path.with_name(f"secret_key.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(50))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
