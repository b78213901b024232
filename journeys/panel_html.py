"""The journey map panel's milestones and steps, and the timeline panel's entries, as HTML made
in Python (issue #16).

Each milestone and each step carried several template includes (its share toggle, its edit and
delete links), `{% turl %}` and `{% csrf_token %}` tags and a dozen filters; rendering them
through the template engine was the largest part of Account 360's time. The markup is what
journeys/_share_toggle.html, journeys/_inline_action.html, journeys/_next.html and
journeys/_activity.html write, and tests/journeys/test_panel_html.py holds the two side by side.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from html import escape
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest
from django.template.defaultfilters import linebreaksbr, truncatechars
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.dateformat import format as dateformat
from django.utils.dateformat import re_escaped, re_formatchars
from django.utils.formats import date_format, get_format, localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cs_platform.formpage import lazy_details, next_query
from cs_platform.htmltext import escaped as _e
from cs_platform.pagecache import page_csrf_token
from cs_platform.selectors import staff_member_choices
from cs_platform.urlutils import tenant_reverse

from .extensions import activity_title
from .models import Activity, Milestone

# `Activity.get_kind_display()`'s and `Milestone.get_status_display()`'s labels (lazy: worded
# in the language of each call), without the choices made into a dict on every call.
_KIND_LABELS = dict(Activity._meta.get_field("kind").flatchoices)
_STATUS_LABELS = dict(Milestone._meta.get_field("status").flatchoices)
# The id a row's links are reversed with once per panel, then replaced by each row's own.
_PK = 987654321
# The link a lazy form's markup is made with once, then replaced by each one's own.
_LAZY_URL = "lazy-form-url-987654321"


# The format characters `dateformat.format` writes from a datetime's own numbers alone, as
# `str.format` writes them.
_PLAIN_FORMAT = {
    "Y": "{0.year:04d}",
    "m": "{0.month:02d}",
    "n": "{0.month}",
    "d": "{0.day:02d}",
    "j": "{0.day}",
    "H": "{0.hour:02d}",
    "G": "{0.hour}",
    "i": "{0.minute:02d}",
    "s": "{0.second:02d}",
}


@functools.lru_cache(maxsize=16)
def plain_format(fmt: str) -> str | None:
    """Django's date format `fmt` as a `str.format` pattern of a datetime (`{0.year:04d}`…),
    when its characters are all in _PLAIN_FORMAT; None otherwise. `dateformat.format` cost a
    timeline entry more than the rest of its line (issue #16)."""
    out = []
    for i, piece in enumerate(re_formatchars.split(fmt)):
        if i % 2:
            spec = _PLAIN_FORMAT.get(piece)
            if spec is None:
                return None
            out.append(spec)
        elif piece:
            out.append(re_escaped.sub(r"\1", piece).replace("{", "{{").replace("}", "}}"))
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _lazy_parts(language: str | None, summary: str, safe: bool) -> tuple[str, ...]:
    """`lazy_details` of `summary` (marked safe: `safe`) in `language` (its words), split
    where its link goes."""
    shown = mark_safe(summary) if safe else summary
    return tuple(lazy_details(url=_LAZY_URL, summary=shown).split(_LAZY_URL))


@functools.lru_cache(maxsize=1024)
def _link_parts(
    name: str, kwargs: tuple[Any, ...], slug: str, prefix: str, urlconf: Any
) -> tuple[str, str] | None:
    """`PanelHtml._escaped_parts` of URL `name` in workspace `slug`, reversed once per script
    prefix and URL conf for the process (a share toggle's URL names its kind: not one that
    `tenant_reverse` keeps)."""
    url = reverse(name, kwargs={"tenant_slug": slug, "pk": _PK, **dict(kwargs)}, urlconf=urlconf)
    split = url.split(f"/{_PK}/")
    return (escape(split[0] + "/"), escape("/" + split[1])) if len(split) == 2 else None


def _date_only(pattern: str | None) -> str | None:
    """`pattern` when it reads a date's numbers only (a date has no hour: Django refuses one)."""
    if pattern is None or any(f"{{0.{part}" in pattern for part in ("hour", "minute", "second")):
        return None
    return pattern


@functools.lru_cache(maxsize=16)
def _words(language: str | None) -> dict[str, Any]:
    """The panels' words in `language` (the active one: its key), translated once per process
    (a `gettext` costs more than the rest of a row's words)."""
    shared = _("Shared with the customer")
    return {
        "shared": shared,
        "not_shared": _("Not shared"),
        "title_shared": _("The customer sees this on their success plan. Click to stop sharing."),
        "title_not_shared": _("Only staff see this. Click to share it with the customer."),
        "escaped": {
            word: escape(text)
            for word, text in (
                ("toggle_done", _("Toggle done")),
                ("done", _("Done")),
                ("customer", _("customer")),
                ("delete", _("Delete")),
                ("edit", _("Edit")),
                ("due", _("Due")),
                ("no_steps", _("No action plan yet.")),
            )
        },
        "target_score": _("Target score %(score)s"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "shared_word": format_html('<span class="muted">{}</span>', shared),
        "short_date": get_format("SHORT_DATE_FORMAT"),
        "short_datetime": get_format("SHORT_DATETIME_FORMAT"),
    }


def panel_html(request: HttpRequest) -> PanelHtml:
    """The request's `PanelHtml`, made once for all the panels a page view writes."""
    made = getattr(request, "_journeys_panel_html", None)
    if made is None:
        made = PanelHtml(request)
        request._journeys_panel_html = made  # type: ignore[attr-defined]
    return made


class PanelHtml:
    """What every row of the panels shares: the request's token, the page's path, the words."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.next = request.get_full_path()
        self.next_query = quote(self.next, safe="/")  # as the `urlencode` filter writes it
        self.csrf = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">',
            page_csrf_token(request),
        )
        self.next_input = format_html('<input type="hidden" name="next" value="{}">\n', self.next)
        self.language = get_language()
        self.timezone = timezone.get_current_timezone()  # the rows' times, in the view's zone
        words = _words(self.language)
        self.shared = words["shared"]
        self.not_shared = words["not_shared"]
        self.title_shared = words["title_shared"]
        self.title_not_shared = words["title_not_shared"]
        self._toggles: dict[tuple[str, bool], str] = {}
        self.words = words["escaped"]
        self.target_score = words["target_score"]
        # Link labels, as given to `action` (which escapes them).
        self.edit_label, self.delete_label = words["edit"], words["delete"]
        self.shared_word = words["shared_word"]
        self.short_date_format = words["short_date"]
        self.short_datetime = words["short_datetime"]
        self._datetime_pattern = plain_format(str(self.short_datetime))
        self._date_pattern = _date_only(plain_format(str(self.short_date_format)))
        self._kinds: dict[str, str] = {}
        self._statuses: dict[str, str] = {}
        self._dates: dict[Any, str] = {}
        self._escaped: dict[tuple[Any, ...], tuple[str, str] | None] = {}
        self._actions: dict[tuple[str, str], str] = {}
        self.next_escaped = escape(f"?next={self.next_query}")
        self._lazy_next: str | None = None

    def status_label(self, status: str) -> str:
        """`milestone.get_status_display()`, escaped, once per status for the panel."""
        label = self._statuses.get(status)
        if label is None:
            label = self._statuses[status] = _e(_STATUS_LABELS.get(status, status))
        return label

    def short_date(self, value: Any) -> str:
        """`value|date:"SHORT_DATE_FORMAT"`, escaped, once per day for the panel."""
        text = self._dates.get(value)
        if text is None:
            pattern = self._date_pattern
            shown = pattern.format(value) if pattern else dateformat(value, self.short_date_format)
            text = self._dates[value] = _e(shown)
        return text

    def short_datetime_text(self, value: Any) -> str:
        """`dateformat.format(value, SHORT_DATETIME_FORMAT)` of a local time, escaped."""
        pattern = self._datetime_pattern
        if pattern is None:
            return _e(dateformat(value, self.short_datetime))
        return _e(pattern.format(value))

    def kind_label(self, kind: str) -> str:
        """`activity.get_kind_display()`, escaped, once per kind for the panel."""
        label = self._kinds.get(kind)
        if label is None:
            label = self._kinds[kind] = _e(_KIND_LABELS.get(kind, kind))
        return label

    def _escaped_parts(self, name: str, kwargs: tuple[Any, ...]) -> tuple[str, str] | None:
        """The escaped text before and after the id in `name`'s URL (with `kwargs`), made once
        per panel; None when the id is not one path segment of it."""
        key = (name, kwargs)
        if key not in self._escaped:
            urlconf = get_urlconf() or settings.ROOT_URLCONF  # (a test may override it)
            self._escaped[key] = _link_parts(
                name,
                kwargs,
                self.request.tenant.slug,  # type: ignore[attr-defined]
                get_script_prefix(),
                urlconf,
            )
        return self._escaped[key]

    def url_escaped(self, name: str, pk: Any, **kwargs: Any) -> str:
        """`tenant_reverse(request, name, pk=pk, **kwargs)`, escaped: reversed and escaped once
        per name (and kwargs) for the panel, each row's id put in its place (`reverse` costs
        more than the rest of a row's link; escaping works character by character)."""
        parts = self._escaped_parts(name, tuple(sorted(kwargs.items())))
        if parts is None:
            return _e(tenant_reverse(self.request, name, pk=pk, **kwargs))
        return f"{parts[0]}{pk if type(pk) is int else _e(pk)}{parts[1]}"

    def action(self, name: str, pk: Any, label: str, testid: str) -> SafeString:
        """As journeys/_inline_action.html: a link to row `pk`'s form at `name` that opens it
        in place (htmx); what every row's link shares is made once per panel."""
        tail = self._actions.get((label, testid))
        if tail is None:
            tail = self._actions[(label, testid)] = (
                ' hx-target="next .inline-editor" hx-swap="innerHTML" class="inline-action"'
                f' data-testid="{_e(testid)}">{_e(label)}</a>\n'
            )
        href = self.url_escaped(name, pk) + self.next_escaped
        # NOTE: safe: every value is escaped, as format_html would.
        return SafeString(f'<a href="{href}" hx-get="{href}"{tail}')

    def lazy(self, name: str, pk: int, summary: Any) -> SafeString:
        """`lazy_details(url=<name's URL for pk> + next_query(request), summary=summary)`
        (cs_platform.formpage: the `<details>` whose form is fetched when it opens), its
        markup made once per language and summary for the process."""
        parts = _lazy_parts(self.language, str(summary), hasattr(summary, "__html__"))
        if self._lazy_next is None:
            self._lazy_next = escape(next_query(self.request))
        if len(parts) != 3:  # the summary holds the stand-in link (it never does)
            url = tenant_reverse(self.request, name, pk=pk) + next_query(self.request)
            return lazy_details(url=url, summary=summary)
        # NOTE: safe: the parts are lazy_details' (format_html), the link is escaped.
        return SafeString((self.url_escaped(name, pk) + self._lazy_next).join(parts))

    def share_toggle(self, item: Any, kind: str) -> SafeString:
        """As journeys/_share_toggle.html: the row's link, then what every row of its kind
        and state shares (made once per panel)."""
        shared = bool(item.shared_with_customer)
        tail = self._toggles.get((kind, shared))
        if tail is None:
            tail = self._toggles[(kind, shared)] = self._toggle_tail(kind, shared)
        url = self.url_escaped("journeys:share_set", item.pk, kind=kind)
        # NOTE: safe: the link is escaped, the rest made by format_html.
        return SafeString(
            f'<form class="inline share-toggle" method="post" action="{url}" hx-post="{url}"' + tail
        )

    def _toggle_tail(self, kind: str, shared: bool) -> str:
        """What follows the link in a share toggle of `kind` in the state `shared`."""
        return format_html(
            ' hx-swap="outerHTML" data-testid="share-{kind}">{csrf}'
            '<input type="hidden" name="next" value="{next}">'
            '<input type="hidden" name="shared" value="{value}">'
            '<button type="submit" class="share{cls}" aria-pressed="{pressed}" title="{title}">'
            "{label}</button></form>\n",
            kind=kind,
            csrf=self.csrf,
            next=self.next,
            value="0" if shared else "1",
            cls=" is-shared" if shared else "",
            pressed="true" if shared else "false",
            title=self.title_shared if shared else self.title_not_shared,
            label=self.shared if shared else self.not_shared,
        )

    def share(self, item: Any, kind: str, *, can_share: bool) -> SafeString:
        """The toggle for a member who may share, else a word when it is shared."""
        if can_share:
            return self.share_toggle(item, kind)
        if item.shared_with_customer:
            return self.shared_word
        return SafeString("")


def text_lines(text: str) -> str:
    """`linebreaksbr(text, autoescape=True)` of plain text (not markup): escaped, every line
    break a `<br>`; without the filter's lazy checks and regular expression (a timeline entry's
    body, issue #16)."""
    if "\r" in text:  # normalize_newlines: \r\n and \r are \n
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return escape(text).replace("\n", "<br>")


def _date(value: Any) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _step(html: PanelHtml, step: Any, *, can_edit: bool, can_share: bool) -> SafeString:
    words = html.words
    box = "☑" if step.done else "☐"
    if can_edit:
        url = html.url_escaped("journeys:step_toggle", step.pk)
        toggle = (
            f'<form class="inline" method="post" action="{url}">{html.csrf}{html.next_input}'
            f'<button type="submit" aria-label="{words["toggle_done"]}">{box}</button></form>'
        )
    else:
        toggle = box
    if step.owner_user_id:
        owner = _e(step.owner_user)
    elif step.owner_contact_id:
        owner = f"{_e(step.owner_contact)} ({words['customer']})"
    else:
        owner = ""
    due = f" · {html.short_date(step.due_date)}" if step.due_date else ""
    actions = (
        html.action("journeys:step_delete", step.pk, html.delete_label, "step-delete")
        + '<div class="inline-editor"></div>'
        if can_edit
        else ""
    )
    cls = ' class="done"' if step.done else ""
    share = html.share(step, "step", can_share=can_share)
    # NOTE: safe: every value is escaped (_e) or made escaped, as format_html would.
    return SafeString(
        f"<li{cls}>\n        {toggle}\n        {_e(step.description)}\n"
        f'        <span class="muted">{owner}{due}</span>\n        {share}\n'
        f"        {actions}\n      </li>\n"
    )


def _checks(checks: Iterable[dict[str, Any]]) -> str:
    """The milestone's checks, as `format_html_join` wrote them (each value escaped)."""
    return "".join(
        f' · <span class="milestone-check band-{_e(check["tone"])}"'
        f' data-testid="milestone-check" data-state="{_e(check["state"])}">'
        f"{_e(check['label'])}</span>"
        + (f' <span class="muted">{_e(check["detail"])}</span>' if check.get("detail") else "")
        for check in checks
    )


def milestone_html(html: PanelHtml, milestone: Any, *, can_edit: bool, can_share: bool) -> str:
    """One milestone of the journey map: its share toggle, links, goal, checks and steps."""
    words = html.words
    actions = ""
    if can_edit:
        edit = html.action(
            "journeys:milestone_edit", milestone.pk, html.edit_label, "milestone-edit"
        )
        delete = html.action(
            "journeys:milestone_delete", milestone.pk, html.delete_label, "milestone-delete"
        )
        actions = f'<p class="item-actions">{edit}{delete}</p><div class="inline-editor"></div>'
    goal = (
        f'<blockquote class="goal">“{_e(milestone.customer_goal)}”</blockquote>'
        if milestone.customer_goal
        else ""
    )
    due = f" · {words['due']} {html.short_date(milestone.due_date)}" if milestone.due_date else ""
    steps = "".join(
        _step(html, step, can_edit=can_edit, can_share=can_share) for step in milestone.steps.all()
    )
    if not steps:
        steps = f'<li class="muted">{words["no_steps"]}</li>\n'
    status = _e(milestone.status)
    target = _e(html.target_score % {"score": milestone.target_score})
    share = html.share(milestone, "milestone", can_share=can_share)
    checks = _checks(getattr(milestone, "checks", []))
    add_step = _e(getattr(milestone, "add_step", "")) if can_edit else ""
    # NOTE: safe: every value is escaped (_e) or made escaped, as format_html would.
    return SafeString(
        f'<article class="milestone milestone-{status}" data-testid="milestone">\n'
        f'    <h3>{_e(milestone.title)} <small class="muted">'
        f"{html.status_label(milestone.status)}</small></h3>\n"
        f"    {share}\n    {actions}\n    {goal}\n"
        f'    <p class="muted">{target}{due}{checks}</p>\n'
        f'    <ul class="steps" data-testid="action-plan">\n{steps}    </ul>\n'
        f"    {add_step}\n  </article>\n"
    )


def milestones_html(
    request: HttpRequest, milestones: list[Any], *, can_edit: bool, can_share: bool
) -> SafeString:
    """Every milestone of the map, in order."""
    html = panel_html(request)
    return SafeString(  # each milestone is made by format_html
        "".join(milestone_html(html, m, can_edit=can_edit, can_share=can_share) for m in milestones)
    )


def activity_html(html: PanelHtml, activity: Any, *, can_edit: bool) -> SafeString:
    """One timeline entry, as journeys/_activity.html writes it."""
    at = timezone.localtime(activity.occurred_at, html.timezone)
    actor = f' <span class="muted">· {_e(activity.actor)}</span>' if activity.actor_id else ""
    actions = ""
    meeting = (activity.data or {}).get("meeting") if activity.kind == "meeting" else None
    if can_edit and meeting:
        edit = html.action("journeys:meeting_edit", meeting, html.edit_label, "meeting-edit")
        delete = html.action(
            "journeys:meeting_delete", meeting, html.delete_label, "meeting-delete"
        )
        actions = (
            f'\n  <span class="item-actions">{edit} {delete}</span>'
            '<div class="inline-editor"></div>'
        )
    body = f'<div class="body">{text_lines(activity.body)}</div>' if activity.body else ""
    kind = _e(activity.kind)
    # NOTE: safe: every value is escaped (_e) or made escaped, as format_html would.
    return SafeString(
        f'<li class="activity activity-{kind}" data-testid="activity">\n'
        f'  <time datetime="{_e(at.isoformat())}" class="muted">'
        f"{html.short_datetime_text(at)}</time>\n"
        f'  <span class="kind">{html.kind_label(activity.kind)}</span>\n'
        f'  <strong data-testid="activity-title">{_e(activity_title(activity))}</strong>'
        f"{actor}{actions}\n  {body}\n</li>\n"
    )


def activities_html(request: HttpRequest, activities: list[Any], *, can_edit: bool) -> SafeString:
    """The timeline panel's entries, in order."""
    html = panel_html(request)
    return SafeString(  # each entry is made by format_html
        "".join(activity_html(html, a, can_edit=can_edit) for a in activities)
    )


def _checklist_item(html: PanelHtml, task: Any, index: int, item: Any, *, can_edit: bool) -> str:
    """One item of a task's checklist, as journeys/panels/tasks.html wrote it."""
    is_dict = isinstance(item, dict)
    done = bool(item.get("done")) if is_dict else False
    box = "☑" if done else "☐"
    if can_edit:
        url = html.url_escaped("journeys:task_checklist", task.pk)
        mark = "" if done else '<input type="hidden" name="done" value="on">'
        box = (
            f'<form class="inline" method="post" action="{url}">{html.csrf}{html.next_input}'
            f'<input type="hidden" name="index" value="{index}">{mark}'
            f'<button type="submit" aria-label="{html.words["toggle_done"]}">{box}</button></form>'
        )
    text = item.get("text") if is_dict else None
    shown = text or item  # `{% firstof item.text item %}`
    shown = _e(shown if isinstance(shown, str) else localize(shown))
    cls = ' class="done"' if done else ""
    return f"\n        <li{cls}>\n          {box}\n          {shown}\n        </li>\n        "


def task_html(html: PanelHtml, task: Any, *, can_edit: bool) -> str:
    """One open task of the tasks panel, as journeys/panels/tasks.html wrote it (its done form,
    title, assignee, due day, edit and delete links, description and checklist)."""
    done = ""
    actions = ""
    if can_edit:
        url = html.url_escaped("journeys:task_done", task.pk)
        done = (
            f'<form class="inline" method="post" action="{url}">{html.csrf}{html.next_input}'
            f'<button type="submit">{html.words["done"]}</button></form>'
        )
        edit = html.action("journeys:task_edit", task.pk, html.edit_label, "task-edit")
        delete = html.action("journeys:task_delete", task.pk, html.delete_label, "task-delete")
        actions = (
            f'<span class="item-actions">{edit} {delete}</span><div class="inline-editor"></div>\n'
        )
    assignee = _e(task.assignee) if task.assignee else ""
    due = f" · {html.short_date(task.due_date)}" if task.due_date else ""
    description = task.shown_description
    if description:
        text = linebreaksbr(truncatechars(description, 300), autoescape=True)
        description = (
            f'<div class="muted task-description" data-testid="task-description">{text}</div>'
        )
    checklist = ""
    if task.checklist:
        items = "".join(
            _checklist_item(html, task, i, item, can_edit=can_edit)
            for i, item in enumerate(task.checklist)
        )
        checklist = (
            '\n      <ul class="checklist" data-testid="task-checklist">\n        '
            f"{items}\n      </ul>\n      "
        )
    return (
        f'\n    <li data-testid="task">\n      {done}\n'
        f'      {_e(task.shown_title)} <span class="muted">{assignee}{due}</span>\n'
        f"      {actions}\n      {description}\n      {checklist}\n    </li>\n    "
    )


def tasks_html(request: HttpRequest, tasks: list[Any], *, can_edit: bool) -> SafeString:
    """The tasks panel's open tasks, in order."""
    html = panel_html(request)
    # NOTE: safe: every value is escaped (_e) or made escaped, as the template would.
    return SafeString("".join(task_html(html, task, can_edit=can_edit) for task in tasks))


def select_html(
    name: str, choices: Iterable[tuple[int, Any]], *, selected: int | None, empty: bool
) -> SafeString:
    """`{{ form.<name> }}` of a ModelChoiceField whose choices were read already
    (`model_choices_show`), as Django's select widget writes it: the empty choice first when
    `empty` (chosen when nothing is), one option a line; without the form, its bound field
    and the widget's templates (issue #16). Posting still goes through the form."""
    options = []
    if empty:
        mark = " selected" if selected is None else ""
        options.append(f'\n  <option value=""{mark}>---------</option>\n')
    for pk, label in choices:
        mark = " selected" if pk == selected else ""
        options.append(f'\n  <option value="{pk}"{mark}>{_e(label)}</option>\n')
    # NOTE: safe: the labels are escaped, the name is the form's, the ids are integers.
    return SafeString(f'<select name="{name}" id="id_{name}">' + "".join(options) + "\n</select>")


def assignee_select_html(*, selected: int | None) -> SafeString:
    """The tasks panel's new-task assignee: the staff, as `{{ TaskForm().assignee }}`."""
    return select_html("assignee", staff_member_choices(), selected=selected, empty=True)
