"""Customer-facing pages: seminar list and registration, the follow-up survey, unsubscribe.

The middleware only scopes `/learn/<slug>/` and `/t/<slug>/`, so these views put their tenant
in scope themselves (`public_tenant`): from the `site` slug in the path, or from the signed
token for unsubscribe links.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts.extensions import public_reader
from cs_platform.models import Tenant
from cs_platform.scoping import tenant_scope
from cs_platform.selectors import tenant_get_by_slug

from . import services
from .forms import PublicRegistrationForm, SurveyForm
from .models import RegistrationSource, Seminar, SeminarRegistration
from .services.email import unsubscribe_token_read
from .services.seminars import seminar_seats_taken, survey_token_read


def _in_tenant(request: HttpRequest, tenant: Tenant, view: Callable, *args: Any, **kwargs: Any):
    request.tenant = tenant  # type: ignore[attr-defined]
    with tenant_scope(tenant), timezone.override(tenant.tzinfo):
        return view(request, *args, **kwargs)


def public_tenant(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve `site` (a tenant slug) to the tenant and run the view with it in scope."""

    @wraps(view)
    def wrapper(request: HttpRequest, site: str, *args: Any, **kwargs: Any) -> HttpResponse:
        tenant = tenant_get_by_slug(slug=site)
        if tenant is None:
            raise Http404("No such site.")
        return _in_tenant(request, tenant, view, *args, **kwargs)

    return wrapper


@public_tenant
def seminar_list(request: HttpRequest) -> HttpResponse:
    seminars = Seminar.objects.filter(is_published=True, starts_at__gte=timezone.now()).order_by(
        "starts_at"
    )[:50]
    return render(request, "touchmodel/public/seminar_list.html", {"seminars": seminars})


@public_tenant
def seminar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    seminar = get_object_or_404(Seminar, pk=pk, is_published=True)
    reader = public_reader(request)  # signed in on Learn & Support: nothing to type again
    initial = (
        {"name": reader.name, "email": reader.email, "company": reader.account.name}
        if reader is not None
        else {}
    )
    form = PublicRegistrationForm(request.POST or None, initial=initial)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.seminar_register(
                seminar=seminar,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                company=form.cleaned_data["company"],
                source=RegistrationSource.PUBLIC,
            )
        except services.SeminarFull:
            error = "full"
        except services.SeminarClosed:
            error = "closed"
        else:
            return redirect(f"{request.path}?registered=1")
    return render(
        request,
        "touchmodel/public/seminar_detail.html",
        {
            "seminar": seminar,
            "form": form,
            "error": error,
            "registered": request.GET.get("registered") == "1",
            "reader": reader,
            "seats_left": max(0, seminar.capacity - seminar_seats_taken(seminar=seminar)),
        },
    )


@public_tenant
def survey(request: HttpRequest, token: str) -> HttpResponse:
    found = survey_token_read(token)
    if found is None or found[0] != request.tenant.pk:  # type: ignore[attr-defined]
        raise Http404
    registration = get_object_or_404(
        SeminarRegistration.objects.select_related("seminar"), pk=found[1]
    )
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.seminar_survey_submit(
            registration=registration,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
        return render(request, "touchmodel/public/thanks.html", {"kind": "survey"})
    return render(
        request,
        "touchmodel/public/survey.html",
        {"form": form, "registration": registration, "seminar": registration.seminar},
    )


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail clients POST without a CSRF token.
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_token_read(token)
    if found is None:
        raise Http404
    tenant = Tenant.objects.filter(pk=found[0]).first()
    if tenant is None:
        raise Http404

    def view(request: HttpRequest) -> HttpResponse:
        email = found[1]
        if request.method == "POST":
            services.email_opt_out(email=email)
            return render(request, "touchmodel/public/thanks.html", {"kind": "unsubscribe"})
        return render(
            request, "touchmodel/public/unsubscribe.html", {"email": email, "token": token}
        )

    return _in_tenant(request, tenant, view)
