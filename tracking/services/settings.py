"""The tenant's tracking settings."""

from __future__ import annotations

from ..models import TrackingSettings
from ..selectors import tracking_settings_get


def tracking_settings_update(*, create_unknown_accounts: bool) -> TrackingSettings:
    settings = tracking_settings_get()
    settings.create_unknown_accounts = create_unknown_accounts
    settings.full_clean()
    settings.save()
    return settings
