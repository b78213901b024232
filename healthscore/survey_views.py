"""Pages for survey answers (Account 360) and key events (admins). Thin: forms parse,
healthscore.services.surveys writes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import account_get
from cs_platform.decorators import role_required
from cs_platform.formpage import form_fragment
from cs_platform.trash.services import request_actor
from cs_platform.urlutils import safe_next, tenant_reverse

from . import selectors
from .forms import KeyEventForm, KeyEventLabelForm, SurveyResponseForm
from .models import KeyEvent
from .services.surveys import (
    key_event_create,
    key_event_delete,
    key_event_update,
    survey_response_record,
)


def _errors(request: HttpRequest, errors: dict) -> None:
    for field, items in errors.items():
        for item in items:
            label = "" if field in ("__all__", None) else f"{field}: "
            messages.error(request, f"{label}{item}")


@require_http_methods(["GET", "POST"])
@role_required("survey_response.create")
def survey_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A survey / NPS answer for the account (the survey measure reads it). GET: the form
    (Account 360 fetches it when its "Record a survey or NPS answer" opens)."""
    account = account_get(pk=pk)
    if account is None:
        raise Http404
    if request.method == "GET":
        form = SurveyResponseForm(
            account=account, initial={"responded_on": timezone.localdate()}, auto_id="survey_%s"
        )
        return form_fragment(
            request,
            template="healthscore/forms/survey_add.html",
            context={"form": form, "action": request.path, "account": account},
            title=_("Record a survey or NPS answer"),
            back=tenant_reverse(request, "accounts:detail", pk=account.pk),
        )
    form = SurveyResponseForm(request.POST, account=account)
    if form.is_valid():
        try:
            survey_response_record(account=account, **form.cleaned_data)
            messages.success(request, _("Survey answer recorded."))
        except ValidationError as exc:
            _errors(request, exc.message_dict)
    else:
        _errors(request, form.errors)
    default = tenant_reverse(request, "accounts:detail", pk=account.pk)
    return redirect(f"{safe_next(request, default).split('#')[0]}#surveys")


@role_required("key_event.create")
def key_events(request: HttpRequest) -> HttpResponse:
    """The events that count towards feature breadth: add, relabel, remove."""
    form = KeyEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key_event_create(**form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Key event added; it counts from the next recompute."))
            return redirect(tenant_reverse(request, "healthscore:key_events"))
    return render(
        request,
        "healthscore/key_events.html",
        {"form": form, "key_events": selectors.key_event_list()},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@role_required("key_event.change")
def key_event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    key_event = get_object_or_404(KeyEvent, pk=pk)
    form = KeyEventLabelForm(request.POST)
    if form.is_valid():
        key_event_update(key_event=key_event, label=form.cleaned_data["label"])
        messages.success(request, _("Saved."))
    else:
        _errors(request, form.errors)
    return redirect(tenant_reverse(request, "healthscore:key_events"))


@require_POST
@role_required("key_event.delete")
def key_event_remove(request: HttpRequest, pk: int) -> HttpResponse:
    key_event = get_object_or_404(KeyEvent, pk=pk)
    name = key_event.name
    key_event_delete(key_event=key_event, actor=request_actor(request))
    messages.success(
        request,
        _("%(name)s no longer counts towards feature breadth; it is in the trash.")
        % {"name": name},
    )
    return redirect(tenant_reverse(request, "healthscore:key_events"))
