"""Nothing is lost: a delete goes to the trash, a restore brings back exactly what it took, the
purge removes it after the retention; admins only, and another tenant's trash is a 404."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from accounts.models import Contact, Segment
from content.models import Article, ArticleImage, ArticleTranslation, ArticleView, Section
from cs_platform.models import ApiKeyScope, ChangeAction, ChangeRecord, TrashEntry
from cs_platform.scoping import tenant_scope
from cs_platform.trash.extensions import trashable_models
from cs_platform.trash.services import (
    TrashConflict,
    trash_delete,
    trash_purge_expired,
    trash_restore,
)
from journeys.models import ActionStep, Meeting, MeetingContact, Milestone, Task
from tests.conftest import api_client_for, api_key_client
from tests.content.factories import (
    ArticleFactory,
    ArticleFeedbackFactory,
    ArticleImageFactory,
    ArticleRevisionFactory,
    ArticleTranslationFactory,
    ArticleViewFactory,
    SectionFactory,
)
from tests.cs_platform.discovery import factory_for
from tests.cs_platform.test_celery import worker_queue  # noqa: F401  (a real worker)
from tests.factories import ContactFactory, SegmentFactory
from tests.journeys.factories import (
    ActionStepFactory,
    MeetingContactFactory,
    MeetingFactory,
    MilestoneFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/content/articles/"
TRASH = "/api/v1/trash/"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _rows(model: type, **filters: Any) -> list[dict[str, Any]]:
    """Every column of the matching rows, straight from the database (ids included)."""
    return [
        {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
        for obj in model._base_manager.filter(**filters).order_by("pk")
    ]


@pytest.fixture
def article(scoped) -> Article:
    article = ArticleFactory(phases=["導入"], tiers=["tech", "low"])
    ja = ArticleTranslationFactory(article=article, language="ja", title="名刺をスキャンする")
    ArticleTranslationFactory(article=article, language="en", title="Scan business cards")
    ArticleRevisionFactory(translation=ja, number=1)
    ArticleViewFactory.create_batch(3, article=article)
    ArticleFeedbackFactory(article=article)
    ArticleImageFactory(article=article)
    return article


def _article_state(article_id: int) -> dict[str, Any]:
    return {
        "article": _rows(Article, pk=article_id),
        "translations": _rows(ArticleTranslation, article_id=article_id),
        "views": _rows(ArticleView, article_id=article_id),
        "images": _rows(ArticleImage, article_id=article_id),
    }


# --- the whole round trip through the API ----------------------------------------------------


def test_deleted_article_is_gone_shown_in_trash_and_restored_identical(
    article, tenant, admin_api, client
):
    pointing = ArticleFactory(section=article.section, next_article=article)
    assert client.get(f"/learn/acme/a/{article.slug}/").status_code == 200  # a 4th view
    before_api = admin_api.get(f"{ARTICLES}{article.pk}/").json()
    before_rows = _article_state(article.pk)

    writer = api_key_client(tenant, ApiKeyScope.WRITE)
    assert writer.delete(f"{ARTICLES}{article.pk}/").status_code == 204

    # Gone from the API, its list, the public site and the staff editor.
    assert admin_api.get(f"{ARTICLES}{article.pk}/").status_code == 404
    assert article.pk not in [a["id"] for a in admin_api.get(ARTICLES).json()["results"]]
    assert client.get(f"/learn/acme/a/{article.slug}/").status_code == 404
    pointing.refresh_from_db()
    assert pointing.next_article_id is None

    # In the trash, with who deleted it and what the delete took.
    listed = admin_api.get(TRASH).json()["results"]
    assert len(listed) == 1
    entry = listed[0]
    assert entry["kind"] == "content.article"
    assert entry["object_id"] == article.pk
    # Named by its title in the reader's language (the API's: English when none is asked).
    assert entry["label"] == f"Scan business cards ({article.slug})"
    in_japanese = admin_api.get(TRASH, HTTP_ACCEPT_LANGUAGE="ja").json()["results"][0]
    assert in_japanese["label"] == f"名刺をスキャンする ({article.slug})"
    assert entry["deleted_by"].startswith("API key t (")
    assert in_japanese["deleted_by"].startswith("API キー t（")  # the reader's language
    page = admin_api.get("/t/acme/settings/trash/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "API キー t（" in page and "API key t (" not in page
    assert entry["contents"] == {
        "content.articlefeedback": 1,
        "content.articleimage": 1,
        "content.articlerevision": 1,
        "content.articletranslation": 2,
        "content.articleview": 4,
    }
    purge_at = dt.datetime.fromisoformat(entry["purge_at"])
    assert purge_at - dt.datetime.fromisoformat(entry["deleted_at"]) == dt.timedelta(days=30)

    restored = admin_api.post(f"{TRASH}{entry['id']}/restore/")
    assert restored.status_code == 200, restored.content
    assert restored.json() == {
        "kind": "content.article",
        "object_id": article.pk,
        "label": entry["label"],
    }

    # Back identical: same id, same columns (timestamps and arrays too), same dependents.
    assert _article_state(article.pk) == before_rows
    assert admin_api.get(f"{ARTICLES}{article.pk}/").json() == before_api
    pointing.refresh_from_db()
    assert pointing.next_article_id == article.pk
    assert client.get(f"/learn/acme/a/{article.slug}/").status_code == 200
    assert admin_api.get(TRASH).json()["results"] == []
    changes = admin_api.get("/api/v1/changes/").json()["results"]
    assert [(c["action"], c["object_id"]) for c in changes] == [
        ("restored", article.pk),
        ("deleted", article.pk),
    ]
    assert {c["label"] for c in changes} == {entry["label"]}
    assert changes[0]["by"].endswith("<admin@acme.example>")


def test_milestone_comes_back_with_its_steps(scoped, admin_user):
    milestone = MilestoneFactory()
    ActionStepFactory.create_batch(2, milestone=milestone)
    pk = milestone.pk
    before = (_rows(Milestone, pk=pk), _rows(ActionStep, milestone_id=pk))

    entry = trash_delete(obj=milestone, actor=admin_user)
    assert not ActionStep.objects.filter(milestone_id=pk).exists()
    assert entry.counts == {"journeys.milestone": 1, "journeys.actionstep": 2}
    assert entry.deleted_by == admin_user

    trash_restore(entry_id=entry.pk, actor=admin_user)
    assert (_rows(Milestone, pk=pk), _rows(ActionStep, milestone_id=pk)) == before


def test_meeting_comes_back_with_its_attendees_and_its_tasks_link(scoped):
    meeting = MeetingFactory()
    MeetingContactFactory(meeting=meeting, contact=ContactFactory(account=meeting.account))
    task = TaskFactory(account=meeting.account, meeting=meeting)
    pk = meeting.pk
    before = (_rows(Meeting, pk=pk), _rows(MeetingContact, meeting_id=pk))

    entry = trash_delete(obj=meeting)
    task.refresh_from_db()
    assert task.meeting_id is None

    trash_restore(entry_id=entry.pk)
    task.refresh_from_db()
    assert task.meeting_id == pk
    assert (_rows(Meeting, pk=pk), _rows(MeetingContact, meeting_id=pk)) == before


def test_a_link_changed_since_the_delete_is_left_alone(scoped):
    meeting = MeetingFactory()
    task = TaskFactory(account=meeting.account, meeting=meeting)
    entry = trash_delete(obj=meeting)
    other = MeetingFactory(account=meeting.account)
    Task.objects.filter(pk=task.pk).update(meeting=other)

    trash_restore(entry_id=entry.pk)
    task.refresh_from_db()
    assert task.meeting_id == other.pk


@pytest.mark.parametrize("model", trashable_models(), ids=lambda m: m._meta.label_lower)
def test_every_trashable_kind_comes_back_identical(scoped, model):
    pk = factory_for(model)().pk
    before = _rows(model, pk=pk)

    entry = trash_delete(obj=model.objects.get(pk=pk))
    assert not model._base_manager.filter(pk=pk).exists()
    assert ChangeRecord.objects.filter(action=ChangeAction.DELETED, object_id=pk).exists()

    trash_restore(entry_id=entry.pk)
    assert _rows(model, pk=pk) == before
    assert not TrashEntry.objects.filter(pk=entry.pk).exists()


# --- what cannot come back as it was -------------------------------------------------------


def test_restore_refused_when_a_unique_value_was_taken_meanwhile(scoped):
    segment = SegmentFactory(name="大口顧客")
    entry = trash_delete(obj=segment)
    SegmentFactory(name="大口顧客")

    with translation.override("en"), pytest.raises(TrashConflict, match="same name"):
        trash_restore(entry_id=entry.pk)
    assert TrashEntry.objects.filter(pk=entry.pk).exists()
    assert Segment.objects.filter(name="大口顧客").count() == 1


def test_restore_conflict_is_a_409_with_the_reason(scoped, admin_api):
    entry = trash_delete(obj=SegmentFactory(name="VIP"))
    SegmentFactory(name="VIP")
    response = admin_api.post(f"{TRASH}{entry.pk}/restore/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 409
    assert "同じ名前" in response.json()["detail"]


def test_restore_refused_when_the_parent_is_in_the_trash_names_it(scoped):
    section = SectionFactory(name_ja="はじめに")
    article = ArticleFactory(section=section)
    article_entry = trash_delete(obj=article)
    trash_delete(obj=section)

    with translation.override("en"), pytest.raises(TrashConflict, match="restore that first"):
        trash_restore(entry_id=article_entry.pk)


def test_restore_refused_when_the_parent_is_gone_for_good(scoped):
    contact = ContactFactory()
    entry = trash_delete(obj=contact)
    contact.account.delete()

    with translation.override("en"), pytest.raises(TrashConflict, match="no longer exists"):
        trash_restore(entry_id=entry.pk)


def test_dependents_of_a_parent_gone_for_good_are_dropped_as_a_cascade_would(scoped):
    contact = ContactFactory()
    pk = contact.pk
    link = MeetingContactFactory(contact=contact, meeting__account=contact.account)
    entry = trash_delete(obj=contact)
    Meeting.objects.filter(pk=link.meeting_id).delete()

    trash_restore(entry_id=entry.pk)
    assert Contact.objects.filter(pk=pk).exists()
    assert not MeetingContact.objects.filter(pk=link.pk).exists()


def test_a_section_with_articles_cannot_be_deleted_and_says_why(scoped):
    article = ArticleFactory()
    with translation.override("en"), pytest.raises(ValidationError, match="Move or delete them"):
        trash_delete(obj=article.section)
    assert Section.objects.filter(pk=article.section_id).exists()


# --- purge -------------------------------------------------------------------------------------


def test_purge_removes_entries_after_30_days_with_their_files(
    article, tenant, django_capture_on_commit_callbacks
):
    image = ArticleImage.objects.get(article=article)
    storage = image.file.storage
    assert storage.exists(image.file.name)
    pk = article.pk
    entry = trash_delete(obj=article)
    deleted_at = timezone.now()

    with time_machine.travel(deleted_at + dt.timedelta(days=29, hours=23)):
        assert trash_purge_expired() == 0
    assert TrashEntry.objects.filter(pk=entry.pk).exists()
    assert storage.exists(image.file.name)

    with (
        time_machine.travel(deleted_at + dt.timedelta(days=30, minutes=1)),
        tenant_scope(None),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert trash_purge_expired() == 1
    assert not TrashEntry.objects.filter(pk=entry.pk).exists()
    assert not storage.exists(image.file.name)
    purged = ChangeRecord.objects.get(action=ChangeAction.PURGED)
    assert (purged.object_id, purged.tenant_id) == (pk, tenant.pk)
    with pytest.raises(TrashEntry.DoesNotExist):
        trash_restore(entry_id=entry.pk)


def test_purge_crosses_tenants_in_one_run(tenant, other_tenant):
    for owner in (tenant, other_tenant):
        with tenant_scope(owner):
            trash_delete(obj=SegmentFactory())
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert trash_purge_expired(batch_size=1) == 2
    assert not TrashEntry.objects.unscoped().exists()


# --- who may see and restore -------------------------------------------------------------------


@pytest.fixture
def trashed_segment(scoped) -> TrashEntry:
    return trash_delete(obj=SegmentFactory(name="解約リスク"))


def test_another_tenants_trash_is_a_404(trashed_segment, outsider_api, outsider, other_tenant):
    assert outsider_api.get(f"{TRASH}{trashed_segment.pk}/").status_code == 404
    assert outsider_api.post(f"{TRASH}{trashed_segment.pk}/restore/").status_code == 404
    assert outsider_api.get(TRASH).json()["results"] == []
    client = api_client_for(outsider)
    url = f"/t/globex/settings/trash/{trashed_segment.pk}/restore/"
    assert client.post(url).status_code == 404
    assert TrashEntry.objects.filter(pk=trashed_segment.pk).exists()


@pytest.mark.parametrize("role_api", ["viewer_api", "csm_api"])
def test_only_an_admin_may_browse_or_restore(trashed_segment, role_api, request):
    api = request.getfixturevalue(role_api)
    assert api.get(TRASH).status_code == 403
    assert api.post(f"{TRASH}{trashed_segment.pk}/restore/").status_code == 403
    assert TrashEntry.objects.filter(pk=trashed_segment.pk).exists()


@pytest.mark.parametrize("scope", [ApiKeyScope.READ, ApiKeyScope.WRITE])
def test_api_keys_cannot_restore(trashed_segment, tenant, scope):
    api = api_key_client(tenant, scope)
    assert api.post(f"{TRASH}{trashed_segment.pk}/restore/").status_code == 403


def test_viewer_cannot_restore_from_the_page(trashed_segment, viewer_user):
    client = api_client_for(viewer_user)
    assert client.get("/t/acme/settings/trash/").status_code == 403
    url = f"/t/acme/settings/trash/{trashed_segment.pk}/restore/"
    assert client.post(url).status_code == 403
    assert TrashEntry.objects.filter(pk=trashed_segment.pk).exists()


# --- the pages ---------------------------------------------------------------------------------


def test_contact_deleted_from_its_page_is_restored_from_the_trash_page(scoped, admin_user):
    contact = ContactFactory(name="山田 花子")
    before = _rows(Contact, pk=contact.pk)
    client = api_client_for(admin_user)

    response = client.post(f"/t/acme/accounts/contacts/{contact.pk}/delete/", follow=True)
    assert response.redirect_chain == [(f"/t/acme/accounts/{contact.account_id}/", 302)]
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert "山田 花子" not in client.get(f"/t/acme/accounts/{contact.account_id}/").content.decode()

    page = client.get("/t/acme/settings/trash/").content.decode()
    assert "山田 花子" in page
    assert "admin@acme.example" in page
    entry = TrashEntry.objects.get(object_id=contact.pk)
    response = client.post(f"/t/acme/settings/trash/{entry.pk}/restore/", follow=True)
    assert "「山田 花子」を復元しました。" in response.content.decode()
    assert _rows(Contact, pk=contact.pk) == before


def test_trash_page_filters_by_kind_and_shows_the_change_log(scoped, admin_user):
    trash_delete(obj=SegmentFactory(name="休眠顧客"))
    trash_delete(obj=ContactFactory(name="佐藤 一郎"))
    client = api_client_for(admin_user)
    page = client.get("/t/acme/settings/trash/?kind=accounts.segment").content.decode()
    table = page.split('data-testid="trash-table"')[1].split("</table>")[0]
    assert "休眠顧客" in table
    assert "佐藤 一郎" not in table
    assert 'data-testid="change-deleted"' in page


def test_every_delete_endpoint_of_a_trashable_model_goes_to_the_trash(scoped, admin_api):
    from cs_platform.api.routers import router

    checked = []
    for prefix, viewset, _basename in router.registry:
        queryset = getattr(viewset, "queryset", None)
        model = queryset.model if queryset is not None else None
        serializer = getattr(viewset, "serializer_class", None)
        model = model or getattr(getattr(serializer, "Meta", None), "model", None)
        if model not in trashable_models() or "destroy" not in dir(viewset):
            continue
        obj = factory_for(model)()
        response = admin_api.delete(f"/api/v1/{prefix}/{obj.pk}/")
        assert response.status_code == 204, (prefix, response.content)
        assert TrashEntry.objects.filter(model=model._meta.label_lower, object_id=obj.pk).exists()
        checked.append(model._meta.label_lower)
    assert len(checked) >= 10, checked


def test_trash_rows_are_the_databases_own_json(article):
    entry = trash_delete(obj=article)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT jsonb_typeof(rows -> 'content.article' -> 0 -> 'tiers') "
            "FROM cs_platform_trashentry WHERE id = %s",
            [entry.pk],
        )
        assert cursor.fetchone() == ("array",)


# --- what happened to articles ----------------------------------------------------------------


def test_publishing_unpublishing_and_archiving_articles_are_in_the_change_log(
    scoped, tenant, admin_user
):
    article = ArticleFactory(status="draft", published_at=None)
    ArticleTranslationFactory(article=article, title="導入ガイド")
    writer = api_key_client(tenant, ApiKeyScope.WRITE)
    assert writer.post(f"{ARTICLES}{article.pk}/publish/").status_code == 200
    assert writer.post(f"{ARTICLES}{article.pk}/publish/").status_code == 200  # no change
    client = api_client_for(admin_user)
    status_url = f"/t/acme/content/articles/{article.pk}/status/"
    page_form = {"action": "unpublish"}
    assert client.post(status_url, page_form, format="multipart").status_code == 302
    assert writer.post(f"{ARTICLES}{article.pk}/archive/").status_code == 200

    log = list(ChangeRecord.objects.filter(object_id=article.pk).order_by("at", "id"))
    assert [(c.action, c.model, c.label) for c in log] == [
        ("published", "content.article", f"導入ガイド ({article.slug})"),
        ("unpublished", "content.article", f"導入ガイド ({article.slug})"),
        ("archived", "content.article", f"導入ガイド ({article.slug})"),
    ]
    assert log[0].actor_label.startswith("API key t (")
    assert log[1].actor == admin_user

    page = client.get("/t/acme/settings/trash/?kind=content.article").content.decode()
    log_html = page.split('data-testid="change-log"')[1]
    for action in ("published", "unpublished", "archived"):
        assert f'data-testid="change-{action}"' in log_html
    assert "導入ガイド" in log_html


def test_deleting_an_object_already_deleted_trashes_it_once(scoped):
    segment = SegmentFactory()
    stale = Segment.objects.get(pk=segment.pk)
    assert trash_delete(obj=segment) is not None

    assert trash_delete(obj=stale) is None
    assert TrashEntry.objects.count() == 1


@pytest.mark.real_clock  # the worker process runs on the machine's clock, so does this test
def test_the_hourly_beat_task_purges_in_a_real_worker(transactional_db, tenant, request):
    from cs_platform.celery import app
    from cs_platform.tasks import trash_purge

    assert app.conf.beat_schedule["trash-purge"] == {
        "task": "cs_platform.trash_purge",
        "schedule": dt.timedelta(hours=1),
    }
    with tenant_scope(tenant):
        old = trash_delete(obj=SegmentFactory())
        fresh = trash_delete(obj=SegmentFactory())
        TrashEntry.objects.filter(pk=old.pk).update(
            deleted_at=timezone.now() - dt.timedelta(days=30, minutes=5)
        )

    trash_purge.apply_async(queue=request.getfixturevalue("worker_queue"))

    deadline = time.monotonic() + 60
    with tenant_scope(tenant):
        while TrashEntry.objects.filter(pk=old.pk).exists():
            assert time.monotonic() < deadline, "the worker did not purge within 60 s"
            time.sleep(0.2)
        assert TrashEntry.objects.filter(pk=fresh.pk).exists()
        assert ChangeRecord.objects.filter(action=ChangeAction.PURGED).count() == 1


def test_an_article_moved_to_the_trash_from_its_editor_comes_back(article, csm_user, viewer_user):
    pk = article.pk
    before = _article_state(pk)
    url = f"/t/acme/content/articles/{pk}/delete/"
    assert api_client_for(viewer_user).post(url).status_code == 403
    assert Article.objects.filter(pk=pk).exists()

    response = api_client_for(csm_user).post(url)
    assert response.status_code == 302
    assert response["Location"] == "/t/acme/content/"
    assert not Article.objects.filter(pk=pk).exists()
    entry = TrashEntry.objects.get(model="content.article", object_id=pk)
    assert entry.deleted_by == csm_user

    trash_restore(entry_id=entry.pk)
    assert _article_state(pk) == before


def test_the_trash_api_orders_by_label_and_filters_by_kind(scoped, admin_api):
    trash_delete(obj=SegmentFactory(name="b-segment"))
    trash_delete(obj=SegmentFactory(name="a-segment"))
    trash_delete(obj=ContactFactory(name="c-contact"))

    by_label = admin_api.get(f"{TRASH}?ordering=label").json()["results"]
    assert [e["label"] for e in by_label] == ["a-segment", "b-segment", "c-contact"]
    segments = admin_api.get(f"{TRASH}?kind=accounts.segment").json()["results"]
    assert {e["kind"] for e in segments} == {"accounts.segment"}
    assert len(segments) == 2
    assert segments[0]["purge_at"] > segments[0]["deleted_at"]
