"""Core pages: home, tenant switcher, API keys, health check. Thin: services do the work."""

from __future__ import annotations

import hashlib
import pickle

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from .datacache import page_cached
from .decorators import role_required
from .degraded import service_checks
from .extensions import DashboardPanel, api_keys_panels, dashboard_panels
from .forms import ApiKeyForm, EmailAuthenticationForm
from .middleware import SESSION_TENANT_KEY
from .selectors import api_key_list, membership_list_for_user
from .services import api_key_issue, api_key_revoke
from .urlutils import tenant_reverse


class SignInView(auth_views.LoginView):
    """Sign-in by e-mail; afterwards the UI speaks the user's saved language, if any."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        language = form.get_user().language
        if language:
            _set_language_cookie(response, language)
        return response


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language, and a signed-in user's choice is remembered on their profile."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language  # type: ignore[union-attr]
    ):
        user.language = language  # type: ignore[union-attr]
        user.save(update_fields=["language"])
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.tenant is None:  # type: ignore[attr-defined]
        return render(request, "cs_platform/no_tenant.html", status=403)
    return redirect(tenant_reverse(request, "dashboard"))


@role_required("dashboard.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    panels = [_panel_html(request, p) for p in dashboard_panels(request)]
    return render(request, "cs_platform/dashboard.html", {"panels": panels})


def _panel_html(request: HttpRequest, panel: DashboardPanel) -> SafeString:
    """A dashboard panel, rendered once per what it shows (#16: rendering was about three
    quarters of the dashboard's view): its context, the workspace's slug (links) and time
    zone (dates), the URL prefix and, by the cache key, the language and data version. The
    template sees `ctx` and `request` (for `{% turl %}`) only, so nothing of the viewer."""
    context = panel.get_context(request)
    tenant = request.tenant  # type: ignore[attr-defined]
    shown = pickle.dumps(
        (panel.template, tenant.slug, tenant.timezone, get_script_prefix(), context),
        pickle.HIGHEST_PROTOCOL,
    )
    html = page_cached(
        f"cs_platform.dashboard_panel.{panel.key}",
        lambda: render_to_string(panel.template, {"ctx": context, "request": request}),
        key=hashlib.sha256(shown).hexdigest()[:32],
    )
    return mark_safe(html)  # rendered (escaped) by the panel's template


@require_POST
@login_required
def tenant_switch(request: HttpRequest) -> HttpResponse:
    slug = request.POST.get("tenant", "")
    membership = next(
        (m for m in membership_list_for_user(user=request.user) if m.tenant.slug == slug),  # type: ignore[arg-type]
        None,
    )
    if membership is None:
        raise Http404("No such workspace.")
    request.session[SESSION_TENANT_KEY] = membership.tenant_id
    return redirect("dashboard", tenant_slug=membership.tenant.slug)


@role_required("api_key.view", write="api_key.create")
def api_keys(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    new_key = None
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = api_key_issue(
            tenant=tenant,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            created_by=request.user,  # type: ignore[arg-type]
        )
        new_key = issued.raw_key
        form = ApiKeyForm()
    return render(
        request,
        "cs_platform/api_keys.html",
        {
            "form": form,
            "keys": api_key_list(tenant=tenant),
            "new_key": new_key,
            "panels": [
                {"template": p.template, "context": p.get_context(request)}
                for p in api_keys_panels(request)
            ],
        },
    )


@require_POST
@role_required("api_key.revoke")
def api_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    key = api_key_list(tenant=request.tenant).filter(pk=key_id).first()  # type: ignore[attr-defined]
    if key is None:
        raise Http404
    api_key_revoke(api_key=key)
    messages.success(request, _("The key %(name)s was revoked.") % {"name": key.name})
    return redirect(tenant_reverse(request, "api_keys"))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when PostgreSQL, Redis and a worker answer; else 503 naming the part that is down."""
    healthy, report = service_checks()
    return JsonResponse(report, status=200 if healthy else 503)
