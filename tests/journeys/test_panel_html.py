"""The journey map's milestones and steps and the timeline's entries are made in Python
(journeys.panel_html, issue #16): they read as the templates that made them before, for every
role and every kind of row."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.defaultfilters import linebreaksbr
from django.test import RequestFactory
from django.utils import dateformat, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _lazy

from cs_platform.formpage import lazy_details, next_query
from cs_platform.models import Role
from cs_platform.scoping import tenant_scope
from cs_platform.services import membership_set
from cs_platform.urlutils import tenant_reverse
from journeys.extensions import activities_titled, tasks_titled
from journeys.forms import PhaseMoveForm, TaskForm
from journeys.panel_html import (
    PanelHtml,
    activities_html,
    assignee_select_html,
    milestones_html,
    plain_format,
    select_html,
    tasks_html,
    text_lines,
)
from journeys.selectors import (
    activity_list_for_account,
    journey_map_for_account,
    phase_list,
    task_list_for_account,
)
from tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.journeys.factories import (
    ActionStepFactory,
    ActivityFactory,
    JourneyMapFactory,
    MeetingFactory,
    MilestoneFactory,
    PhaseFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

# The template's loop as it was (journeys/panels/journey_map.html before issue #16).
TEMPLATE = (Path(__file__).parent / "journey_map_milestones_before.html").read_text()
# The tasks panel's loop as it was (journeys/panels/tasks.html before issue #16).
TASKS_TEMPLATE = (Path(__file__).parent / "tasks_before.html").read_text()


def _normal(html: str) -> str:
    """Whitespace and the per-call mask of the CSRF token do not count."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", html)
    html = re.sub(r">\s+<", "><", html)
    return re.sub(r"\s+", " ", html).strip()


@pytest.fixture
def milestones(tenant, csm_user):
    with tenant_scope(tenant):
        account = AccountFactory()
        contact = ContactFactory(account=account, name="山田 <太郎>")
        journey_map = JourneyMapFactory(account=account)
        first = MilestoneFactory(
            journey_map=journey_map, title="導入 & 定着", status="in_progress", order=1
        )
        ActionStepFactory(milestone=first, done=True, owner_user=csm_user, description="研修")
        ActionStepFactory(
            milestone=first, owner_contact=contact, shared_with_customer=True, due_date=None
        )
        MilestoneFactory(
            journey_map=journey_map,
            customer_goal="",
            due_date=None,
            shared_with_customer=True,
            order=2,
        )
        rows = list(journey_map_for_account(account=account).milestones.all())
    rows[0].checks = [
        {"tone": "red", "state": "at_risk", "label": "危険", "detail": "スコア 40 < 70"},
        {"tone": "green", "state": "on_track", "label": "順調", "detail": ""},
    ]
    rows[0].add_step = "<details>step</details>"
    rows[1].checks = []
    rows[1].add_step = ""
    return rows


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(("can_edit", "can_share"), [(True, True), (True, False), (False, False)])
def test_the_milestones_read_as_the_template_wrote_them(
    tenant, csm_user, milestones, language, can_edit, can_share
):
    request = RequestFactory().get("/t/acme/accounts/1/?health_range=90&x=<a>")
    request.tenant = tenant
    request.user = csm_user
    with translation.override(language), tenant_scope(tenant):
        context = {"ctx": {"milestones": milestones, "can_edit": can_edit, "can_share": can_share}}
        before = Template(TEMPLATE).render(
            Context({**context, "request": request, "csrf_token": "t"})
        )
        after = milestones_html(request, milestones, can_edit=can_edit, can_share=can_share)
    assert _normal(after) == _normal(before)
    assert "milestone-check" in after and ("step-delete" in after) == can_edit


@pytest.fixture
def activities(tenant, csm_user):
    with tenant_scope(tenant):
        account = AccountFactory()
        meeting = MeetingFactory(account=account)
        ActivityFactory(
            account=account,
            kind="meeting",
            title="定例 <会議>",
            data={"meeting": meeting.pk},
            actor=csm_user,
            body="議題\n<b>次回</b>",
        )
        ActivityFactory(account=account, kind="note", title="メモ & 確認", body="")
        ActivityFactory(account=account, kind="call", title="電話", actor=csm_user)
        return activities_titled(list(activity_list_for_account(account=account)))


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("can_edit", [True, False])
def test_the_timeline_entries_read_as_the_template_wrote_them(
    tenant, csm_user, activities, language, can_edit
):
    request = RequestFactory().get("/t/acme/accounts/1/?health_range=90")
    request.tenant = tenant
    request.user = csm_user
    entry = Template('{% for a in activities %}{% include "journeys/_activity.html" %}{% endfor %}')
    with translation.override(language), tenant_scope(tenant):
        context = {"activities": activities, "can_edit": can_edit, "request": request}
        before = entry.render(Context(context))
        after = activities_html(request, activities, can_edit=can_edit)
    assert _normal(after) == _normal(before)
    assert after.count('data-testid="activity"') == 3
    assert ("meeting-edit" in after) == can_edit


@pytest.mark.parametrize("selected", ["viewer", "none"])
def test_the_assignee_select_reads_as_the_task_form_wrote_it(tenant, csm_user, selected):
    with tenant_scope(tenant):
        member = UserFactory(full_name="佐藤 <花子> & Co")
        membership_set(tenant=tenant, user=member, role=Role.CSM)
        pk = csm_user.pk if selected == "viewer" else None
        before = str(TaskForm(initial={"assignee": pk})["assignee"])
        after = assignee_select_html(selected=pk)
    assert after == before
    assert "&lt;花子&gt; &amp; Co" in after
    assert (f'<option value="{pk}" selected>' in after) == (pk is not None)


@pytest.mark.parametrize("selected", ["later", "none"])
def test_the_phase_select_reads_as_the_phase_move_form_wrote_it(tenant, selected):
    # In Japanese whatever an earlier test's request left active in this thread.
    with translation.override("ja"), tenant_scope(tenant):
        phases = [
            PhaseFactory(key="a", name_ja="導入", name_en="Onboarding", order=1),
            PhaseFactory(key="b", name_ja="定着 & <活用>", name_en="Adoption & use", order=2),
        ]
        pk = phases[1].pk if selected == "later" else None
        before = str(PhaseMoveForm(initial={"to_phase": pk} if pk else {})["to_phase"])
        after = select_html(
            "to_phase", [(p.pk, str(p)) for p in phase_list()], selected=pk, empty=False
        )
    assert after == before
    assert "定着 &amp; &lt;活用&gt;" in after
    assert (f'<option value="{pk}" selected>' in after) == (pk is not None)


@pytest.fixture
def tasks(tenant, csm_user):
    with tenant_scope(tenant):
        account = AccountFactory()
        TaskFactory(
            account=account,
            title="電話 <確認> & 送付",
            assignee=csm_user,
            description="一行目\n<b>二行目</b>" + "長" * 400,
            checklist=[
                {"text": "見積 & 契約", "done": True},
                {"text": "", "done": False},
                "<b>紙</b>",
                {"done": True},
                1234,
            ],
        )
        TaskFactory(account=account, title="期日なし", due_date=None, description="")
        return tasks_titled(task_list_for_account(account=account, open_only=True))


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("can_edit", [True, False])
def test_the_tasks_read_as_the_template_wrote_them(tenant, csm_user, tasks, language, can_edit):
    request = RequestFactory().get("/t/acme/accounts/1/?health_range=90&x=<a>")
    request.tenant = tenant
    request.user = csm_user
    csrf = r'name="csrfmiddlewaretoken" value="[^"]+"'
    with translation.override(language), tenant_scope(tenant):
        context = {"ctx": {"tasks": tasks, "can_edit": can_edit}, "request": request}
        before = Template(TASKS_TEMPLATE).render(Context({**context, "csrf_token": "t"}))
        after = tasks_html(request, tasks, can_edit=can_edit)
    # Byte for byte but the CSRF token's mask (the page puts one token in every form).
    assert re.sub(csrf, "csrf", after) == re.sub(csrf, "csrf", before)
    assert after.count('data-testid="task"') == 2 and ("task-edit" in after) == can_edit


@pytest.mark.parametrize(
    "fmt",
    [
        "Y/m/d G:i",
        "Y-m-d H:i:s",
        "j. n. Y G:i",
        r"Y\Y m {d} \i\s H",
        "d/m/Y",
        "m/d/Y P",
        "N j, Y",
    ],
)
def test_a_plain_date_format_writes_what_django_writes(fmt):
    moments = [
        dt.datetime(2026, 1, 2, 0, 5, 9, tzinfo=dt.UTC),
        dt.datetime(2031, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
        dt.datetime(999, 7, 4, 9, 0, 0),
    ]
    pattern = plain_format(fmt)
    if any(c in fmt for c in "PN"):  # a word or a 12-hour clock: Django's own
        assert pattern is None
        return
    for moment in moments:
        assert pattern.format(moment) == dateformat.format(moment, fmt)


@pytest.mark.parametrize(
    "text",
    ["一行", "議題\n<b>次回</b>", "a\r\nb\rc\n\nd & \"e\" 'f'", "\r\r\n\n", "末尾\n"],
)
def test_an_entrys_lines_read_as_linebreaksbr_writes_them(text):
    assert text_lines(text) == linebreaksbr(text, autoescape=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_lazy_form_reads_as_lazy_details_writes_it(tenant, language):
    request = RequestFactory().get("/t/acme/accounts/7/?health_range=90&x=<a>&y=é")
    request.tenant = tenant
    with translation.override(language):
        html = PanelHtml(request)
        for name, pk, summary in [
            ("journeys:step_add", 11, _lazy("Add a step")),
            ("journeys:step_add", 12, _lazy("Add a step")),
            ("journeys:meeting_add", 7, _lazy("Log a meeting")),
            ("journeys:feedback_add", 7, "声 <& 記録>"),
            ("journeys:feedback_add", 8, mark_safe("声 <& 記録>")),  # not escaped again
        ]:
            url = tenant_reverse(request, name, pk=pk) + next_query(request)
            assert html.lazy(name, pk, summary) == lazy_details(url=url, summary=summary)


def test_a_rows_link_follows_the_workspace_and_the_script_prefix(tenant, other_tenant):
    """Each link's parts are kept for the process (issue #16) per workspace, script prefix
    and URL conf: another workspace or a mounted site writes its own."""
    from django.urls import clear_script_prefix, set_script_prefix

    def link(workspace, name="journeys:share_set", **kwargs):
        request = RequestFactory().get("/t/acme/accounts/7/")
        request.tenant = workspace
        expected = tenant_reverse(request, name, pk=5, **kwargs)
        return PanelHtml(request).url_escaped(name, 5, **kwargs), expected

    try:
        for workspace in (tenant, other_tenant):
            for prefix in ("/", "/junkan/"):
                set_script_prefix(prefix)
                shown, expected = link(workspace, kind="step")
                assert shown == expected and expected.startswith(f"{prefix}t/{workspace.slug}/")
                shown, expected = link(workspace, "journeys:step_toggle")
                assert shown == expected
    finally:
        clear_script_prefix()
