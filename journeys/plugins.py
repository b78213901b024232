"""What journeys adds to the navigation, Account 360, the account list and segments."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.extensions import (
    SCORES_READ,
    AccountListExtension,
    AccountPanel,
    SegmentRule,
    account_panel_key,
    account_panels,
    register_account_panel,
    register_list_extension,
    register_segment_rule,
)
from accounts.models import Account
from cs_platform.extensions import NavItem, register_nav_item
from cs_platform.models import Role
from cs_platform.permissions import can
from webhooks.extensions import register_slack_words
from webhooks.services import TASK_COMPLETED, TASK_CREATED

from . import selectors
from .extensions import (
    activities_titled,
    milestone_checks,
    milestone_checks_stamp,
    task_titles,
    tasks_titled,
)
from .forms import ApplyTemplateForm, MilestoneForm, PhaseMoveForm
from .models import Phase
from .panel_html import (
    activities_html,
    assignee_select_html,
    milestones_html,
    panel_html,
    select_html,
    tasks_html,
)
from .phase_html import phase_header_html, phase_history_html


def _can_edit(request: HttpRequest) -> bool:
    return can(request, "milestone.change")


def phase_header_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    current = selectors.account_panel_reads(account=account).current
    move = None
    if current is not None and _can_edit(request):  # the move form, as PhaseMoveForm renders it
        phases = selectors.phase_list()
        later = [p.pk for p in phases if p.order > current.phase.order]
        fields = PhaseMoveForm.base_fields
        select = select_html(
            "to_phase",
            [(p.pk, str(p)) for p in phases],
            selected=later[0] if later else None,
            empty=False,
        )
        move = (fields["to_phase"].label, fields["reason"].label, select)
    return {"html": phase_header_html(request, account=account, current=current, move=move)}


def _lazy(request: HttpRequest, name: str, pk: int, summary: Any) -> SafeString:
    """A `<details>` whose form is fetched when it opens (cs_platform.formpage)."""
    return panel_html(request).lazy(name, pk, summary)


def journey_map_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    journey_map = selectors.account_panel_reads(account=account).journey_map
    milestones = list(journey_map.milestones.all()) if journey_map else []
    checks = milestone_checks(milestones)
    can_edit = _can_edit(request)
    for milestone in milestones:
        milestone.checks = checks.get(milestone.pk, [])  # type: ignore[attr-defined]
        if can_edit:  # the step and status forms come when "Add a step" opens
            milestone.add_step = _lazy(  # type: ignore[attr-defined]
                request, "journeys:step_add", milestone.pk, _("Add a step")
            )
    can_share = can(request, "journey_map.change")
    return {
        "account": account,
        "journey_map": journey_map,
        # As journeys/_share_toggle.html writes it.
        "map_share": panel_html(request).share_toggle(journey_map, "map")
        if journey_map and can_share
        else "",
        "milestones": milestones,
        "milestones_html": milestones_html(
            request, milestones, can_edit=can_edit, can_share=can_share
        ),
        # With milestones, "Add a milestone" is closed: its form comes when it opens.
        "milestone_form": MilestoneForm() if can_edit and not milestones else None,
        "add_milestone": _lazy(request, "journeys:milestone_add", account.pk, _("Add a milestone"))
        if can_edit and milestones
        else None,
        # Without milestones, a map may start from a template (the form's field's choices,
        # kept: the form's own read was a count and a server-side cursor on each view).
        "template_choices": _template_choices() if can_edit and not milestones else None,
        "template_label": ApplyTemplateForm.base_fields["template"].label,
        "can_edit": can_edit,
        "can_share": can_share,
        # Without milestones no check judged a score (`AccountPanel.scores`): kept apart from
        # the account's score version, a rescore keeps it; a milestone moves the account's.
        SCORES_READ: bool(milestones),
    }


def _template_choices() -> list[tuple[Any, str]]:
    empty = ApplyTemplateForm.base_fields["template"].empty_label  # type: ignore[attr-defined]
    return [("", empty), *selectors.journey_template_choices()]


def timeline_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    activities = selectors.account_panel_reads(account=account).activities
    can_edit = _can_edit(request)
    return {
        "account": account,
        "activities_html": activities_html(
            request,
            activities_titled(activities[: selectors.TIMELINE_PANEL_SIZE]),
            can_edit=can_edit,
        ),
        "has_more": len(activities) > selectors.TIMELINE_PANEL_SIZE,
        # The forms come when their <details> open.
        "add_meeting": _lazy(request, "journeys:meeting_add", account.pk, _("Log a meeting"))
        if can_edit
        else None,
        "add_touch": _lazy(
            request, "journeys:touch_add", account.pk, _("Add a note, call or e-mail")
        )
        if can_edit
        else None,
        "can_edit": can_edit,
    }


def tasks_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    tasks = tasks_titled(selectors.account_panel_reads(account=account).tasks)
    can_edit = _can_edit(request)
    return {
        "account": account,
        "tasks": tasks,
        "tasks_html": tasks_html(request, tasks, can_edit=can_edit),
        "assignee_select": assignee_select_html(selected=getattr(request.user, "pk", None)),
        "can_edit": can_edit,
    }


def phase_history_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    return {"html": phase_history_html(selectors.account_panel_reads(account=account).transitions)}


def feedback_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    can_edit = _can_edit(request)
    return {
        "account": account,
        "items": selectors.account_panel_reads(account=account).feedback,
        "add_feedback": _lazy(request, "journeys:feedback_add", account.pk, _("Record feedback"))
        if can_edit
        else None,
        "can_edit": can_edit,
    }


def _reads_ahead(request: HttpRequest, account: Account) -> None:
    """Every journeys panel reads `account_panel_reads`: announced with the page's other
    first-view reads when one of them is to be built (`AccountPanel.read_ahead`)."""
    selectors.account_panel_reads_ahead(account=account)


def _work_key(request: HttpRequest, account: Account) -> str:
    """What the journey map, timeline and tasks read besides the account's version and the
    language (accounts.views._panel_keys): the tenant's time zone and the day. What they show
    of the touch tables (a playbook task's rule, the seminars an entry names) moves every
    account's version (touchmodel 0019, 0021), so no touch version: an article read or a sent
    e-mail elsewhere keeps them."""
    return account_panel_key(request, account)


PANELS = [
    AccountPanel(
        "journeys_phase",
        "journeys/panels/phase.html",
        phase_header_context,
        "header",
        10,
        # Reads the account's phase and the phases (both move the account's version);
        # "days in this phase" ages.
        cache_key=lambda request, account: timezone.localdate().isoformat(),
        read_ahead=_reads_ahead,
    ),
    AccountPanel(
        "journeys_map",
        "journeys/panels/journey_map.html",
        journey_map_context,
        "main",
        30,
        # A milestone check may read what no version watches (its stamp); healthscore's
        # judges by the account's score (its score version).
        cache_key=lambda request, account: (
            f"{_work_key(request, account)}:{milestone_checks_stamp(account.pk)}"
        ),
        scores=True,
        read_ahead=_reads_ahead,
    ),
    AccountPanel(
        "journeys_tasks",
        "journeys/panels/tasks.html",
        tasks_context,
        "main",
        40,
        # The new task's assignee is the viewer.
        cache_key=lambda request, account: f"{_work_key(request, account)}:{request.user.pk}",
        read_ahead=_reads_ahead,
    ),
    AccountPanel(
        "journeys_timeline",
        "journeys/panels/timeline.html",
        timeline_context,
        "main",
        50,
        cache_key=_work_key,
        read_ahead=_reads_ahead,
    ),
    AccountPanel(
        "journeys_phase_history",
        "journeys/panels/phase_history.html",
        phase_history_context,
        "side",
        20,
        # The transitions, the phases' names and the names of the members who moved the
        # account move the account's version; dates in the time zone.
        cache_key=_work_key,
        read_ahead=_reads_ahead,
    ),
    AccountPanel(
        "journeys_feedback",
        "journeys/panels/feedback.html",
        feedback_context,
        "side",
        60,
        cache_key=account_panel_key,  # feedback moves the account's version (0017)
        read_ahead=_reads_ahead,
    ),
]


def panel_contexts(request: HttpRequest, account: Account) -> dict[str, list[dict[str, Any]]]:
    """Journeys' own Account 360 panels per slot, for journeys' account page."""
    return {
        slot: [
            {"template": p.template, "context": p.get_context(request, account)}
            for p in account_panels(slot)
            if p.key.startswith("journeys_")
        ]
        for slot in ("header", "main", "side")
    }


# --- account list and segments ----------------------------------------------------------------


def _phase_choices() -> list[tuple[str, str]]:
    """A segment rule's phases: by id (stored in segments' rules)."""
    return [(str(p.pk), p.name) for p in selectors.phase_list()]


def _phase_list_choices() -> list[tuple[str, str]]:
    """The account list's and the accounts API's `?phase=`: the number the API shows as an
    account's `extensions.phase` (the phase's `order`), so a value read can be filtered on."""
    choices: dict[str, str] = {}
    for p in selectors.phase_list():
        choices.setdefault(str(p.order), p.name)
    return list(choices.items())


def _phase_keys() -> list[str]:
    return [p.key for p in selectors.phase_list()]


# `Account.list_phase_id` of an account with no phase row (it is in the first phase).
NO_PHASE_ROW = 0


def _in_phases(queryset: QuerySet[Account], phases: list[Phase]) -> QuerySet[Account]:
    """Accounts whose phase (as journeys keeps it on the account row, migration 0014: the
    phase row's, 0 without one) is one of `phases`; without a phase row, the first."""
    first = selectors.phase_list()[:1]
    ids = [p.pk for p in phases]
    if first and first[0] in phases:
        ids.append(NO_PHASE_ROW)
    return queryset.filter(list_phase_id__in=ids)


def _filter_phase(queryset: QuerySet[Account], value: Any) -> QuerySet[Account]:
    """Accounts in the phase(s) `value`: the phase's `order` (as the API returns it) or key."""
    values = [str(v).strip() for v in (value if isinstance(value, list | tuple) else [value])]
    phases = [p for p in selectors.phase_list() if str(p.order) in values or p.key in values]
    if not phases:
        return queryset.none()
    return _in_phases(queryset, phases)


def _phase_by_value(value: Any) -> Phase | None:
    value = str(value).strip()
    lookup = Q(key=value) | Q(pk=int(value)) if value.isdigit() else Q(key=value)
    return Phase.objects.filter(lookup).first()


def _apply_phase(queryset: QuerySet[Account], value: Any) -> QuerySet[Account]:
    """Accounts in the phase(s) `value`: a phase id or key, or a list of them."""
    values = value if isinstance(value, list | tuple) else [value]
    phases = [p for p in (_phase_by_value(v) for v in values if str(v).strip()) if p is not None]
    if not phases:
        return queryset.none()
    return _in_phases(queryset, phases)


def _phase_groups() -> list[list[Any]]:
    """The list's sort by phase: the phases' ids by their `order` (phases of one order sort
    together), accounts without a phase row (0) in the first phase's group. The order is read
    from the phases: reordering them writes no account row (issue #16)."""
    groups: dict[int, list[Any]] = {}
    for phase in selectors.phase_list():
        groups.setdefault(phase.order, []).append(phase.pk)
    ordered = [groups[order] for order in sorted(groups)]
    return [[*ordered[0], NO_PHASE_ROW], *ordered[1:]] if ordered else [[NO_PHASE_ROW]]


def _annotate_phase(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """`phase` (the phase's order, for sorting) and `phase_name` (in the active language),
    from the phase journeys keeps on the account row (migration 0014; 0: the first)."""
    name_field = "name_ja" if (get_language() or "ja")[:2] == "ja" else "name_en"
    phase = Phase.objects.filter(pk=OuterRef("list_phase_id"))
    first = Phase.objects.order_by("order", "pk")
    return queryset.annotate(
        phase=Coalesce(
            Subquery(phase.values("order")[:1]), Subquery(first.values("order")[:1]), Value(0)
        ),
        phase_name=Coalesce(
            Subquery(phase.values(name_field)[:1]),
            Subquery(first.values(name_field)[:1]),
            Value(""),
        ),
    )


def _fill_phase(accounts: Sequence[Account]) -> None:
    """The phase column of one page of the list: from the phases read once per page view."""
    listed = selectors.phase_list()
    # (order, name in the active language) of each phase, read once for the page's rows.
    phases = {p.pk: (p.order, p.name) for p in listed}
    first = (listed[0].order, listed[0].name) if listed else (0, "")
    for account in accounts:
        order, name = phases.get(account.list_phase_id, first)  # type: ignore[arg-type]
        account.phase = order  # type: ignore[attr-defined]
        account.phase_name = name  # type: ignore[attr-defined]


def _phase_column(accounts: Sequence[Account]) -> list[str]:
    """The account list's phase cells of one page (each as journeys/list_phase_cell.html
    renders it): each phase's name escaped once."""
    names: dict[str, str] = {}
    cells = []
    for account in accounts:
        name = getattr(account, "phase_name", "")
        if name not in names:
            names[name] = conditional_escape(name)
        cells.append(names[name])
    return cells


def _task_slack_words(data: dict[str, Any]) -> dict[str, Any]:
    """task.created / task.completed in a Slack endpoint's language: the title worded from
    `kind` + `data`."""
    task = SimpleNamespace(
        pk=data["task_id"],
        kind=data.get("kind") or "",
        data=data.get("data") or {},
        title=data["title"],
    )
    return {**data, "title": task_titles([task])[task.pk]}


def register() -> None:
    register_slack_words(TASK_CREATED, _task_slack_words)
    register_slack_words(TASK_COMPLETED, _task_slack_words)
    register_nav_item(NavItem("journeys:my_work", _("My work"), 5, Role.CSM))
    register_nav_item(NavItem("journeys:funnel", _("Phase funnel"), 20, Role.CS_MANAGER))
    register_nav_item(NavItem("journeys:feedback", _("Voice of the customer"), 50, Role.VIEWER))
    register_nav_item(
        NavItem("journeys:template_list", _("Journey templates"), 85, Role.CS_MANAGER)
    )
    register_nav_item(NavItem("journeys:phase_settings", _("Phases"), 90, Role.ADMIN))
    for panel in PANELS:
        register_account_panel(panel)
    register_list_extension(
        AccountListExtension(
            key="phase",
            label=_("Phase"),
            choices=_phase_list_choices,
            aliases=_phase_keys,
            apply=_filter_phase,
            annotate=_annotate_phase,
            template="journeys/list_phase_cell.html",
            column=_phase_column,
            sort_key="list_phase_id",
            sort_groups=_phase_groups,
            fill=_fill_phase,
            order=10,
            cells_kept=True,
        )
    )
    register_segment_rule(
        SegmentRule(
            key="phase",
            label=_("Phase"),
            apply=_apply_phase,
            help_text=_("A phase key or id, or a list of them."),
            choices=_phase_choices,
        )
    )
