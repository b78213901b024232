from django.urls import path

from . import views

app_name = "tracking"

urlpatterns = [
    path("settings/", views.settings_update, name="settings"),
]
