"""Staff pages of journeys: thin; forms parse, services write, selectors read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Account
from accounts.selectors import account_counts, account_get, renewals_of_owner
from cs_platform.datacache import cached_for_data_version, page_cached, work_version
from cs_platform.decorators import role_required
from cs_platform.formpage import form_fragment
from cs_platform.permissions import can
from cs_platform.urlutils import safe_next, tenant_reverse

from . import selectors, services
from .extensions import (
    activities_titled,
    feedback_category_names,
    task_descriptions,
    task_titles,
)
from .forms import (
    ActionStepForm,
    ApplyTemplateForm,
    ChecklistItemForm,
    FeedbackFilterForm,
    FeedbackForm,
    FeedbackStatusForm,
    JourneyTemplateForm,
    MeetingForm,
    MilestoneForm,
    MilestoneStatusForm,
    PhaseFormSet,
    PhaseMoveForm,
    TaskForm,
    TemplateMilestoneFormSet,
)
from .models import (
    ActionStep,
    FeedbackItem,
    JourneyMap,
    JourneyTemplate,
    Milestone,
    MilestoneStatus,
    Phase,
    Task,
)
from .my_work_html import account_rows_html, renewal_rows_html, step_rows_html, task_rows_html

T = TypeVar("T")

TIMELINE_PAGE_SIZE = 25
MY_WORK_SHOWN = 15  # rows of each My work list before its "show all" link
MY_WORK_ALL = 100


def _account(pk: int) -> Account:
    account = account_get(pk=pk)
    if account is None:
        raise Http404
    return account


def _back(request: HttpRequest, account: Account, anchor: str = "") -> HttpResponse:
    """Back to the page the form was on (`next`), else Account 360, else journeys' page."""
    if request.POST.get("next", "") == "my_work":
        return redirect(tenant_reverse(request, "journeys:my_work"))
    if next_url := safe_next(request, ""):
        return redirect(f"{next_url.split('#')[0]}{'#' + anchor if anchor else ''}")
    url = tenant_reverse(request, "accounts:detail", pk=account.pk)
    return redirect(f"{url}{'#' + anchor if anchor else ''}")


def _form_errors(request: HttpRequest, *forms_or_errors: object) -> None:
    for item in forms_or_errors:
        errors = item.errors if hasattr(item, "errors") else item
        if isinstance(errors, dict):
            for field, messages_ in errors.items():
                for message in messages_:
                    label = "" if field in ("__all__", None) else f"{field}: "
                    messages.error(request, f"{label}{message}")


def _actor(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.user if request.user.is_authenticated else None


@role_required("journey_map.view")
def account_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One account page: the journeys panels live on Account 360, where this old address
    (kept for bookmarks and links in sent e-mails) leads."""
    account = _account(pk)
    return redirect(tenant_reverse(request, "accounts:detail", pk=account.pk))


@role_required("activity.view")
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    page = Paginator(
        selectors.activity_list_for_account(account=account), TIMELINE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    page.object_list = activities_titled(page.object_list)
    return render(request, "journeys/timeline.html", {"account": account, "page": page})


@require_POST
@role_required("transition.create")
def phase_move(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    form = PhaseMoveForm(request.POST)
    if form.is_valid():
        try:
            services.phase_transition(
                account=account,
                to_phase=form.cleaned_data["to_phase"],
                actor=_actor(request),
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Phase changed."))
        except ValidationError as exc:
            _form_errors(request, exc.message_dict)
    else:
        _form_errors(request, form)
    return _back(request, account)


def _account_url(request: HttpRequest, account: Account) -> str:
    return tenant_reverse(request, "accounts:detail", pk=account.pk)


@require_http_methods(["GET", "POST"])
@role_required("milestone.create")
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form (Account 360 fetches it when its "Add a milestone" opens)."""
    account = _account(pk)
    if request.method == "GET":
        return form_fragment(
            request,
            template="journeys/forms/milestone_add.html",
            context={"form": MilestoneForm(), "action": request.path, "account": account},
            title=_("Add a milestone"),
            back=_account_url(request, account),
        )
    form = MilestoneForm(request.POST)
    if form.is_valid():
        services.milestone_create(account=account, actor=_actor(request), **form.cleaned_data)
        messages.success(request, _("Milestone added."))
    else:
        _form_errors(request, form)
    return _back(request, account, "journey-map")


@require_POST
@role_required("milestone.change")
def milestone_status(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone, pk=pk)
    form = MilestoneStatusForm(request.POST)
    if form.is_valid():
        services.milestone_set_status(
            milestone=milestone, status=form.cleaned_data["status"], actor=_actor(request)
        )
    else:
        _form_errors(request, form)
    return _back(request, milestone.account, "journey-map")


@require_http_methods(["GET", "POST"])
@role_required("action_step.create")
def step_add(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the step form and the milestone's status form (Account 360 fetches them when a
    milestone's "Add a step" opens)."""
    milestone = get_object_or_404(Milestone.objects.select_related("account"), pk=pk)
    if request.method == "GET":
        account = milestone.account
        context = {
            "milestone": milestone,
            "form": ActionStepForm(account=account),
            "status_choices": MilestoneStatus.choices,
            "account": account,
        }
        return form_fragment(
            request,
            template="journeys/forms/step_add.html",
            context=context,
            title=_("Add a step"),
            back=_account_url(request, account),
        )
    form = ActionStepForm(request.POST, account=milestone.account)
    if form.is_valid():
        try:
            services.action_step_create(
                milestone=milestone,
                description=form.cleaned_data["description"],
                due_date=form.cleaned_data["due_date"],
                **form.owner_objects(),
            )
            messages.success(request, _("Step added to the action plan."))
        except ValidationError as exc:
            _form_errors(request, exc.message_dict)
    else:
        _form_errors(request, form)
    return _back(request, milestone.account, "journey-map")


@require_POST
@role_required("action_step.change")
def step_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(ActionStep.objects.select_related("milestone"), pk=pk)
    services.action_step_set_done(step=step, done=not step.done)
    return _back(request, step.milestone.account, "journey-map")


# What the share toggles of the journey map panel may share with the customer.
SHAREABLE = {"map": JourneyMap, "milestone": Milestone, "step": ActionStep}


@require_POST
@role_required("journey_map.change")
def share_set(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Share a map, milestone or step with the account's contacts (their success plan on Learn
    & Support), or stop; asked by htmx, answers only the toggle."""
    model = SHAREABLE.get(kind)
    if model is None:
        raise Http404
    item = get_object_or_404(model, pk=pk)
    shared = request.POST.get("shared")
    if shared not in ("0", "1"):
        return HttpResponseBadRequest(_("Say whether to share: shared=1 or shared=0."))
    services.success_plan_share_set(item=item, shared=shared == "1")
    if request.headers.get("HX-Request"):
        context = {"item": item, "kind": kind, "next": request.POST.get("next", "")}
        return render(request, "journeys/_share_toggle.html", context)
    account = item.milestone.account if isinstance(item, ActionStep) else item.account
    return _back(request, account, "journey-map")


@require_http_methods(["GET", "POST"])
@role_required("meeting.create")
def meeting_add(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form (Account 360 fetches it when its "Log a meeting" opens)."""
    account = _account(pk)
    if request.method == "GET":
        return form_fragment(
            request,
            template="journeys/forms/meeting_add.html",
            context={
                "form": MeetingForm(account=account),
                "action": request.path,
                "account": account,
            },
            title=_("Log a meeting"),
            back=_account_url(request, account),
        )
    form = MeetingForm(request.POST, account=account)
    if form.is_valid():
        data = form.cleaned_data
        services.meeting_log(
            account=account,
            occurred_at=data["occurred_at"],
            duration_minutes=data["duration_minutes"],
            location=data["location"],
            send_invitations=data["send_invitations"],
            meeting_type=data["meeting_type"],
            contacts=list(data["contacts"]),
            staff=list(data["staff"]),
            agenda=data["agenda"],
            notes=data["notes"],
            next_steps=data["next_steps"],
            sentiment=data["sentiment"],
            logged_by=_actor(request),
            program_id=data.get("program"),
        )
        messages.success(request, _("Meeting logged."))
    else:
        _form_errors(request, form)
    return _back(request, account, "timeline")


@require_POST
@role_required("task.create")
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(pk)
    form = TaskForm(request.POST)
    if form.is_valid():
        services.task_create(
            account=account,
            title=form.cleaned_data["title"],
            due_date=form.cleaned_data["due_date"],
            assignee=form.cleaned_data["assignee"] or _actor(request),
            actor=_actor(request),
        )
        messages.success(request, _("Task added."))
    else:
        _form_errors(request, form)
    return _back(request, account, "tasks")


@require_POST
@role_required("task.change")
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=pk)
    services.task_complete(task=task, actor=_actor(request))
    return _back(request, task.account, "tasks")


@require_http_methods(["GET", "POST"])
@role_required("feedback.create")
def feedback_add(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form (Account 360 fetches it when its "Record feedback" opens)."""
    account = _account(pk)
    if request.method == "GET":
        return form_fragment(
            request,
            template="journeys/forms/feedback_add.html",
            context={"form": FeedbackForm(), "action": request.path, "account": account},
            title=_("Record feedback"),
            back=_account_url(request, account),
        )
    form = FeedbackForm(request.POST)
    if form.is_valid():
        services.feedback_create(account=account, created_by=_actor(request), **form.cleaned_data)
        messages.success(request, _("Feedback recorded."))
    else:
        _form_errors(request, form)
    return _back(request, account, "feedback")


def _first_rows(read: Callable[[int], list[T]], size: int) -> tuple[list[T], bool]:
    """The first `size` rows of `read(limit)` and whether there are more (one row more)."""
    rows = read(size + 1)
    return rows[:size], len(rows) > size


def _word_tasks(tasks: list[selectors.WorkTask]) -> None:
    """Each task's title and description in the active language (as `tasks_titled`)."""
    titles, descriptions = task_titles(tasks), task_descriptions(tasks)
    for task in tasks:
        task.shown_title, task.shown_description = titles[task.pk], descriptions[task.pk]


MY_WORK_EXPANDABLE = ("tasks", "steps", "renewals")


def _my_work_lists(user_id: int, today: dt.date, expanded: str) -> dict[str, Any]:
    """My work's four lists (one hand-written read each: journeys.selectors.work), with the
    open tasks and steps counted and whether each list has more rows than it shows."""

    def size(key: str) -> int:
        return MY_WORK_ALL if expanded == key else MY_WORK_SHOWN

    accounts, more_accounts = _first_rows(
        lambda n: selectors.work_accounts_owned(user_id=user_id, limit=n), MY_WORK_SHOWN
    )
    tasks, task_count = selectors.work_tasks_open(user_id=user_id, limit=size("tasks"))
    steps, step_count = selectors.work_steps_open(user_id=user_id, limit=size("steps"))
    renewals, more_renewals = _first_rows(
        lambda n: renewals_of_owner(owner_id=user_id, today=today, limit=n), size("renewals")
    )
    return {
        "accounts": accounts,
        "more_accounts": more_accounts,
        "tasks": tasks,
        "task_count": task_count,
        "steps": steps,
        "step_count": step_count,
        "renewals": renewals,
        "more_renewals": more_renewals,
    }


@role_required("task.my_work")
def my_work(request: HttpRequest) -> HttpResponse:
    """Each list shows its first MY_WORK_SHOWN rows and a link to the rest (`?all=<list>`
    shows up to MY_WORK_ALL of that one list): the page stays small for an owner of
    thousands of accounts. My accounts link to the account list filtered by owner."""
    user = request.user
    today = timezone.localdate()
    expanded = request.GET.get("all", "")
    expanded = expanded if expanded in MY_WORK_EXPANDABLE else ""
    # Kept per viewer, day (the renewals' window) and list shown in full, under the data
    # version (accounts, contracts, phases, milestones) and the work version (tasks, steps):
    # every write that changes a row or a count raises one of them. The rows' wording
    # (task titles) and HTML are made on each view.
    lists = page_cached(
        "journeys.my_work_lists",
        lambda: _my_work_lists(user.pk, today, expanded),
        key=f"{work_version()}:{user.pk}:{today.isoformat()}:{expanded}",
    )
    tasks, steps, renewals = lists["tasks"], lists["steps"], lists["renewals"]
    _word_tasks(tasks)
    return render(
        request,
        "journeys/my_work.html",
        {
            # the rows, written in Python (my_work_html); the lists stay for what reads them
            "task_rows": task_rows_html(request, tasks, today),
            "step_rows": step_rows_html(request, steps, today),
            "renewal_rows": renewal_rows_html(request, renewals),
            "account_rows": account_rows_html(request, lists["accounts"]),
            "accounts": lists["accounts"],
            "more_accounts": lists["more_accounts"],
            "tasks": tasks,
            "task_count": lists["task_count"],
            "more_tasks": lists["task_count"] > len(tasks) and expanded != "tasks",
            "steps": steps,
            "step_count": lists["step_count"],
            "more_steps": lists["step_count"] > len(steps) and expanded != "steps",
            "renewals": renewals,
            "more_renewals": lists["more_renewals"] and expanded != "renewals",
            "today": today,
        },
    )


@role_required("transition.funnel")
def funnel(request: HttpRequest) -> HttpResponse:
    # Cached per data version (accounts, contracts, phases and transitions raise it) and day
    # (the median days in a phase run to today).
    rows, counts = cached_for_data_version(
        "journeys.funnel",
        lambda: (selectors.phase_funnel(), account_counts()),
        key=timezone.localdate().isoformat(),
    )
    total_accounts = sum(r.accounts for r in rows) or 1
    return render(
        request,
        "journeys/funnel.html",
        {
            "rows": [(r, round(100 * r.accounts / total_accounts)) for r in rows],
            "total_accounts": sum(r.accounts for r in rows),
            "total_arr": sum(r.arr for r in rows),
            "counts": counts,
        },
    )


@role_required("feedback.view")
def feedback(request: HttpRequest) -> HttpResponse:
    form = FeedbackFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    items = selectors.feedback_list(**{k: v for k, v in filters.items() if v})
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    names = feedback_category_names(item.category for item in page)
    for item in page:
        item.shown_category = names.get(item.category, item.category)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "journeys/feedback.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "status_form": FeedbackStatusForm(),
            "can_edit": can(request, "feedback.change"),
        },
    )


@require_POST
@role_required("feedback.change")
def feedback_status(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(FeedbackItem, pk=pk)
    form = FeedbackStatusForm(request.POST)
    if form.is_valid():
        services.feedback_update_status(item=item, status=form.cleaned_data["status"])
    else:
        _form_errors(request, form)
    return redirect(
        f"{tenant_reverse(request, 'journeys:feedback')}?{request.POST.get('query', '')}"
    )


@role_required("phase.change")
def phase_settings(request: HttpRequest) -> HttpResponse:
    """Rename, reorder and add phases (admins)."""
    services.phases_seed_defaults()
    queryset = Phase.objects.order_by("order", "pk")
    formset = PhaseFormSet(request.POST or None, queryset=queryset)
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            formset.save()
        messages.success(request, _("Phases saved."))
        return redirect(tenant_reverse(request, "journeys:phase_settings"))
    return render(request, "journeys/phase_settings.html", {"formset": formset})


@require_POST
@role_required("task.change")
def task_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick (or untick) one checklist item of a task."""
    task = get_object_or_404(Task, pk=pk)
    form = ChecklistItemForm(request.POST)
    if form.is_valid():
        try:
            services.task_checklist_set_item(
                task=task, index=form.cleaned_data["index"], done=form.cleaned_data["done"]
            )
        except ValidationError as exc:
            _form_errors(request, exc.message_dict)
    else:
        _form_errors(request, form)
    return _back(request, task.account, "tasks")


@require_POST
@role_required("journey_map.change")
def map_apply_template(request: HttpRequest, pk: int) -> HttpResponse:
    """Create the account's journey map from a template."""
    account = _account(pk)
    form = ApplyTemplateForm(request.POST)
    if form.is_valid():
        try:
            services.journey_map_apply_template(
                account=account, template=form.cleaned_data["template"], created_by=_actor(request)
            )
            messages.success(request, _("Journey map created from the template."))
        except ValidationError as exc:
            _form_errors(request, exc.message_dict)
    else:
        _form_errors(request, form)
    return _back(request, account, "journey-map")


def _can_manage_templates(request: HttpRequest) -> bool:
    return can(request, "journey_template.change")


@role_required("journey_template.view")
def template_list(request: HttpRequest) -> HttpResponse:
    templates = selectors.journey_template_list().prefetch_related("items")
    return render(
        request,
        "journeys/template_list.html",
        {"templates": templates, "can_edit": _can_manage_templates(request)},
    )


@role_required("journey_template.view")
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(JourneyTemplate, pk=pk)
    return render(
        request,
        "journeys/template_detail.html",
        {
            "template": template,
            "items": template.items.all(),
            "can_edit": _can_manage_templates(request),
        },
    )


def _template_edit(request: HttpRequest, template: JourneyTemplate | None) -> HttpResponse:
    if template is None:
        initial, rows = {}, []
    else:
        initial = {"name": template.name, "description": template.description}
        rows = [
            {
                "id": m.pk,
                "title": m.title,
                "description": m.description,
                "target_score": m.target_score,
                "due_after_days": m.due_after_days,
                "ORDER": i + 1,
            }
            for i, m in enumerate(template.items.all())
        ]
    data = request.POST if request.method == "POST" else None
    form = JourneyTemplateForm(data, initial=initial)
    formset = TemplateMilestoneFormSet(data, initial=rows, prefix="milestones")
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            saved = services.journey_template_save(
                template=template,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                milestones=formset.milestones(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Journey template saved."))
            return redirect(tenant_reverse(request, "journeys:template_detail", pk=saved.pk))
    return render(
        request,
        "journeys/template_form.html",
        {"template": template, "form": form, "formset": formset},
        status=400 if data is not None else 200,
    )


@role_required("journey_template.create")
def template_create(request: HttpRequest) -> HttpResponse:
    return _template_edit(request, None)


@role_required("journey_template.change")
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_edit(request, get_object_or_404(JourneyTemplate, pk=pk))


@require_POST
@role_required("journey_template.delete")
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(JourneyTemplate, pk=pk)
    services.journey_template_delete(template=template, actor=request.user)
    messages.success(request, _("Journey template deleted."))
    return redirect(tenant_reverse(request, "journeys:template_list"))
