from django.urls import path

from . import views

app_name = "touchmodel"

urlpatterns = [
    path("", views.planner, name="planner"),
    path("settings/", views.settings_edit, name="settings"),
    path("settings/sender-domains/", views.sender_domain_add, name="sender_domain_add"),
    path(
        "settings/sender-domains/<int:pk>/verify/",
        views.sender_domain_verify,
        name="sender_domain_verify",
    ),
    path(
        "settings/sender-domains/<int:pk>/delete/",
        views.sender_domain_delete,
        name="sender_domain_delete",
    ),
    path("programs/new/", views.program_edit, name="program_new"),
    path("programs/<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("programs/<int:pk>/effect/", views.program_effect, name="program_effect"),
    path("tiers/", views.tiers, name="tiers"),
    path("tiers/assign/", views.tiers_assign_now, name="tiers_assign"),
    path("tiers/rules/new/", views.tier_rule_edit, name="tier_rule_new"),
    path("tiers/rules/<int:pk>/edit/", views.tier_rule_edit, name="tier_rule_edit"),
    path("tiers/rules/<int:pk>/delete/", views.tier_rule_delete, name="tier_rule_delete"),
    path("accounts/<int:account_id>/tier/", views.account_tier, name="account_tier"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_detail, name="rule_detail"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/run/", views.rule_run, name="rule_run"),
    path("firings/", views.firings, name="firings"),
    path("seminars/", views.seminars, name="seminars"),
    path("seminars/new/", views.seminar_edit, name="seminar_new"),
    path("seminars/<int:pk>/", views.seminar_detail, name="seminar_detail"),
    path("seminars/<int:pk>/edit/", views.seminar_edit, name="seminar_edit"),
    path("seminars/<int:pk>/attendance/", views.seminar_attendance, name="seminar_attendance"),
    path("community/", views.community, name="community"),
    path("community/groups/new/", views.user_group_edit, name="user_group_new"),
    path("community/groups/<int:pk>/", views.user_group_detail, name="user_group_detail"),
    path("community/groups/<int:pk>/edit/", views.user_group_edit, name="user_group_edit"),
    path("community/champions/nominate/", views.champion_nominate, name="champion_nominate"),
    path("community/champions/<int:pk>/", views.champion_decide, name="champion_decide"),
]
