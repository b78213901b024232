"""Registrations from the public page that wait for their address to confirm."""

from __future__ import annotations

from django.utils import timezone

from ..models import Seminar, SeminarSignup


def seminar_signups_pending_count(*, seminar: Seminar) -> int:
    """Unconfirmed, unexpired registrations of the public page: no seat, not in the list."""
    return SeminarSignup.objects.filter(
        seminar=seminar, confirmed_at__isnull=True, expires_at__gte=timezone.now()
    ).count()
