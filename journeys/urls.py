from django.urls import path

from . import edit_views, views

app_name = "journeys"

urlpatterns = [
    path("my-work/", views.my_work, name="my_work"),
    path("funnel/", views.funnel, name="funnel"),
    path("settings/phases/", views.phase_settings, name="phase_settings"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("feedback/", views.feedback, name="feedback"),
    path("feedback/<int:pk>/status/", views.feedback_status, name="feedback_status"),
    path("accounts/<int:pk>/", views.account_page, name="account"),
    path("accounts/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("accounts/<int:pk>/phase/", views.phase_move, name="phase_move"),
    path("accounts/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path(
        "accounts/<int:pk>/journey-map/template/",
        views.map_apply_template,
        name="map_apply_template",
    ),
    path("accounts/<int:pk>/meetings/", views.meeting_add, name="meeting_add"),
    path("accounts/<int:pk>/tasks/", views.task_add, name="task_add"),
    path("accounts/<int:pk>/feedback/", views.feedback_add, name="feedback_add"),
    path("milestones/<int:pk>/status/", views.milestone_status, name="milestone_status"),
    path("milestones/<int:pk>/steps/", views.step_add, name="step_add"),
    path("steps/<int:pk>/toggle/", views.step_toggle, name="step_toggle"),
    path("share/<slug:kind>/<int:pk>/", views.share_set, name="share_set"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("tasks/<int:pk>/checklist/", views.task_checklist, name="task_checklist"),
    path("accounts/<int:pk>/touches/", edit_views.touch_add, name="touch_add"),
    path("milestones/<int:pk>/edit/", edit_views.milestone_edit, name="milestone_edit"),
    path("milestones/<int:pk>/delete/", edit_views.milestone_delete, name="milestone_delete"),
    path("steps/<int:pk>/delete/", edit_views.step_delete, name="step_delete"),
    path("tasks/<int:pk>/edit/", edit_views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/delete/", edit_views.task_delete, name="task_delete"),
    path("meetings/<int:pk>/edit/", edit_views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/delete/", edit_views.meeting_delete, name="meeting_delete"),
]
