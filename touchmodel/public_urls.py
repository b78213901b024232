from django.urls import path

from . import public_views

app_name = "touchmodel_public"

urlpatterns = [
    path("seminars/<slug:site>/", public_views.seminar_list, name="seminar_list"),
    path("seminars/<slug:site>/<int:pk>/", public_views.seminar_detail, name="seminar_detail"),
    path(
        "seminars/<slug:site>/confirm/<str:token>/",
        public_views.seminar_confirm,
        name="seminar_confirm",
    ),
    path("seminars/<slug:site>/survey/<str:token>/", public_views.survey, name="survey"),
    path("email/unsubscribe/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
]
