from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/edit/", views.account_edit, name="edit"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/contracts/new/", views.contract_create, name="contract_create"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/delete/", views.contract_delete, name="contract_delete"),
    path("contracts/<int:pk>/renew/", views.contract_renew, name="contract_renew"),
    path("contracts/<int:pk>/expand/", views.contract_expand, name="contract_expand"),
    path("segments/", views.segments, name="segments"),
    path("segments/<int:pk>/", views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path("import/", views.import_start, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("export/", views.export, name="export"),
    path("view.csv", views.account_list_csv, name="list_csv"),
    path("bulk/", views.account_bulk, name="bulk"),
    path("views/", views.saved_view_save, name="view_save"),
    path("views/<int:pk>/share/", views.saved_view_share, name="view_share"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="view_delete"),
]
