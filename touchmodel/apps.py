from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TouchmodelConfig(AppConfig):
    name = "touchmodel"
    verbose_name = _("Touch model")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import plugins

        plugins.register()

        from cs_platform.trash.extensions import register_trashable

        from .models import Rule, Seminar, TierRule, TouchProgram
        from .services import seminar_cancel_notify, seminar_restore_notify

        for model in (Rule, TierRule, TouchProgram):
            register_trashable(model)
        register_trashable(
            Seminar, on_delete=seminar_cancel_notify, on_restore=seminar_restore_notify
        )

        from cs_platform.audit.tracking import audit_track

        from .models import TouchSettings

        audit_track(TouchSettings, name="touch_settings")
        audit_track(TierRule, name="tier_rule")
        audit_track(Rule, name="rule")
        audit_track(TouchProgram, name="touch_program")

    def on_tenant_created(self, tenant: Any) -> None:
        from .services import touch_settings_get

        touch_settings_get()
