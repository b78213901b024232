"""Edit and delete pages of journeys (milestones, steps, tasks, meetings) and the timeline's
note/call/e-mail form. Thin: forms parse, journeys.services write.

Each edit or delete page is a plain page (works without JavaScript); asked by htmx
(`HX-Request`), it answers only its form, which the Account 360 or My Work page shows in place.
A delete page says the object goes to the trash; the POST moves it there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Account
from cs_platform.decorators import role_required
from cs_platform.formpage import form_fragment
from cs_platform.urlutils import safe_next, tenant_reverse

from . import services
from .forms import MeetingEditForm, MilestoneForm, TaskEditForm, TouchForm
from .models import ActionStep, Meeting, Milestone, Task
from .views import _account, _actor, _back, _form_errors


def _next(request: HttpRequest) -> str:
    return request.POST.get("next") or safe_next(request, "")


def _edit(
    request: HttpRequest,
    *,
    form: Form,
    account: Account,
    title: str,
    anchor: str,
    save: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """GET: the form (page or htmx fragment); POST: save through the service and go back."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, done)
            return _back(request, account, anchor)
    fragment = bool(request.headers.get("HX-Request"))
    return render(
        request,
        "journeys/_edit_form.html" if fragment else "journeys/edit.html",
        {
            "form": form,
            "account": account,
            "title": title,
            "next": _next(request),
            "action": request.path,
        },
        status=400 if request.method == "POST" else 200,
    )


def _delete(
    request: HttpRequest,
    *,
    obj: Any,
    account: Account,
    title: str,
    anchor: str,
    delete: Callable[[], None],
    done: str,
    extra: str = "",
) -> HttpResponse:
    """GET: the confirmation (it says where the object goes); POST: into the trash."""
    if request.method == "POST":
        try:
            delete()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
        return _back(request, account, anchor)
    fragment = bool(request.headers.get("HX-Request"))
    return render(
        request,
        "journeys/_confirm_delete.html" if fragment else "journeys/confirm_delete.html",
        {
            # A generated task is named in the reader's language, not by its stored title.
            "name": getattr(obj, "shown_title", None) or str(obj),
            "account": account,
            "title": title,
            "extra": extra,
            "next": _next(request),
            "action": request.path,
        },
    )


# --- milestones and steps ---------------------------------------------------------------------


@role_required("milestone.change")
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("account"), pk=pk)
    initial = {
        "title": milestone.title,
        "customer_goal": milestone.customer_goal,
        "target_score": milestone.target_score,
        "due_date": milestone.due_date,
    }
    return _edit(
        request,
        form=MilestoneForm(request.POST or None, initial=initial, auto_id="edit_%s"),
        account=milestone.account,
        title=_("Edit the milestone"),
        anchor="journey-map",
        save=lambda data: services.milestone_update(milestone=milestone, **data),
        done=_("Milestone saved."),
    )


@role_required("milestone.delete")
def milestone_delete(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("account"), pk=pk)
    return _delete(
        request,
        obj=milestone,
        account=milestone.account,
        title=_("Delete the milestone"),
        anchor="journey-map",
        delete=lambda: services.milestone_delete(milestone=milestone, actor=_actor(request)),
        done=_("The milestone went to the trash."),
        extra=_("Its action plan goes with it and comes back with it."),
    )


@role_required("action_step.delete")
def step_delete(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(ActionStep.objects.select_related("milestone__account"), pk=pk)
    return _delete(
        request,
        obj=step,
        account=step.milestone.account,
        title=_("Delete the step"),
        anchor="journey-map",
        delete=lambda: services.action_step_delete(step=step, actor=_actor(request)),
        done=_("The step went to the trash."),
    )


# --- tasks ------------------------------------------------------------------------------------


@role_required("task.change")
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("account"), pk=pk)
    initial = {"title": task.shown_title, "assignee": task.assignee_id, "due_date": task.due_date}
    return _edit(
        request,
        form=TaskEditForm(request.POST or None, initial=initial, auto_id="edit_%s"),
        account=task.account,
        title=_("Edit the task"),
        anchor="tasks",
        save=lambda data: services.task_update(task=task, actor=_actor(request), **data),
        done=_("Task saved."),
    )


@role_required("task.delete")
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("account"), pk=pk)
    return _delete(
        request,
        obj=task,
        account=task.account,
        title=_("Delete the task"),
        anchor="tasks",
        delete=lambda: services.task_delete(task=task, actor=_actor(request)),
        done=_("The task went to the trash."),
    )


# --- meetings and the timeline ----------------------------------------------------------------


@role_required("meeting.change")
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("account"), pk=pk)
    initial = {
        "occurred_at": timezone.localtime(meeting.occurred_at),
        "duration_minutes": meeting.duration_minutes,
        "meeting_type": meeting.meeting_type,
        "location": meeting.location,
        "agenda": meeting.agenda,
        "notes": meeting.notes,
        "sentiment": meeting.sentiment,
    }
    return _edit(
        request,
        form=MeetingEditForm(request.POST or None, initial=initial, auto_id="edit_%s"),
        account=meeting.account,
        title=_("Edit the meeting"),
        anchor="timeline",
        save=lambda data: services.meeting_update(meeting=meeting, **data),
        done=_("Meeting saved."),
    )


@role_required("meeting.delete")
def meeting_delete(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("account"), pk=pk)
    return _delete(
        request,
        obj=meeting,
        account=meeting.account,
        title=_("Delete the meeting"),
        anchor="timeline",
        delete=lambda: services.meeting_delete(meeting=meeting, actor=_actor(request)),
        done=_("The meeting went to the trash."),
        extra=_(
            "Its timeline entry goes with it; the tasks of its next steps stay. "
            "Restored, it is linked to them again."
        ),
    )


@require_http_methods(["GET", "POST"])
@role_required("activity.create")
def touch_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A note, call or e-mail on the account's timeline. GET: the form (Account 360 fetches
    it when its "Add a note, call or e-mail" opens)."""
    account = _account(pk)
    if request.method == "GET":
        return form_fragment(
            request,
            template="journeys/forms/touch_add.html",
            context={
                "form": TouchForm(account=account, auto_id="touch_%s"),
                "action": request.path,
                "account": account,
            },
            title=_("Add a note, call or e-mail"),
            back=tenant_reverse(request, "accounts:detail", pk=account.pk),
        )
    form = TouchForm(request.POST, account=account)
    if form.is_valid():
        try:
            services.touch_log(account=account, actor=_actor(request), **form.cleaned_data)
            messages.success(request, _("Added to the timeline."))
        except ValidationError as exc:
            _form_errors(request, exc.message_dict)
    else:
        _form_errors(request, form)
    return _back(request, account, "timeline")
