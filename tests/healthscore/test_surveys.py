"""Survey / NPS answers entered on Account 360, seminar surveys feeding the survey measure,
and key events managed by admins."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cs_platform.models import TrashEntry
from cs_platform.scoping import tenant_scope
from healthscore.engine.measures import Spec, measure_frame
from healthscore.models import KeyEvent, SurveyResponse
from healthscore.services.surveys import (
    key_event_create,
    key_event_delete,
    survey_response_record,
)
from tests.conftest import client_for
from tests.factories import AccountFactory, ContactFactory
from tests.healthscore.factories import KeyEventFactory
from tests.touchmodel.factories import SeminarRegistrationFactory
from touchmodel.services import seminar_survey_submit
from touchmodel.services.seminars import survey_token

pytestmark = pytest.mark.django_db


def _survey_measure(tenant, account) -> float:
    accounts = pd.DataFrame({"seats": [10]}, index=[account.pk])
    spec = Spec(measure="survey_score", days=90)
    frame = measure_frame(
        tenant_id=tenant.pk, tz=None, accounts=accounts, as_of=timezone.localdate(), specs={spec}
    )
    return float(frame.loc[account.pk, spec])


# --- survey answers ---------------------------------------------------------------------------


def test_a_recorded_answer_feeds_the_survey_measure(scoped):
    account = AccountFactory()
    survey_response_record(account=account, score=9)
    survey_response_record(account=account, score=7)
    assert _survey_measure(scoped, account) == 8.0


@pytest.mark.parametrize("score", [-1, 11, True, "7"])
def test_a_score_outside_0_to_10_is_refused(scoped, score):
    with pytest.raises(ValidationError):
        survey_response_record(account=AccountFactory(), score=score)


def test_the_contact_must_be_of_the_account(scoped):
    with pytest.raises(ValidationError):
        survey_response_record(account=AccountFactory(), score=5, contact=ContactFactory())


def test_an_answer_with_a_source_key_replaces_the_earlier_one(scoped):
    account = AccountFactory()
    survey_response_record(account=account, score=3, source_key="seminar-survey:1")
    survey_response_record(account=account, score=10, source_key="seminar-survey:1")
    assert list(SurveyResponse.objects.values_list("score", flat=True)) == [10]


@pytest.mark.parametrize(("rating", "score"), [(1, 0), (2, 3), (3, 5), (4, 8), (5, 10)])
def test_the_seminar_survey_feeds_the_survey_measure_on_0_to_10(scoped, rating, score):
    registration = SeminarRegistrationFactory(attendance="attended")
    seminar_survey_submit(registration=registration, rating=rating, comment="良かった")
    response = SurveyResponse.objects.get()
    assert (response.account_id, response.contact_id, response.score, response.comment) == (
        registration.account_id,
        registration.contact_id,
        score,
        "良かった",
    )
    assert _survey_measure(scoped, registration.account) == score


def test_answering_the_seminar_survey_twice_counts_once(client, scoped, tenant):
    registration = SeminarRegistrationFactory(attendance="attended")
    url = f"/seminars/{tenant.slug}/survey/{survey_token(registration=registration)}/"
    client.post(url, {"rating": "2", "comment": ""})
    client.post(url, {"rating": "5", "comment": "やはり良い"})
    assert list(SurveyResponse.objects.values_list("score", "comment")) == [(10, "やはり良い")]


def test_a_seminar_survey_from_an_unknown_reader_feeds_nothing(scoped):
    registration = SeminarRegistrationFactory(contact=None, account=None, name="X", email="x@x.jp")
    seminar_survey_submit(registration=registration, rating=5)
    assert not SurveyResponse.objects.exists()


def test_a_csm_records_an_answer_on_account_360(tenant, csm_user):
    with tenant_scope(tenant):
        account = AccountFactory()
        contact = ContactFactory(account=account)
    response = client_for(csm_user).post(
        reverse("healthscore:survey_add", kwargs={"tenant_slug": "acme", "pk": account.pk}),
        {
            "score": 9,
            "responded_on": timezone.localdate().isoformat(),
            "contact": contact.pk,
            "comment": "推奨したい",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/accounts/{account.pk}/#surveys")
    with tenant_scope(tenant):
        assert SurveyResponse.objects.get().contact == contact
    page = client_for(csm_user).get(
        reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": account.pk})
    )
    assert "推奨したい" in page.content.decode()


def test_a_future_answer_is_refused_with_a_message(tenant, csm_user):
    with tenant_scope(tenant):
        account = AccountFactory()
    client = client_for(csm_user)
    client.post(
        reverse("healthscore:survey_add", kwargs={"tenant_slug": "acme", "pk": account.pk}),
        {"score": 9, "responded_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
    )
    with tenant_scope(tenant):
        assert not SurveyResponse.objects.exists()


def test_a_viewer_may_not_record_an_answer_and_sees_no_form(tenant, viewer_user):
    with tenant_scope(tenant):
        account = AccountFactory()
    client = client_for(viewer_user)
    url = reverse("healthscore:survey_add", kwargs={"tenant_slug": "acme", "pk": account.pk})
    assert client.post(url, {"score": 5}).status_code == 403
    page = client.get(reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": account.pk}))
    assert 'data-testid="surveys-panel"' in page.content.decode()
    assert 'data-testid="survey-form"' not in page.content.decode()


def test_an_outsider_cannot_record_an_answer(tenant, outsider):
    with tenant_scope(tenant):
        account = AccountFactory()
    url = reverse("healthscore:survey_add", kwargs={"tenant_slug": "acme", "pk": account.pk})
    assert client_for(outsider).post(url, {"score": 5}).status_code == 404


# --- key events -------------------------------------------------------------------------------


def test_key_events_are_unique_and_named_as_the_product_sends_them(scoped):
    key_event_create(name="card_scanned", label="名刺スキャン")
    with pytest.raises(ValidationError):
        key_event_create(name="card_scanned")
    with pytest.raises(ValidationError):
        key_event_create(name="two words")


def test_a_removed_key_event_is_restorable(scoped, admin_user):
    from cs_platform.trash.services import trash_restore

    event = KeyEventFactory(name="report_exported")
    key_event_delete(key_event=event, actor=admin_user)
    assert not KeyEvent.objects.filter(name="report_exported").exists()
    trash_restore(entry_id=TrashEntry.objects.get(model="healthscore.keyevent").pk)
    assert KeyEvent.objects.filter(name="report_exported").exists()


def key_url(name: str, pk: int | None = None) -> str:
    kwargs = {"tenant_slug": "acme"} if pk is None else {"tenant_slug": "acme", "pk": pk}
    return reverse(f"healthscore:{name}", kwargs=kwargs)


def test_an_admin_adds_relabels_and_removes_key_events(tenant, admin_user):
    client = client_for(admin_user)
    assert client.get(key_url("key_events")).status_code == 200
    response = client.post(key_url("key_events"), {"name": "card_scanned", "label": "スキャン"})
    assert response.status_code == 302
    with tenant_scope(tenant):
        event = KeyEvent.objects.get(name="card_scanned")
    client.post(key_url("key_event_edit", event.pk), {"label": "名刺スキャン"})
    with tenant_scope(tenant):
        event.refresh_from_db()
        assert event.label == "名刺スキャン"
    client.post(key_url("key_event_delete", event.pk))
    with tenant_scope(tenant):
        assert not KeyEvent.objects.exists()


def test_a_duplicate_key_event_answers_400_with_the_message(tenant, admin_user):
    with tenant_scope(tenant):
        KeyEventFactory(name="card_scanned")
    response = client_for(admin_user).post(key_url("key_events"), {"name": "card_scanned"})
    assert response.status_code == 400
    assert 'data-testid="key-event-form"' in response.content.decode()


@pytest.mark.parametrize("fixture", ["manager_user", "csm_user", "viewer_user"])
def test_only_admins_manage_key_events_as_in_the_api(request, tenant, fixture):
    client = client_for(request.getfixturevalue(fixture))
    with tenant_scope(tenant):
        event = KeyEventFactory()
    assert client.get(key_url("key_events")).status_code == 403
    assert client.post(key_url("key_event_delete", event.pk)).status_code == 403
