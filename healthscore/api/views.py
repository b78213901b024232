"""The health score API (/api/v1/): account health, portfolio, configuration, jobs."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Account
from accounts.selectors import account_list
from cs_platform.api.viewsets import (
    TenantScopedModelViewSet,
    TenantScopedViewSetMixin,
)

from .. import selectors
from ..models import KeyEvent, RecomputeJob, Scorecard, ScorecardVersion, SurveyResponse
from ..services.alerts import health_settings_get, health_settings_update
from ..services.backtest import backtest_adopt, backtest_request
from ..services.preview import scorecard_preview
from ..services.recompute import recompute_job_start
from ..services.scorecards import scorecard_create, scorecard_publish, scorecard_update
from ..services.surveys import key_event_update, survey_response_update
from ..tasks import backtest_enqueue
from .serializers import (
    AccountHealthSerializer,
    BacktestAdoptSerializer,
    BacktestRequestSerializer,
    BacktestRunSerializer,
    HealthNowSerializer,
    HealthSettingsSerializer,
    HistoryPointSerializer,
    KeyEventSerializer,
    RecomputeJobSerializer,
    ScorecardPreviewSerializer,
    ScorecardSerializer,
    ScorecardVersionSerializer,
    SurveyResponseSerializer,
)

# `?version=` of a backtest: the draft or a version number (up to 9 digits: an integer column).
_VERSION_PARAM = re.compile(r"^(draft|[1-9][0-9]{0,8})$")


def _account(pk: int) -> Account:
    # The scoped manager: another tenant's account is a 404.
    return get_object_or_404(account_list(), pk=pk)


class AccountHealthView(APIView):
    """The account's latest score, band, version, components, explanation and trend."""

    permission_resource = "health"

    @extend_schema(responses=AccountHealthSerializer)
    def get(self, request: Request, pk: int) -> Response:
        account = _account(pk)
        explanation = selectors.health_explanation(account=account)
        if explanation is None:
            return Response(
                {"detail": _("No health score yet."), "code": "not_scored"},
                status=status.HTTP_404_NOT_FOUND,
            )
        current = selectors.health_current(account=account)
        data = {
            "account": account.pk,
            **explanation,
            "trend": selectors.health_trend(account=account, current=current),
            "now": selectors.health_now(account=account),
        }
        return Response(AccountHealthSerializer(data).data)


class AccountHealthNowView(APIView):
    """The account's intra-day ("now") score, recomputed minutes after its latest events."""

    permission_resource = "health"

    @extend_schema(
        responses={
            200: HealthNowSerializer,
            404: OpenApiResponse(
                description="No intra-day score newer than the nightly one (`not_scored_now`)."
            ),
        },
        summary="Account health now (intra-day)",
    )
    def get(self, request: Request, pk: int) -> Response:
        now = selectors.health_now(account=_account(pk))
        if now is None:
            return Response(
                {
                    "detail": _("No intra-day score newer than the nightly one."),
                    "code": "not_scored_now",
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(HealthNowSerializer(now).data)


class AccountHealthHistoryView(APIView):
    """Daily scores, oldest first; `version_changed` marks a new scorecard version."""

    permission_resource = "health"

    @extend_schema(
        parameters=[OpenApiParameter("days", OpenApiTypes.INT, description="1–730, default 90")],
        responses=HistoryPointSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        account = _account(pk)
        try:
            days = min(max(int(request.query_params.get("days", 90)), 1), 730)
        except ValueError:
            return Response({"days": ["Give a number of days."]}, status=400)
        history = selectors.health_history(account=account, days=days)
        return Response(HistoryPointSerializer(history, many=True).data)


def _account_ref(row: dict[str, Any]) -> dict[str, Any]:
    account = row.pop("account")
    return {**row, "account_name": account.name}


class PortfolioView(APIView):
    """Band distribution, average over time, by phase, at-risk by ARR, renewals in 90 days."""

    permission_resource = "health"

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "day": selectors.health_latest_day(),
                "bands": selectors.portfolio_band_distribution(),
                "average_over_time": selectors.portfolio_average_over_time(days=90),
                "by_phase": selectors.portfolio_by_phase(),
                "at_risk": [_account_ref(r) for r in selectors.portfolio_at_risk(limit=20)],
                "renewals": selectors.portfolio_renewals(days=90),
            }
        )


class ScorecardViewSet(TenantScopedModelViewSet):
    """Scorecards (admins): edit the draft, preview it, publish it as a new version."""

    permission_resource = "scorecard"

    queryset = Scorecard.objects.all()
    serializer_class = ScorecardSerializer

    def safely_get_queryset(self) -> QuerySet[Scorecard]:
        return selectors.scorecard_list()

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        # The API's blank draft stays blank (the page starts from the default definition).
        serializer.instance = scorecard_create(**{"draft": {}, **data})

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = scorecard_update(
            scorecard=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(request=None, responses={201: ScorecardVersionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        version = scorecard_publish(scorecard=self.get_object(), user=request.user)
        return Response(ScorecardVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ScorecardPreviewSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        serializer = ScorecardPreviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = scorecard_preview(
            scorecard=self.get_object(), definition=serializer.validated_data.get("definition")
        )
        return Response(result)

    def _version(self, scorecard: Scorecard, number: Any) -> ScorecardVersion | None:
        """None (the draft) or the version; a query string that is not `draft` or a version
        number is a 400, a number this scorecard has no version of a 409."""
        if number is None or number == "draft":
            return None
        if isinstance(number, str):
            if not _VERSION_PARAM.fullmatch(number):
                raise ValidationError(
                    {"version": [ErrorDetail(_("A version number, or 'draft'."), code="invalid")]}
                )
            number = int(number)
        version = selectors.scorecard_version_list(scorecard=scorecard).filter(number=number)
        if not version:
            raise ValidationError(
                {
                    "version": [
                        ErrorDetail(
                            _("Version %(number)s of this scorecard does not exist.")
                            % {"number": number},
                            code="does_not_exist",
                        )
                    ]
                }
            )
        return version[0]

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter(
                "version",
                {"type": "string", "pattern": _VERSION_PARAM.pattern},
                description="A version number, or 'draft' (default).",
            )
        ],
        responses=BacktestRunSerializer,
    )
    @extend_schema(
        methods=["POST"],
        request=BacktestRequestSerializer,
        responses={200: BacktestRunSerializer, 202: BacktestRunSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def backtest(self, request: Request, pk: str | None = None) -> Response:
        """GET: the latest backtest of a version (or of the draft), with its result once done.
        POST: start one (202), or get the run already computed on unchanged data (200)."""
        scorecard = self.get_object()
        if request.method == "GET":
            version = self._version(scorecard, request.query_params.get("version"))
            run = selectors.backtest_run_latest(scorecard=scorecard, version=version)
            if run is None:
                raise NotFound(_("No backtest of this version yet: POST to start one."))
            return Response(BacktestRunSerializer(run).data)
        serializer = BacktestRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = self._version(scorecard, serializer.validated_data.get("version"))
        with transaction.atomic():
            run, created = backtest_request(scorecard=scorecard, version=version, user=request.user)
            if created:
                backtest_enqueue(run)
        return Response(
            BacktestRunSerializer(run).data,
            status=status.HTTP_202_ACCEPTED if run.status == "running" else status.HTTP_200_OK,
        )

    @extend_schema(request=BacktestAdoptSerializer, responses=ScorecardSerializer)
    @action(detail=True, methods=["post"], url_path="adopt-suggestion")
    def adopt_suggestion(self, request: Request, pk: str | None = None) -> Response:
        """Write a backtest's suggested weights into the draft (then preview and publish)."""
        scorecard = self.get_object()
        serializer = BacktestAdoptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = selectors.backtest_run_get(scorecard=scorecard, pk=serializer.validated_data["run"])
        if run is None:
            raise NotFound({"run": [_("No such backtest of this scorecard.")]})
        scorecard = backtest_adopt(run=run)
        return Response(ScorecardSerializer(scorecard).data)

    @extend_schema(responses=ScorecardVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        versions = selectors.scorecard_version_list(scorecard=self.get_object())
        return Response(ScorecardVersionSerializer(versions, many=True).data)


class KeyEventViewSet(TenantScopedModelViewSet):
    """Events that count towards feature breadth (admins write)."""

    permission_resource = "key_event"

    queryset = KeyEvent.objects.all()
    serializer_class = KeyEventSerializer

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        key_event = serializer.instance
        serializer.instance = key_event_update(
            key_event=key_event, label=data.get("label", key_event.label), name=data.get("name")
        )


class SurveyResponseViewSet(TenantScopedModelViewSet):
    """Survey / NPS answers (0–10) per account, for the survey measure."""

    permission_resource = "survey_response"

    queryset = SurveyResponse.objects.all()
    serializer_class = SurveyResponseSerializer
    filterset_fields = ["account", "responded_on"]

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = survey_response_update(
            response=serializer.instance, data=serializer.validated_data
        )


class RecomputeJobViewSet(
    TenantScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Recompute jobs and their progress; POST starts "recompute now" (admins)."""

    permission_resource = "recompute_job"

    queryset = RecomputeJob.objects.all()
    serializer_class = RecomputeJobSerializer

    def safely_get_queryset(self) -> QuerySet[RecomputeJob]:
        return selectors.recompute_job_list()

    def perform_create(self, serializer: Any) -> None:
        day = serializer.validated_data.get("day") or timezone.localdate()
        serializer.instance = recompute_job_start(day=day, user=self.request.user)


class HealthSettingsView(APIView):
    """Alert settings of the tenant (admins)."""

    permission_resource = "health_settings"

    @extend_schema(responses=HealthSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(HealthSettingsSerializer(health_settings_get()).data)

    @extend_schema(request=HealthSettingsSerializer, responses=HealthSettingsSerializer)
    def put(self, request: Request) -> Response:
        serializer = HealthSettingsSerializer(
            health_settings_get(), data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        serializer.instance = health_settings_update(data=serializer.validated_data)
        return Response(serializer.data)

    patch = put
