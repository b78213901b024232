from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CsPlatformConfig(AppConfig):
    name = "cs_platform"
    verbose_name = _("Platform")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the OpenAPI descriptions of our authentication classes.
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from .api import schema  # noqa: F401
        from .rls import SCOPE_WRAPPER_UID, install_scope_wrapper, on_post_migrate
        from .validators import install_field_validators, install_serializer_rules

        install_field_validators()
        install_serializer_rules()
        # Row-level security: every connection sends the tenant scope with its statements,
        # and every migrate protects the tenant tables it added.
        connection_created.connect(install_scope_wrapper, dispatch_uid=SCOPE_WRAPPER_UID)
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="junkan_rls_apply")

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
