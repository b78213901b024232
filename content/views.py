"""Staff pages: authoring, sections, questions → drafts, analytics. Logic lives in services."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cs_platform.decorators import role_required
from cs_platform.urlutils import tenant_reverse
from journeys.selectors import feedback_list

from . import selectors, services
from .forms import ArticleSettingsForm, ImageUploadForm, SectionForm, TranslationForm
from .models import LANGUAGE_CODES, Article, ArticleStatus, Moderation, Section

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _article(pk: int) -> Article:
    article = Article.objects.select_related("section", "author").filter(pk=pk).first()
    if article is None:
        raise Http404
    return article


def _public_url(request: HttpRequest, article: Article) -> str:
    return reverse(
        "content_public:article",
        kwargs={"tenant_slug": request.tenant.slug, "article_slug": article.slug},  # type: ignore[attr-defined]
    )


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@role_required("article.view")
def index(request: HttpRequest) -> HttpResponse:
    sections = list(selectors.section_list_with_counts())
    if not sections:
        sections = services.sections_seed_defaults()
    section_id = request.GET.get("section")
    status = request.GET.get("status") or None
    chosen = next((s for s in sections if str(s.pk) == section_id), None)
    articles = selectors.article_list(section=chosen, status=status)
    reach = selectors.article_reach()
    rows = [
        {"article": a, "titles": {t.language: t.title for t in a.translations.all()},
         "reach": reach.get(a.pk)}
        for a in articles
    ]  # fmt: skip
    return render(
        request,
        "content/staff/index.html",
        {
            "sections": sections,
            "chosen": chosen,
            "status": status,
            "statuses": ArticleStatus.choices,
            "rows": rows,
            "public_home": reverse(
                "content_public:home",
                kwargs={"tenant_slug": request.tenant.slug},  # type: ignore[attr-defined]
            ),
            "public_domain": selectors.site_domain_primary(),
        },
    )


def _translation_forms(request: HttpRequest, article: Article | None) -> dict[str, TranslationForm]:
    existing = {t.language: t for t in article.translations.all()} if article else {}
    forms = {}
    for code in LANGUAGE_CODES:
        initial = {}
        if code in existing:
            tr = existing[code]
            initial = {name: getattr(tr, name) for name in TranslationForm.base_fields}
        forms[code] = TranslationForm(request.POST or None, prefix=code, initial=initial)
    return forms


def _editor(
    request: HttpRequest,
    article: Article | None,
    settings_form: ArticleSettingsForm,
    tr_forms: dict[str, TranslationForm],
    previews: dict[str, str] | None = None,
) -> HttpResponse:
    return render(
        request,
        "content/staff/edit.html",
        {
            "article": article,
            "settings_form": settings_form,
            "tr_forms": [(code, tr_forms[code]) for code in LANGUAGE_CODES],
            "previews": previews or {},
            "public_url": _public_url(request, article) if article and article.is_published else "",
            "images": selectors.image_list(article=article) if article else [],
            "image_form": ImageUploadForm(),
        },
    )


def _previews(tr_forms: dict[str, TranslationForm]) -> dict[str, str]:
    return {
        code: services.markdown_render(text=form.cleaned_data.get("body_markdown", ""))
        for code, form in tr_forms.items()
        if form.is_valid()
    }


@role_required("article.create")
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"maturity": "how_to"}
    if section_id := request.GET.get("section"):
        initial["section"] = Section.objects.filter(pk=section_id).first()
    settings_form = ArticleSettingsForm(request.POST or None, initial=initial)
    tr_forms = _translation_forms(request, None)
    if request.method == "POST":
        valid = settings_form.is_valid() & all([f.is_valid() for f in tr_forms.values()])
        if valid and "preview" in request.POST:
            return _editor(request, None, settings_form, tr_forms, _previews(tr_forms))
        if valid:
            data = settings_form.cleaned_data
            try:
                article = services.article_create(
                    section=data["section"],
                    author=request.user,  # type: ignore[arg-type]
                    slug=data["slug"],
                    phases=data["phases"],
                    tiers=data["tiers"],
                    maturity=data["maturity"],
                    next_article=data["next_article"],
                    translations={code: form.cleaned_data for code, form in tr_forms.items()},
                )
            except ValidationError as error:
                _add_errors(settings_form, error)
            else:
                messages.success(request, _("Draft saved."))
                return redirect(tenant_reverse(request, "content:article_edit", pk=article.pk))
    return _editor(request, None, settings_form, tr_forms)


@role_required("article.change")
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    settings_form = ArticleSettingsForm(
        request.POST or None,
        article=article,
        initial={
            "section": article.section,
            "slug": article.slug,
            "phases": article.phases,
            "tiers": article.tiers,
            "maturity": article.maturity,
            "next_article": article.next_article,
        },
    )
    tr_forms = _translation_forms(request, article)
    if request.method == "POST":
        valid = settings_form.is_valid() & all([f.is_valid() for f in tr_forms.values()])
        if valid and "preview" in request.POST:
            return _editor(request, article, settings_form, tr_forms, _previews(tr_forms))
        if valid:
            try:
                services.article_save(
                    article=article,
                    settings=settings_form.cleaned_data,
                    translations={
                        code: form.cleaned_data
                        for code, form in tr_forms.items()
                        if form.has_content()
                    },
                    author=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as error:
                _add_errors(settings_form, error)
            else:
                messages.success(request, _("Article saved."))
                return redirect(tenant_reverse(request, "content:article_edit", pk=article.pk))
    return _editor(request, article, settings_form, tr_forms)


@role_required("article.publish")
@require_POST
def article_status(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    action = request.POST.get("action")
    actions = {
        "publish": (services.article_publish, _("Published.")),
        "archive": (services.article_archive, _("Archived.")),
        "unpublish": (services.article_unpublish, _("Moved back to draft.")),
    }
    if action not in actions:
        raise Http404
    service, message = actions[action]
    try:
        service(article=article, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return redirect(tenant_reverse(request, "content:article_edit", pk=article.pk))


@role_required("article.delete")
@require_POST
def article_delete(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    label = str(article.slug)
    services.article_delete(article=article, actor=request.user)
    messages.success(
        request,
        _("The article %(slug)s was moved to the trash; an admin can restore it for 30 days.")
        % {"slug": label},
    )
    return redirect(tenant_reverse(request, "content:index"))


@role_required("article.view")
def article_revisions(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    return render(
        request,
        "content/staff/revisions.html",
        {"article": article, "revisions": selectors.revision_list(article=article)},
    )


@role_required("article.change")
@require_POST
def article_images(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    form = ImageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an image file to upload."))
    else:
        try:
            image = services.image_upload(
                article=article,
                file=form.cleaned_data["file"],
                uploaded_by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            url = reverse(
                "content_public:image",
                kwargs={"tenant_slug": request.tenant.slug, "image_id": image.pk},  # type: ignore[attr-defined]
            )
            messages.success(
                request,
                _("Image uploaded. Use it in Markdown as: ![description](%(url)s)") % {"url": url},
            )
    return redirect(tenant_reverse(request, "content:article_edit", pk=article.pk))


@role_required("section.view", write="section.create")
@require_http_methods(["GET", "POST"])
def sections(request: HttpRequest) -> HttpResponse:
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.section_create(**form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Section added."))
            return redirect(tenant_reverse(request, "content:sections"))
    return render(
        request,
        "content/staff/sections.html",
        {"sections": selectors.section_list_with_counts(), "form": form},
    )


@role_required("section.change")
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    section = Section.objects.filter(pk=pk).first()
    if section is None:
        raise Http404
    initial = {name: getattr(section, name) for name in SectionForm.base_fields}
    form = SectionForm(request.POST or None, initial=initial)
    form.fields["key"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "key"}
        services.section_update(section=section, **data)
        messages.success(request, _("Section saved."))
        return redirect(tenant_reverse(request, "content:sections"))
    return render(request, "content/staff/section_edit.html", {"section": section, "form": form})


@role_required("section.change")
@require_POST
def section_move(request: HttpRequest, pk: int) -> HttpResponse:
    section = Section.objects.filter(pk=pk).first()
    if section is None:
        raise Http404
    services.section_move(section=section, direction=-1 if request.POST.get("up") else 1)
    return redirect(tenant_reverse(request, "content:sections"))


@role_required("question.view")
def questions(request: HttpRequest) -> HttpResponse:
    items = list(feedback_list(kind="question")[:200])
    drafted = dict(
        Article.objects.filter(source_feedback_id__in=[i.pk for i in items]).values_list(
            "source_feedback_id", "pk"
        )
    )
    rows = [{"item": item, "article_id": drafted.get(item.pk)} for item in items]
    return render(request, "content/staff/questions.html", {"rows": rows})


@role_required("feedback.review", write="feedback.moderate")
@require_http_methods(["GET", "POST"])
def feedback_review(request: HttpRequest) -> HttpResponse:
    """Anonymous readers' "not helpful" answers and comments, held until a CSM approves them
    (they join the voice of the customer) or rejects them; tabs by state, with counts."""
    if request.method == "POST":
        decision = request.POST.get("decision")
        feedback_id = request.POST.get("feedback", "")
        if decision not in ("approve", "reject") or not feedback_id.isdigit():
            messages.error(request, _("Choose approve or reject for one answer."))
            return redirect(tenant_reverse(request, "content:feedback_review"))
        feedback = selectors.feedback_review_get(feedback_id=int(feedback_id))
        if feedback is None:
            raise Http404
        services.article_feedback_moderate(
            feedback=feedback,
            approve=decision == "approve",
            actor=request.user,  # type: ignore[arg-type]
        )
        messages.success(
            request,
            _("Approved: it is now in the voice of the customer.")
            if decision == "approve"
            else _("Rejected."),
        )
        return redirect(tenant_reverse(request, "content:feedback_review"))
    status = request.GET.get("status") or Moderation.PENDING
    if status not in Moderation.values:
        status = Moderation.PENDING
    language = (request.LANGUAGE_CODE or "ja")[:2]
    counts = selectors.feedback_review_counts()
    rows = []
    for feedback in selectors.feedback_review_list(status=status):
        tr = selectors.translation_pick(article=feedback.article, language=language)
        rows.append({"feedback": feedback, "title": tr.title if tr else feedback.article.slug})
    return render(
        request,
        "content/staff/feedback_review.html",
        {
            "rows": rows,
            "status": status,
            "states": [(value, label, counts[value]) for value, label in Moderation.choices],
        },
    )


@role_required("article.create")
@require_POST
def draft_from_feedback(request: HttpRequest, feedback_id: int) -> HttpResponse:
    """ "Turn this question into a draft": the journeys VoC page may link (POST) here too."""
    item = feedback_list().filter(pk=feedback_id).first()
    if item is None:
        raise Http404
    article = services.article_draft_from_question(
        feedback_id=item.pk,
        quote=item.quote,
        language="ja" if _JAPANESE.search(item.quote) else "en",
        author=request.user,  # type: ignore[arg-type]
    )
    messages.success(request, _("Draft created from the question. Write the answer and publish."))
    return redirect(tenant_reverse(request, "content:article_edit", pk=article.pk))


@role_required("article.view")
def analytics(request: HttpRequest) -> HttpResponse:
    language = (request.LANGUAGE_CODE or "ja")[:2]
    articles = list(selectors.article_list())
    reach = selectors.article_reach()
    section_reach = selectors.section_reach()
    article_rows = [
        {
            "article": a,
            "title": _title(a, language),
            "reach": reach.get(a.pk) or selectors.ReachRow(a.pk),
        }
        for a in articles
    ]
    article_rows.sort(key=lambda r: -r["reach"].views)
    section_rows = [
        {"section": s, "name": s.name_in(language), "reach": section_reach.get(s.pk)}
        for s in selectors.section_list()
    ]
    tracks = [
        {
            "articles": [(a, _title(a, language)) for a in track],
            "effect": selectors.reading_effect(article_ids=[a.pk for a in track]),
        }
        for track in selectors.track_list()
    ]
    return render(
        request,
        "content/staff/analytics.html",
        {"article_rows": article_rows, "section_rows": section_rows, "tracks": tracks},
    )


def _title(article: Article, language: str) -> str:
    tr = selectors.translation_pick(article=article, language=language)
    return tr.title if tr else article.slug


@role_required("article.view")
def article_analytics(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    language = (request.LANGUAGE_CODE or "ja")[:2]
    reach = selectors.article_reach().get(article.pk) or selectors.ReachRow(article.pk)
    return render(
        request,
        "content/staff/article_analytics.html",
        {
            "article": article,
            "title": _title(article, language),
            "reach": reach,
            "effect": selectors.reading_effect(article_ids=[article.pk]),
        },
    )
