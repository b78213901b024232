"""My work's rows, written in Python (journeys/my_work_html.py): what each row shows, escaped,
in ja and en (issue #16)."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from journeys.models import AccountPhase
from tests.factories import AccountFactory, ContractFactory
from tests.journeys.factories import ActionStepFactory, MilestoneFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _li(html: str, marker: str) -> str:
    """The list item holding `marker`."""
    start = html.rindex("<li", 0, html.index(marker))
    return html[start : html.index("</li>\n", start)]


@pytest.mark.parametrize(("language", "done"), [("ja", "完了"), ("en", "Done")])
def test_each_row_shows_its_parts_escaped(tenant, csm_user, phases, language, done):
    today = timezone.localdate()
    with tenant_scope(tenant):
        moved = AccountFactory(owner=csm_user, name="A&B <moved>")
        AccountPhase.objects.create(account=moved, phase=phases["adoption"])
        new = AccountFactory(owner=csm_user, name="Z new")
        task = TaskFactory(
            account=moved,
            assignee=csm_user,
            title="Call <them> & ask",
            due_date=today - dt.timedelta(days=1),
            description="first line\n<b>second</b> " + "x" * 400,
            checklist=[{"text": "ticked <i>", "done": True}, {"text": "open", "done": False}],
        )
        later = TaskFactory(
            account=new, assignee=csm_user, title="Later", due_date=today + dt.timedelta(days=3)
        )
        step = ActionStepFactory(
            milestone=MilestoneFactory(journey_map__account=new, title="Go <live>"),
            owner_user=csm_user,
            description="Train & test",
            due_date=today + dt.timedelta(days=2),
        )
        ContractFactory(
            account=moved,
            renewal_date=today + dt.timedelta(days=10),
            arr=1_200_000,
            currency="JPY",
        )
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(csm_user)
    page = reverse("journeys:my_work", kwargs={"tenant_slug": tenant.slug})
    body = client.get(page).content.decode()
    tasks = body.split('data-testid="my-tasks"')[1].split("</section>")[0]
    first = _li(tasks, f"/tasks/{task.pk}/done/")
    assert first.startswith('<li class="overdue">') and "Call &lt;them&gt; &amp; ask" in first
    # done: a button of the page's one done form (its token and `next`), to the task's URL
    assert (
        f'<button type="submit" form="my-work-done" formaction="/t/acme/journeys/tasks/'
        f'{task.pk}/done/">{done}</button>'
    ) in first
    shared = body.split('<form id="my-work-done" method="post" hidden>')[1].split("</form>")[0]
    assert 'name="csrfmiddlewaretoken"' in shared and 'name="next" value="my_work"' in shared
    assert 'name="csrfmiddlewaretoken" value="' in first  # the checklist's own forms
    assert f'href="/t/acme/accounts/{moved.pk}/">A&amp;B &lt;moved&gt;</a>' in tasks
    assert "first line<br>&lt;b&gt;second&lt;/b&gt; " in tasks and "x" * 400 not in tasks
    back = "?next=/t/acme/journeys/my-work/"
    for action in ("edit", "delete"):
        link = f"/t/acme/journeys/tasks/{task.pk}/{action}/{back}"
        assert f'href="{link}" hx-get="{link}"' in tasks
    assert f'data-testid="task-{action}"' in tasks
    ticked, open_item = tasks.split('data-testid="task-checklist">')[1].split("</li>")[:2]
    assert ticked.startswith('<li class="done">') and "☑" in ticked and 'name="done"' not in ticked
    assert "ticked &lt;i&gt;" in ticked
    assert 'name="index" value="1"' in open_item and 'name="done" value="on"' in open_item
    assert _li(tasks, f"/tasks/{later.pk}/done/").startswith("<li>")  # not overdue

    steps = body.split('data-testid="my-steps"')[1].split("</section>")[0]
    toggle = reverse("journeys:step_toggle", kwargs={"tenant_slug": "acme", "pk": step.pk})
    assert f'form="my-work-done" formaction="{toggle}">{done}</button>' in steps
    assert "Train &amp; test" in steps and "Go &lt;live&gt;" in steps and "overdue" not in steps

    renewals = body.split('data-testid="my-renewals"')[1].split("</section>")[0]
    assert f'href="/t/acme/accounts/{moved.pk}/"' in renewals and "¥1,200,000" in renewals

    accounts = body.split('data-testid="my-accounts"')[1].split("</section>")[0]
    rows = accounts.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.index("A&amp;B &lt;moved&gt;") < rows.index("Z new")  # by name
    assert f"<td>{phases['adoption'].name}</td>" in rows.split("Z new")[0]
    assert f"<td>{phases['contract'].name}</td>" in rows.split("Z new")[1]  # no row: the first


def test_empty_lists_say_so(tenant, csm_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(csm_user)
    body = client.get(reverse("journeys:my_work", kwargs={"tenant_slug": tenant.slug})).text
    for text in (
        "No open tasks.",
        "No open steps.",
        "No renewals in the next 90 days.",
        "You own no accounts yet.",
    ):
        assert text in body
