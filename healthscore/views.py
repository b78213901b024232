"""Staff pages of the health score: the portfolio dashboard and the scorecard admin.

Thin: forms parse, the engine's services write, selectors read.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import MarketSegment
from cs_platform.datacache import CACHE_SECONDS, data_version
from cs_platform.decorators import role_required
from cs_platform.forms import model_form_changes
from cs_platform.urlutils import tenant_reverse
from journeys.selectors import phase_list

from . import selectors
from .extensions import portfolio_sections
from .forms import HealthSettingsForm, ScorecardCreateForm, ScorecardEditor
from .models import Band, Scorecard
from .plugins import BAND_COLOURS
from .selectors import pages as page_selectors
from .services.alerts import health_settings_get, health_settings_update
from .services.backtest import backtest_adopt, backtest_request
from .services.preview import PreviewSuperseded, preview_turn, scorecard_preview
from .services.recompute import recompute_job_start
from .services.scorecards import scorecard_create, scorecard_publish, scorecard_update
from .tasks import backtest_enqueue

BAND_LABELS = dict(Band.choices)
RENEWALS_SHOWN = 50


def _band_dataset(label: Any, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "label": str(label),
        "data": [counts.get(band, 0) for band in page_selectors.BANDS],
        "colors": [BAND_COLOURS[band] for band in page_selectors.BANDS],
    }


def _band_labels() -> list[str]:
    return [str(BAND_LABELS[band]) for band in page_selectors.BANDS]


@role_required("health.view")
def portfolio(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("renewals") == "all"
    data = page_selectors.portfolio_page_cached(renewals_shown=None if show_all else RENEWALS_SHOWN)
    tenant = request.tenant  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "data": data,
        "show_all": show_all,
        "sections": portfolio_sections(request) if data["day"] is not None else [],
        # The rendered fragments of `data`: the same key as the data, plus what the template
        # adds (the workspace's URLs and currency).
        "fragment_key": (
            f"{tenant.pk}:{data_version()}:{get_language()}:{show_all}:"
            f"{timezone.localdate().isoformat()}:{tenant.slug}:{tenant.currency}"
        ),
        "fragment_seconds": CACHE_SECONDS,
    }
    if data["day"] is not None:
        over_time = data["over_time"]
        first = over_time[0]["day"].isoformat() if over_time else None
        context.update(
            band_labels=_band_labels(),
            band_datasets=[_band_dataset(gettext_lazy("Accounts"), data["bands"])],
            time_labels=[row["day"].isoformat() for row in over_time],
            time_datasets=[
                {
                    "label": str(gettext_lazy("Average health")),
                    "data": [row["average"] for row in over_time],
                }
            ],
            time_markers=[m for m in data["markers"] if m["x"] != first],
        )
    return render(request, "healthscore/portfolio.html", context)


# --- scorecard admin ---------------------------------------------------------------------------


def _scorecard(pk: int) -> Scorecard:
    scorecard = selectors.scorecard_list().filter(pk=pk).first()
    if scorecard is None:
        raise Http404
    return scorecard


def _scorecards_page(
    request: HttpRequest,
    *,
    settings_form: HealthSettingsForm | None = None,
    create_form: ScorecardCreateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    scorecards = list(selectors.scorecard_list())
    versions = page_selectors.scorecard_versions_by_scorecard()
    phase_names = {p.key: p.name for p in phase_list()}
    segment_names = dict(MarketSegment.choices)
    rows = [
        {
            "card": card,
            "phases": [phase_names.get(key, key) for key in card.phase_keys],
            "segments": [segment_names.get(key, key) for key in card.market_segments],
            "versions": versions.get(card.pk, []),
            "unpublished": card.current_version is None
            or card.current_version.definition != card.draft,
        }
        for card in scorecards
    ]
    job = selectors.recompute_job_latest()
    return render(
        request,
        "healthscore/scorecards.html",
        {
            "rows": rows,
            "settings_form": settings_form or HealthSettingsForm(instance=health_settings_get()),
            "create_form": create_form or ScorecardCreateForm(initial={"priority": 100}),
            "job": job,
            "job_done": selectors.recompute_job_done(job=job) if job is not None else 0,
        },
        status=status,
    )


@role_required("scorecard.view")
def scorecards(request: HttpRequest) -> HttpResponse:
    return _scorecards_page(request)


@role_required("scorecard.create")
@require_POST
def scorecard_new(request: HttpRequest) -> HttpResponse:
    form = ScorecardCreateForm(request.POST)
    if not form.is_valid():
        return _scorecards_page(request, create_form=form, status=400)
    data = form.cleaned_data
    with transaction.atomic():
        card = scorecard_create(
            name=data["name"],
            priority=data["priority"],
            phase_keys=list(data["phase_keys"]),
            market_segments=list(data["market_segments"]),
            description=data["description"],
            segment=data["segment"],
        )
    messages.success(request, _("Scorecard created as a draft. Edit it, preview it, publish it."))
    return redirect(tenant_reverse(request, "healthscore:scorecard_edit", pk=card.pk))


@role_required("scorecard.change")
def scorecard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    card = _scorecard(pk)
    editor = ScorecardEditor(card, request.POST if request.method == "POST" else None)
    if request.method == "POST" and request.POST.get("add_range"):
        # "Add a row" without JavaScript: the same page again with one more empty row.
        return _scorecard_edit_page(request, card, editor)
    if request.method == "POST":
        if editor.is_valid():
            scorecard_update(scorecard=card, data=editor.cleaned_data)
            if request.POST.get("action") == "preview":
                return redirect(tenant_reverse(request, "healthscore:scorecard_preview", pk=pk))
            messages.success(request, _("Draft saved. Preview it before publishing."))
            return redirect(tenant_reverse(request, "healthscore:scorecard_edit", pk=pk))
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    return _scorecard_edit_page(
        request, card, editor, status=400 if request.method == "POST" else 200
    )


def _scorecard_edit_page(
    request: HttpRequest, card: Scorecard, editor: ScorecardEditor, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "healthscore/scorecard_edit.html",
        {
            "card": card,
            "editor": editor,
            "layout": editor.layout(),
            "totals": editor.weight_totals,
            "versions": list(selectors.scorecard_version_list(scorecard=card)[:10]),
            "unpublished": card.current_version is None
            or card.current_version.definition != card.draft,
        },
        status=status,
    )


def _editor_posted(editor: ScorecardEditor) -> bool:
    """Whether the request carried the editor's formsets (their management forms)."""
    return editor.groups.management_form.is_valid() and editor.components.management_form.is_valid()


@role_required("scorecard.change")
@require_POST
def scorecard_scheme(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranges / thresholds table of one component with its step curve, from the form as it
    is being edited (htmx swaps it in; nothing is saved)."""
    card = _scorecard(pk)
    editor = ScorecardEditor(card, request.POST)
    form = (
        editor.component_form(request.POST.get("component", "")) if _editor_posted(editor) else None
    )
    if form is None:
        return HttpResponse(_("Unknown component row."), status=400, content_type="text/plain")
    form.errors  # noqa: B018 - validate the row now, so the table shows its errors
    form.focus_for_htmx()
    return render(request, "healthscore/_scheme.html", {"card": card, "form": form})


@role_required("scorecard.preview")
@require_POST
def scorecard_live_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor's live preview: the draft as edited so far (not saved) against the published
    version, scored on the same accounts, data and day (`scorecard_preview`), sampled on a
    large tenant; 204 when a newer request of the same editor overtook this one."""
    card = _scorecard(pk)
    editor = ScorecardEditor(card, request.POST)
    if not _editor_posted(editor):
        return HttpResponse(
            _("The scorecard form is incomplete."), status=400, content_type="text/plain"
        )
    definition, errors = editor.preview_definition()
    preview = None
    if definition is not None:
        is_current = preview_turn(user_id=request.user.pk, scorecard_id=card.pk)
        try:
            preview = scorecard_preview(
                scorecard=card, definition=definition, sample=True, is_current=is_current
            )
        except PreviewSuperseded:
            # A newer edit's request is on its way (htmx dropped this one): nothing to draw.
            return HttpResponse(status=204)
    return render(
        request,
        "healthscore/_live_preview.html",
        {"card": card, "preview": preview, "errors": errors, **_preview_context(preview)},
    )


def _preview_context(preview: dict[str, Any] | None) -> dict[str, Any]:
    """Bands, histogram and band moves of a preview, ready to draw (SVG bars, no script)."""
    if preview is None:
        return {}
    total = max(preview["accounts"], 1)
    peak = max([row["accounts"] for row in preview["histogram"]] + [1])
    return {
        "bands": [
            {
                "band": band,
                "label": BAND_LABELS[band],
                "accounts": preview["distribution"][band],
                "percent": round(100 * preview["distribution"][band] / total),
            }
            for band in ("green", "amber", "red")
        ],
        "histogram": [
            {**row, "height": height, "y": round(60 - height, 1), "x": i * 24}
            for i, row in enumerate(preview["histogram"])
            for height in [round(60 * row["accounts"] / peak, 1)]
        ],
        "transitions": [
            {
                **row,
                "from_label": BAND_LABELS.get(row["from"], row["from"]),
                "to_label": BAND_LABELS.get(row["to"], row["to"]),
            }
            for row in preview["transitions"]
        ],
    }


@role_required("scorecard.preview")
def scorecard_preview_page(request: HttpRequest, pk: int) -> HttpResponse:
    card = _scorecard(pk)
    errors: list[str] = []
    preview = None
    try:
        preview = scorecard_preview(scorecard=card)
    except ValidationError as exc:
        errors = [str(m) for m in exc.message_dict.get("definition", exc.messages)]
    context: dict[str, Any] = {
        "card": card,
        "preview": preview,
        "errors": errors,
        "weights": page_selectors.scorecard_weight_changes(scorecard=card),
        "unpublished": card.current_version is None
        or card.current_version.definition != card.draft,
    }
    if preview is not None:
        context.update(
            band_labels=_band_labels(),
            band_datasets=[_band_dataset(gettext_lazy("Accounts"), preview["distribution"])],
            histogram_labels=[f"{row['from']}–{row['to']}" for row in preview["histogram"]],
            histogram_datasets=[
                {
                    "label": str(gettext_lazy("Accounts")),
                    "data": [row["accounts"] for row in preview["histogram"]],
                }
            ],
            transitions=[
                {
                    **row,
                    "from_label": BAND_LABELS.get(row["from"], row["from"]),
                    "to_label": BAND_LABELS.get(row["to"], row["to"]),
                }
                for row in preview["transitions"]
            ],
        )
    return render(request, "healthscore/scorecard_preview.html", context)


@role_required("scorecard.publish")
@require_POST
def scorecard_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    card = _scorecard(pk)
    try:
        version = scorecard_publish(scorecard=card, user=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        for message in exc.message_dict.get("definition", exc.messages):
            messages.error(request, message)
        return redirect(tenant_reverse(request, "healthscore:scorecard_edit", pk=pk))
    messages.success(
        request,
        _(
            "Published %(name)s version %(number)s. It applies from the next recompute;"
            " start one now to score today with it."
        )
        % {"name": card.name, "number": version.number},
    )
    return redirect(tenant_reverse(request, "healthscore:scorecards"))


@role_required("health_settings.change")
@require_POST
def alert_settings(request: HttpRequest) -> HttpResponse:
    form = HealthSettingsForm(request.POST, instance=health_settings_get())
    if not form.is_valid():
        return _scorecards_page(request, settings_form=form, status=400)
    health_settings_update(data=model_form_changes(form))
    messages.success(request, _("Alert settings saved."))
    return redirect(tenant_reverse(request, "healthscore:scorecards"))


@role_required("recompute_job.create")
@require_POST
def recompute_now(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate(timezone=request.tenant.tzinfo)  # type: ignore[attr-defined]
    job = recompute_job_start(day=day, user=request.user)  # type: ignore[arg-type]
    return redirect(tenant_reverse(request, "healthscore:recompute_job", pk=job.pk))


@role_required("recompute_job.view")
def recompute_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = page_selectors.recompute_job_get(pk=pk)
    if job is None:
        raise Http404
    done = selectors.recompute_job_done(job=job)
    percent = round(100 * done / job.total) if job.total else (100 if job.finished_at else 0)
    return render(
        request,
        "healthscore/recompute_job.html",
        {
            "job": job,
            "done": done,
            "percent": min(percent, 100),
            "running": job.status == "running",
            "waiting": selectors.recompute_job_waiting(job=job),
            "chunks": page_selectors.recompute_job_chunks(job=job),
        },
    )


# --- backtest ----------------------------------------------------------------------------------


def _backtest_version(card: Scorecard, value: str | None) -> tuple[Any, bool]:
    """(version or None for the draft, found) from ?version=N|draft; default: the current
    version, else the draft."""
    if value in (None, ""):
        return card.current_version, True
    if value == "draft":
        return None, True
    version = (
        selectors.scorecard_version_list(scorecard=card).filter(number=value).first()
        if value.isdigit()
        else None
    )
    return version, version is not None


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _backtest_charts(result: dict[str, Any]) -> dict[str, Any]:
    charts: dict[str, Any] = {}
    for horizon in result.get("horizons", []):
        churn = horizon["churn"]
        if not churn.get("enough"):
            continue
        key = str(horizon["horizon"])
        charts[key] = {
            "decile_labels": [f"{d['from']:g}–{d['to']:g}" for d in churn["deciles"]],
            "decile_datasets": [
                {
                    "label": str(gettext_lazy("Churn rate (%)")),
                    "data": [_pct(d["rate"]) for d in churn["deciles"]],
                }
            ],
        }
        calibration = churn.get("calibration")
        if calibration:
            points = calibration["points"]
            charts[key].update(
                calibration_labels=[str(i + 1) for i in range(len(points))],
                calibration_datasets=[
                    {
                        "label": str(gettext_lazy("Predicted churn (%)")),
                        "data": [_pct(p["predicted"]) for p in points],
                    },
                    {
                        "label": str(gettext_lazy("Observed churn (%)")),
                        "data": [_pct(p["observed"]) for p in points],
                    },
                ],
            )
    return charts


@role_required("scorecard.backtest")
def scorecard_backtest(request: HttpRequest, pk: int) -> HttpResponse:
    card = _scorecard(pk)
    if request.method == "POST":
        version, found = _backtest_version(card, request.POST.get("version"))
        if not found:
            raise Http404

        try:
            with transaction.atomic():
                run, created = backtest_request(
                    scorecard=card,
                    version=version,
                    user=request.user,  # type: ignore[arg-type]
                )
                if created:
                    backtest_enqueue(run)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            if not created:
                messages.info(request, _("The data has not changed since this backtest."))
        target = tenant_reverse(request, "healthscore:scorecard_backtest", pk=pk)
        return redirect(f"{target}?version={version.number if version else 'draft'}")
    version, found = _backtest_version(card, request.GET.get("version"))
    if not found:
        raise Http404
    run = selectors.backtest_run_latest(scorecard=card, version=version)
    result = run.result if run is not None and run.status == "done" else None
    context: dict[str, Any] = {
        "card": card,
        "version": version,
        "version_param": version.number if version else "draft",
        "versions": list(selectors.scorecard_version_list(scorecard=card)[:10]),
        "run": run,
        "result": result,
        "running": run is not None and run.status == "running",
        "charts": _backtest_charts(result) if result else {},
        # Red first, as the result lists its bands.
        "band_labels": {band: BAND_LABELS[band] for band in ("red", "amber", "green")},
    }
    return render(request, "healthscore/scorecard_backtest.html", context)


@role_required("scorecard.adopt_suggestion")
@require_POST
def scorecard_backtest_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    card = _scorecard(pk)
    run_id = request.POST.get("run", "")
    run = selectors.backtest_run_get(scorecard=card, pk=int(run_id)) if run_id.isdigit() else None
    if run is None:
        raise Http404
    try:
        backtest_adopt(run=run)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(tenant_reverse(request, "healthscore:scorecard_backtest", pk=pk))
    messages.success(
        request,
        _("The suggested weights are now the draft. Preview them, then publish a new version."),
    )
    return redirect(tenant_reverse(request, "healthscore:scorecard_preview", pk=pk))
