"""URLs. Staff pages live under /t/<tenant_slug>/ (TenantMiddleware consumes the slug)."""

from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .api.routers import api_urlpatterns
from .audit import views as audit_views
from .signin import views as signin_views
from .signin.forms import QueuedPasswordResetForm
from .trash import views as trash_views

tenant_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings/api-keys/", views.api_keys, name="api_keys"),
    path(
        "settings/api-keys/<int:key_id>/revoke/", views.api_key_revoke_view, name="api_key_revoke"
    ),
    path("settings/trash/", trash_views.trash_page, name="trash"),
    path("settings/sign-in-locks/", signin_views.signin_locks, name="signin_locks"),
    path("settings/audit/", audit_views.audit_log_page, name="audit_log"),
    path("settings/audit/export.csv", audit_views.audit_log_csv, name="audit_log_csv"),
    path("settings/security/", signin_views.tenant_security, name="tenant_security"),
    path(
        "settings/trash/<int:entry_id>/restore/",
        trash_views.trash_restore_view,
        name="trash_restore",
    ),
]

# Each domain app's staff pages: <app>/urls.py, mounted at /t/<slug>/<app>/.
DOMAIN_APPS = settings.DOMAIN_APPS
tenant_patterns += [
    path(f"{app}/", include(f"{app}.urls")) for app in DOMAIN_APPS if find_spec(f"{app}.urls")
]
# Apps that serve public (customer-facing) pages: <app>/public_urls.py, at the site root.
public_patterns = [
    path("", include(f"{app}.public_urls"))
    for app in DOMAIN_APPS
    if find_spec(f"{app}.public_urls")
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/two-factor/", signin_views.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/", signin_views.two_factor_setup, name="two_factor_setup"),
    # Password change (signed in) and reset by e-mail: Django's views, the site's templates.
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("tenants/switch/", views.tenant_switch, name="tenant_switch"),
    path("i18n/setlang/", views.language_set, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("t/<slug:tenant_slug>/", include(tenant_patterns)),
    path("api/v1/", include(api_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
    *public_patterns,
]

handler400 = "cs_platform.errors.bad_request"
handler403 = "cs_platform.errors.permission_denied"
handler404 = "cs_platform.errors.page_not_found"
handler500 = "cs_platform.errors.server_error"
