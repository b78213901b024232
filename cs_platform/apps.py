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
