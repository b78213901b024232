"""The journey map panel's milestones and steps, and the timeline panel's entries, as HTML made
in Python (issue #16).

Each milestone and each step carried several template includes (its share toggle, its edit and
delete links), `{% turl %}` and `{% csrf_token %}` tags and a dozen filters; rendering them
through the template engine was the largest part of Account 360's time. The markup is what
journeys/_share_toggle.html, journeys/_inline_action.html, journeys/_next.html and
journeys/_activity.html write, and tests/journeys/test_panel_html.py holds the two side by side.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cs_platform.pagecache import page_csrf_token
from cs_platform.urlutils import tenant_reverse

from .extensions import activity_title

# The id a row's links are reversed with once per panel, then replaced by each row's own.
_PK = 987654321


class PanelHtml:
    """What every row of one panel shares: the request's token, the page's path, the words."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self._urls: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self.next = request.get_full_path()
        self.next_query = quote(self.next, safe="/")  # as the `urlencode` filter writes it
        self.csrf = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">',
            page_csrf_token(request),
        )
        self.next_input = format_html('<input type="hidden" name="next" value="{}">\n', self.next)
        self.shared = _("Shared with the customer")
        self.not_shared = _("Not shared")
        self.title_shared = _(
            "The customer sees this on their success plan. Click to stop sharing."
        )
        self.title_not_shared = _("Only staff see this. Click to share it with the customer.")

    def url(self, name: str, pk: int, **kwargs: Any) -> str:
        """`tenant_reverse(request, name, pk=pk, **kwargs)`: reversed once per name (and
        kwargs) for the panel, each row's id put in its place (`reverse` costs more than the
        rest of a row's link)."""
        key = (name, *sorted(kwargs.items()))
        parts = self._urls.get(key)
        if parts is None:
            url = tenant_reverse(self.request, name, pk=_PK, **kwargs)
            parts = self._urls[key] = tuple(url.split(f"/{_PK}/"))
        if len(parts) != 2:  # the stand-in id is not one path segment: reverse this one
            return tenant_reverse(self.request, name, pk=pk, **kwargs)
        return f"{parts[0]}/{pk}/{parts[1]}"

    def share_toggle(self, item: Any, kind: str) -> SafeString:
        """As journeys/_share_toggle.html."""
        url = self.url("journeys:share_set", item.pk, kind=kind)
        shared = item.shared_with_customer
        return format_html(
            '<form class="inline share-toggle" method="post" action="{url}" hx-post="{url}"'
            ' hx-swap="outerHTML" data-testid="share-{kind}">{csrf}'
            '<input type="hidden" name="next" value="{next}">'
            '<input type="hidden" name="shared" value="{value}">'
            '<button type="submit" class="share{cls}" aria-pressed="{pressed}" title="{title}">'
            "{label}</button></form>\n",
            url=url,
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
            return format_html('<span class="muted">{}</span>', self.shared)
        return SafeString("")

    def inline_action(self, url: str, label: str, testid: str) -> SafeString:
        """As journeys/_inline_action.html: a link that opens its form in place (htmx)."""
        href = f"{url}?next={self.next_query}"
        return format_html(
            '<a href="{href}" hx-get="{href}" hx-target="next .inline-editor"'
            ' hx-swap="innerHTML" class="inline-action" data-testid="{testid}">{label}</a>\n',
            href=href,
            label=label,
            testid=testid,
        )


def _date(value: Any) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _step(html: PanelHtml, step: Any, *, can_edit: bool, can_share: bool) -> SafeString:
    box = "☑" if step.done else "☐"
    if can_edit:
        toggle = format_html(
            '<form class="inline" method="post" action="{}">{}{}'
            '<button type="submit" aria-label="{}">{}</button></form>',
            html.url("journeys:step_toggle", step.pk),
            html.csrf,
            html.next_input,
            _("Toggle done"),
            box,
        )
    else:
        toggle = SafeString(box)
    if step.owner_user_id:
        owner = format_html("{}", step.owner_user)
    elif step.owner_contact_id:
        owner = format_html("{} ({})", step.owner_contact, _("customer"))
    else:
        owner = SafeString("")
    due = format_html(" · {}", _date(step.due_date)) if step.due_date else ""
    actions = (
        format_html(
            '{}<div class="inline-editor"></div>',
            html.inline_action(
                html.url("journeys:step_delete", step.pk), _("Delete"), "step-delete"
            ),
        )
        if can_edit
        else ""
    )
    return format_html(
        '<li{cls}>\n        {toggle}\n        {description}\n        <span class="muted">'
        "{owner}{due}</span>\n        {share}\n        {actions}\n      </li>\n",
        cls=mark_safe(' class="done"') if step.done else "",
        toggle=toggle,
        description=step.description,
        owner=owner,
        due=due,
        share=html.share(step, "step", can_share=can_share),
        actions=actions,
    )


def _checks(checks: Iterable[dict[str, Any]]) -> SafeString:
    return format_html_join(
        "",
        ' · <span class="milestone-check band-{}" data-testid="milestone-check"'
        ' data-state="{}">{}</span>{}',
        (
            (
                check["tone"],
                check["state"],
                check["label"],
                format_html(' <span class="muted">{}</span>', check["detail"])
                if check.get("detail")
                else "",
            )
            for check in checks
        ),
    )


def milestone_html(html: PanelHtml, milestone: Any, *, can_edit: bool, can_share: bool) -> str:
    """One milestone of the journey map: its share toggle, links, goal, checks and steps."""
    actions = ""
    if can_edit:
        actions = format_html(
            '<p class="item-actions">{}{}</p><div class="inline-editor"></div>',
            html.inline_action(
                html.url("journeys:milestone_edit", milestone.pk), _("Edit"), "milestone-edit"
            ),
            html.inline_action(
                html.url("journeys:milestone_delete", milestone.pk),
                _("Delete"),
                "milestone-delete",
            ),
        )
    goal = (
        format_html('<blockquote class="goal">“{}”</blockquote>', milestone.customer_goal)
        if milestone.customer_goal
        else ""
    )
    due = format_html(" · {} {}", _("Due"), _date(milestone.due_date)) if milestone.due_date else ""
    steps = [
        _step(html, step, can_edit=can_edit, can_share=can_share) for step in milestone.steps.all()
    ]
    return format_html(
        '<article class="milestone milestone-{status}" data-testid="milestone">\n'
        '    <h3>{title} <small class="muted">{status_label}</small></h3>\n'
        "    {share}\n    {actions}\n    {goal}\n"
        '    <p class="muted">{target}{due}{checks}</p>\n'
        '    <ul class="steps" data-testid="action-plan">\n{steps}    </ul>\n'
        "    {add_step}\n  </article>\n",
        status=milestone.status,
        title=milestone.title,
        status_label=milestone.get_status_display(),
        share=html.share(milestone, "milestone", can_share=can_share),
        actions=actions,
        goal=goal,
        target=_("Target score %(score)s") % {"score": milestone.target_score},
        due=due,
        checks=_checks(getattr(milestone, "checks", [])),
        steps=mark_safe("".join(steps))  # each step is made by format_html
        if steps
        else format_html('<li class="muted">{}</li>\n', _("No action plan yet.")),
        add_step=getattr(milestone, "add_step", "") if can_edit else "",
    )


def milestones_html(
    request: HttpRequest, milestones: list[Any], *, can_edit: bool, can_share: bool
) -> SafeString:
    """Every milestone of the map, in order."""
    html = PanelHtml(request)
    return mark_safe(  # each milestone is made by format_html
        "".join(milestone_html(html, m, can_edit=can_edit, can_share=can_share) for m in milestones)
    )


def activity_html(html: PanelHtml, activity: Any, *, can_edit: bool) -> SafeString:
    """One timeline entry, as journeys/_activity.html writes it."""
    at = timezone.localtime(activity.occurred_at)
    actor = (
        format_html(' <span class="muted">· {}</span>', activity.actor) if activity.actor_id else ""
    )
    actions: SafeString | str = ""
    meeting = (activity.data or {}).get("meeting") if activity.kind == "meeting" else None
    if can_edit and meeting:
        actions = format_html(
            '\n  <span class="item-actions">{} {}</span><div class="inline-editor"></div>',
            html.inline_action(
                html.url("journeys:meeting_edit", meeting), _("Edit"), "meeting-edit"
            ),
            html.inline_action(
                html.url("journeys:meeting_delete", meeting), _("Delete"), "meeting-delete"
            ),
        )
    body = (
        format_html('<div class="body">{}</div>', linebreaksbr(activity.body, autoescape=True))
        if activity.body
        else ""
    )
    return format_html(
        '<li class="activity activity-{kind}" data-testid="activity">\n'
        '  <time datetime="{iso}" class="muted">{when}</time>\n'
        '  <span class="kind">{kind_label}</span>\n'
        '  <strong data-testid="activity-title">{title}</strong>{actor}{actions}\n'
        "  {body}\n</li>\n",
        kind=activity.kind,
        iso=date_format(at, "c"),
        when=date_format(at, "SHORT_DATETIME_FORMAT"),
        kind_label=activity.get_kind_display(),
        title=activity_title(activity),
        actor=actor,
        actions=actions,
        body=body,
    )


def activities_html(request: HttpRequest, activities: list[Any], *, can_edit: bool) -> SafeString:
    """The timeline panel's entries, in order."""
    html = PanelHtml(request)
    return mark_safe(  # each entry is made by format_html
        "".join(activity_html(html, a, can_edit=can_edit) for a in activities)
    )
