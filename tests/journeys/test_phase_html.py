"""Account 360's phase header and phase history are made in Python (journeys.phase_html,
issue #16): byte for byte what their templates wrote, for every state and role."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone, translation

from journeys.forms import PhaseMoveForm
from journeys.panel_html import select_html
from journeys.phase_html import phase_header_html, phase_history_html
from journeys.selectors import CurrentPhase
from journeys.selectors.account_panels import account_panel_reads
from tests.factories import AccountFactory
from tests.journeys.factories import PhaseFactory, PhaseTransitionFactory

pytestmark = pytest.mark.django_db

HERE = Path(__file__).parent
# The panels' templates as they were before issue #16.
HEADER_BEFORE = (HERE / "phase_before.html").read_text()
HISTORY_BEFORE = (HERE / "phase_history_before.html").read_text()
CSRF = r'name="csrfmiddlewaretoken" value="[^"]+"'


def _request(tenant, user):
    request = RequestFactory().get("/t/acme/accounts/1/?health_range=90&x=<a>")
    request.tenant = tenant
    request.user = user
    return request


def _same(after: str, before: str) -> None:
    """Byte for byte but the CSRF token's mask (the page puts one token in every form)."""
    assert re.sub(CSRF, "csrf", after) == re.sub(CSRF, "csrf", before)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("can_edit", [True, False])
@pytest.mark.parametrize("days", [None, 1, 1234])
def test_the_phase_header_reads_as_the_template_wrote_it(
    tenant, csm_user, scoped, language, can_edit, days
):
    phase = PhaseFactory(name_ja="導入 & <定着>", name_en="Onboarding & <use>", order=1)
    PhaseFactory(order=2)
    account = AccountFactory()
    entered = None if days is None else timezone.now() - dt.timedelta(days=days, hours=1)
    current = CurrentPhase(phase=phase, entered_at=entered)
    request = _request(tenant, csm_user)
    with translation.override(language):
        fields = PhaseMoveForm.base_fields
        select = select_html("to_phase", [(phase.pk, str(phase))], selected=None, empty=False)
        context = {
            "account": account,
            "current": current,
            "can_edit": can_edit,
            "to_phase_label": fields["to_phase"].label,
            "reason_label": fields["reason"].label,
            "to_phase_select": select,
        }
        before = Template(HEADER_BEFORE).render(
            Context({"ctx": context, "request": request, "csrf_token": "t"})
        )
        move = (fields["to_phase"].label, fields["reason"].label, select) if can_edit else None
        after = phase_header_html(request, account=account, current=current, move=move)
    _same(after, before)
    assert ("phase-move-form" in after) == can_edit


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_account_without_a_phase_reads_as_the_template_wrote_it(
    tenant, csm_user, scoped, language
):
    request = _request(tenant, csm_user)
    with translation.override(language):
        before = Template(HEADER_BEFORE).render(
            Context({"ctx": {"current": None, "can_edit": True}, "request": request})
        )
        after = phase_header_html(request, account=AccountFactory(), current=None, move=None)
    _same(after, before)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_phase_history_reads_as_the_template_wrote_it(tenant, csm_user, scoped, language):
    first = PhaseFactory(name_ja="導入", name_en="Onboarding", order=1)
    second = PhaseFactory(name_ja="定着 & <活用>", name_en="Adoption & <use>", order=2)
    account = AccountFactory()
    PhaseTransitionFactory(account=account, from_phase=None, to_phase=first, reason="")
    PhaseTransitionFactory(
        account=account, from_phase=first, to_phase=second, actor=csm_user, reason="契約 <更新>"
    )
    transitions = account_panel_reads(account=account).transitions
    with translation.override(language):
        for shown in (transitions, []):
            before = Template(HISTORY_BEFORE).render(Context({"ctx": {"transitions": shown}}))
            assert phase_history_html(shown) == before
