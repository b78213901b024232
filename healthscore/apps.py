from django.apps import AppConfig


class HealthscoreConfig(AppConfig):
    name = "healthscore"
    default_auto_field = "django.db.models.BigAutoField"
