"""Customer-facing pages: seminar list and registration (throttled, double opt-in: see
`services/signups.py`), the follow-up survey, unsubscribe.

The middleware only scopes `/learn/<slug>/` and `/t/<slug>/`, so these views put their tenant
in scope themselves (`public_tenant`): from the `site` slug in the path, or from the signed
token for unsubscribe links.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt

from accounts.extensions import public_reader
from cs_platform.models import Tenant
from cs_platform.ratelimit import Limit, client_address, rate_limit_hit
from cs_platform.scoping import tenant_scope
from cs_platform.selectors import tenant_get, tenant_get_by_slug

from . import services
from .forms import PublicRegistrationForm, SurveyForm
from .models import RegistrationSource, Seminar, SeminarRegistration
from .services.email import unsubscribe_token_read
from .services.seminars import seminar_seats_taken, survey_token_read
from .services.signups import (
    SignupLinkError,
    seminar_signup_confirm,
    seminar_signup_read,
    seminar_signup_request,
)
from .tasks import seminar_signup_mail_enqueue


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


def _throttled(request: HttpRequest, seminar: Seminar) -> int | None:
    """Seconds to wait when this client or this seminar sent too many registrations."""
    return rate_limit_hit(
        Limit(
            scope="seminar-signup-address",
            ident=client_address(request),
            limit=settings.SEMINAR_SIGNUPS_PER_ADDRESS_PER_HOUR,
            window=60 * 60,
        ),
        Limit(
            scope="seminar-signup-seminar",
            ident=f"{seminar.tenant_id}:{seminar.pk}",
            limit=settings.SEMINAR_SIGNUPS_PER_SEMINAR_PER_HOUR,
            window=60 * 60,
        ),
    )


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 with Retry-After and a sentence saying when to try again."""
    response = render(
        request,
        "touchmodel/public/too_many.html",
        {"minutes": max(1, -(-retry_after // 60))},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


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
    if request.method == "POST":
        retry_after = _throttled(request, seminar)
        if retry_after is not None:
            return too_many_requests(request, retry_after)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            if reader is not None and reader.email and email.lower() == reader.email.lower():
                # NOTE: the reader signed in on Learn & Support by opening a link mailed to
                # this very address (magic link or tech-touch link), so the address is already
                # verified: they skip the confirmation e-mail and are registered at once.
                services.seminar_register(
                    seminar=seminar,
                    email=email,
                    name=form.cleaned_data["name"],
                    company=form.cleaned_data["company"],
                    contact=reader,
                    source=RegistrationSource.PUBLIC,
                )
                return redirect(f"{request.path}?registered=1")
            signup = seminar_signup_request(
                seminar=seminar,
                email=email,
                name=form.cleaned_data["name"],
                company=form.cleaned_data["company"],
                language=translation.get_language() or "ja",
            )
        except services.SeminarFull:
            error = "full"
        except services.SeminarClosed:
            error = "closed"
        else:
            seminar_signup_mail_enqueue(signup=signup)
            return redirect(f"{request.path}?pending=1")
    return render(
        request,
        "touchmodel/public/seminar_detail.html",
        {
            "seminar": seminar,
            "form": form,
            "error": error,
            "registered": request.GET.get("registered") == "1",
            "pending": request.GET.get("pending") == "1",
            "confirm_hours": settings.SEMINAR_SIGNUP_CONFIRM_HOURS,
            "reader": reader,
            "seats_left": max(0, seminar.capacity - seminar_seats_taken(seminar=seminar)),
        },
    )


@public_tenant
def seminar_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the confirmation e-mail. GET shows a button, POST confirms.

    NOTE: mail scanners and link previewers open links in e-mails; a GET that confirmed would
    let them confirm a registration nobody made, so the confirmation is a POST."""
    try:
        signup = seminar_signup_read(token=token)
    except SignupLinkError as error:
        return render(
            request, "touchmodel/public/confirm.html", {"link_error": error.message}, status=400
        )
    seminar = signup.seminar
    state = "confirmed" if signup.confirmed_at is not None else "ask"
    status = 200
    if request.method == "POST" and state == "ask":
        try:
            seminar_signup_confirm(signup=signup)
        except services.SeminarFull:
            state, status = "full", 409
        except services.SeminarClosed:
            state, status = "closed", 409
        else:
            state = "confirmed"
    return render(
        request,
        "touchmodel/public/confirm.html",
        {"seminar": seminar, "signup": signup, "state": state},
        status=status,
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
    tenant = tenant_get(pk=found[0])
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
