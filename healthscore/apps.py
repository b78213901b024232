from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cs_platform.models import Tenant

BEAT_SCHEDULE = {
    "healthscore-nightly-recompute": {
        "task": "healthscore.start_due_recomputes",
        "schedule": timedelta(minutes=15),
    },
    # Leases of recompute chunks (cs_platform/leases.py); the interval is a setting, read at
    # start-up in ready().
    "healthscore-lease-sweep": {
        "task": "healthscore.sweep_recompute_leases",
        "schedule": timedelta(seconds=60),
    },
    "healthscore-now-sweep": {
        "task": "healthscore.now_sweep",
        "schedule": timedelta(minutes=1),
    },
    # Portfolio deltas of writers that close no recompute job (services/portfolio.py).
    "healthscore-portfolio-compact": {
        "task": "healthscore.portfolio_days_compact",
        "schedule": timedelta(hours=1),
    },
    "healthscore-partitions": {
        "task": "healthscore.maintain_partitions",
        "schedule": timedelta(hours=6),
    },
}


def _survey_label(response: Any) -> str:
    return f"{response.account.name} · {response.responded_on:%Y-%m-%d} · {response.score}/10"


class HealthscoreConfig(AppConfig):
    name = "healthscore"
    verbose_name = _("Health score")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from cs_platform.celery import app

        from .plugins import register

        register()
        BEAT_SCHEDULE["healthscore-lease-sweep"]["schedule"] = timedelta(
            seconds=settings.JOB_LEASE_SWEEP_SECONDS
        )
        settings.CELERY_BEAT_SCHEDULE.update(BEAT_SCHEDULE)

        from cs_platform.trash.extensions import register_derived, register_trashable

        from .models import KeyEvent, LatestScore, Scorecard, ScoreSample, SurveyResponse

        register_trashable(Scorecard)
        # Kept by the scores' triggers (migrations 0018, 0022): restored with the scores.
        register_derived(LatestScore)
        register_derived(ScoreSample)
        register_trashable(KeyEvent)
        register_trashable(SurveyResponse, label=_survey_label)

        from cs_platform.audit.tracking import audit_track

        from .models import HealthSettings

        # Publishing is recorded by scorecard_publish (`scorecard.published`).
        audit_track(Scorecard, name="scorecard", exclude=["current_version"])
        audit_track(HealthSettings, name="health_settings")
        app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **BEAT_SCHEDULE}

    def on_tenant_created(self, tenant: Tenant) -> None:
        from .services.scorecards import healthscore_tenant_defaults

        healthscore_tenant_defaults(tenant=tenant)
