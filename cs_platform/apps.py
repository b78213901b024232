from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CsPlatformConfig(AppConfig):
    name = "cs_platform"
    verbose_name = _("Platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the OpenAPI descriptions of our authentication classes.
        from .api import schema  # noqa: F401
        from .validators import install_field_validators, install_serializer_rules

        install_field_validators()
        install_serializer_rules()

        from .audit import signals
        from .audit.tracking import audit_track
        from .models import Membership

        signals.connect()

        from django.contrib.auth.signals import user_logged_in

        from .signin.two_factor import remember_enrolment

        user_logged_in.connect(remember_enrolment, dispatch_uid="two_factor_remember_enrolment")
        # Memberships and roles: also edited and removed in Django's admin.
        audit_track(Membership, name="membership", deletes=True, label=_membership_label)


def _membership_label(membership: object) -> str:
    return membership.user.email  # type: ignore[attr-defined]
