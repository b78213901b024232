from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [path("", views.feed_page, name="feed")]
