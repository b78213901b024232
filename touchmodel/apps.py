from django.apps import AppConfig


class TouchmodelConfig(AppConfig):
    name = "touchmodel"
    default_auto_field = "django.db.models.BigAutoField"
