from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{20,100})\.ics$", views.feed, name="calendar_feed"),
]
