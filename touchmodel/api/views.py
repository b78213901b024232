"""Viewsets of the touch model under /api/v1/ (tenant-scoped by the base classes)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account
from accounts.selectors import contact_get
from cs_platform.api.viewsets import TenantScopedModelViewSet, TenantScopedReadOnlyViewSet
from cs_platform.models import User

from .. import selectors, services
from ..models import (
    AccountTier,
    ChampionNomination,
    OutboundEmail,
    RegistrationSource,
    Rule,
    RuleFiring,
    Seminar,
    SeminarRegistration,
    TierRule,
    TouchProgram,
    UserGroup,
    UserGroupMember,
)
from .serializers import (
    AccountTierSerializer,
    AttendanceResultSerializer,
    AttendanceSerializer,
    AwardSerializer,
    BounceResultSerializer,
    BounceSerializer,
    ChampionNominationSerializer,
    EffectSerializer,
    OutboundEmailSerializer,
    RegisterSerializer,
    RuleFiringSerializer,
    RuleSerializer,
    RuleTestRowSerializer,
    SeminarRegistrationSerializer,
    SeminarSerializer,
    TierAssignResultSerializer,
    TierOverrideSerializer,
    TierRuleSerializer,
    TouchProgramSerializer,
    UserGroupMemberSerializer,
    UserGroupSerializer,
)


def _user_or_none(request: Request) -> User | None:
    """The signed-in user; None for an API key client."""
    user = request.user
    return user if isinstance(user, User) else None


class AccountTierViewSet(TenantScopedReadOnlyViewSet):
    """Each account's current touch tier (rule, default or manual override)."""

    permission_resource = "tier"

    queryset = AccountTier.objects.all()
    serializer_class = AccountTierSerializer
    filterset_fields = ["tier", "source", "account"]

    def safely_get_queryset(self) -> QuerySet[AccountTier]:
        return AccountTier.objects.select_related("account").order_by("account__name")

    @extend_schema(request=TierOverrideSerializer, responses=AccountTierSerializer)
    @action(detail=False, methods=["post"])
    def override(self, request: Request) -> Response:
        """Pin an account to a tier with a reason, or `clear` to follow the rules again."""
        data = TierOverrideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = get_object_or_404(Account, pk=data.validated_data["account"])
        with transaction.atomic():
            if data.validated_data["clear"]:
                row = services.tier_override_clear(account=account)
            else:
                row = services.tier_override(
                    account=account,
                    tier=data.validated_data["tier"],
                    user=_user_or_none(request),
                    reason=data.validated_data["reason"],
                )
        return Response(AccountTierSerializer(row, context={"request": request}).data)

    @extend_schema(request=None, responses=TierAssignResultSerializer)
    @action(detail=False, methods=["post"])
    def assign(self, request: Request) -> Response:
        """Apply the tier rules to every account now."""
        result = services.tiers_assign()
        return Response(TierAssignResultSerializer(result).data)


class TierRuleViewSet(TenantScopedModelViewSet):
    """Admin-defined tier rules, tried by position (first match wins)."""

    permission_resource = "tier_rule"

    queryset = TierRule.objects.all()
    serializer_class = TierRuleSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.tier_rule_create(data=serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.tier_rule_update(
            tier_rule=serializer.instance, data=serializer.validated_data
        )


class TouchProgramViewSet(TenantScopedModelViewSet):
    """Touch programs on the value × reach planner."""

    permission_resource = "program"

    queryset = TouchProgram.objects.all()
    serializer_class = TouchProgramSerializer
    filterset_fields = ["tier", "kind", "is_active"]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.touch_program_create(data=serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.touch_program_update(
            program=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(responses=EffectSerializer)
    @action(detail=True, methods=["get"])
    def effect(self, request: Request, pk: str | None = None) -> Response:
        """Activity → input → outcome → impact for the program's touches."""
        return Response(selectors.program_effect(program=self.get_object()))


class RuleViewSet(TenantScopedModelViewSet):
    """Playbook rules: trigger + conditions + actions by tier."""

    permission_resource = "rule"

    queryset = Rule.objects.all()
    serializer_class = RuleSerializer
    filterset_fields = ["trigger", "is_active", "program"]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.rule_create(data=serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.rule_update(
            rule=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(responses=RuleTestRowSerializer(many=True))
    @action(detail=True, methods=["get"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Test mode: the accounts the rule would fire for now (nothing is created or sent)."""
        return Response(selectors.rule_test(rule=self.get_object()))

    @extend_schema(responses=EffectSerializer)
    @action(detail=True, methods=["get"])
    def effect(self, request: Request, pk: str | None = None) -> Response:
        """Activity → input → outcome → impact for the rule's firings."""
        return Response(selectors.rule_effect(rule=self.get_object()))


class RuleFiringViewSet(TenantScopedReadOnlyViewSet):
    """Every firing of every rule, with its result."""

    permission_resource = "firing"

    queryset = RuleFiring.objects.all()
    serializer_class = RuleFiringSerializer
    filterset_fields = ["rule", "account", "status", "action", "tier"]


class SeminarViewSet(TenantScopedModelViewSet):
    """Seminars, webinars, hands-on sessions and user group meetings."""

    permission_resource = "seminar"
    # Planning seminars is a CS manager's job; registering people and taking attendance is
    # every CSM's (touchmodel/permissions.py).
    permission_actions = {"registrations": "seminar.register"}

    queryset = Seminar.objects.all()
    serializer_class = SeminarSerializer
    filterset_fields = ["kind", "level", "is_published", "program", "user_group"]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.seminar_create(data=serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.seminar_update(
            seminar=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(
        methods=["get"], responses=SeminarRegistrationSerializer(many=True), request=None
    )
    @extend_schema(
        methods=["post"], request=RegisterSerializer, responses=SeminarRegistrationSerializer
    )
    @action(detail=True, methods=["get", "post"])
    def registrations(self, request: Request, pk: str | None = None) -> Response:
        seminar = self.get_object()
        if request.method == "GET":
            rows = SeminarRegistration.objects.filter(seminar=seminar).order_by("pk")
            return Response(
                SeminarRegistrationSerializer(rows, many=True, context={"request": request}).data
            )
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = None
        if data.validated_data.get("contact"):
            contact = contact_get(pk=data.validated_data["contact"])
            if contact is None or not contact.email:
                raise serializers.ValidationError(
                    {"contact": _("No such contact with an e-mail.")}, code="rule"
                )
        try:
            registration = services.seminar_register(
                seminar=seminar,
                email=contact.email if contact else data.validated_data["email"],
                name=data.validated_data.get("name") or (contact.name if contact else ""),
                company=data.validated_data.get("company", ""),
                contact=contact,
                source=RegistrationSource.CSM,
            )
        except services.SeminarFull:
            raise serializers.ValidationError(
                {"seminar": _("The seminar is full.")}, code="rule"
            ) from None
        except services.SeminarClosed:
            raise serializers.ValidationError(
                {"seminar": _("The seminar has started.")}, code="rule"
            ) from None
        return Response(
            SeminarRegistrationSerializer(registration, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=AttendanceSerializer, responses=AttendanceResultSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk: str | None = None) -> Response:
        """Record who attended and who missed (ids of registrations of this seminar)."""
        seminar = self.get_object()
        data = AttendanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services.seminar_attendance_record(
                seminar=seminar,
                attended_ids=data.validated_data["attended"],
                missed_ids=data.validated_data["missed"],
                actor=_user_or_none(request),
            )
        except ValueError as exc:
            raise serializers.ValidationError({"attended": str(exc)}, code="rule") from None
        return Response(AttendanceResultSerializer(result).data)


class UserGroupViewSet(TenantScopedModelViewSet):
    """Communities of customers' people (分科会), beginners and advanced apart."""

    permission_resource = "user_group"
    permission_actions = {"members": "user_group.add_member"}

    queryset = UserGroup.objects.all()
    serializer_class = UserGroupSerializer
    filterset_fields = ["level"]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.user_group_create(data=serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.user_group_update(
            group=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(methods=["get"], responses=UserGroupMemberSerializer(many=True), request=None)
    @extend_schema(
        methods=["post"], request=UserGroupMemberSerializer, responses=UserGroupMemberSerializer
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request: Request, pk: str | None = None) -> Response:
        group = self.get_object()
        if request.method == "GET":
            rows = UserGroupMember.objects.filter(group=group).select_related("contact")
            return Response(
                UserGroupMemberSerializer(rows, many=True, context={"request": request}).data
            )
        data = UserGroupMemberSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        member = services.user_group_add_member(
            group=group,
            contact=data.validated_data["contact"],
            is_leader=data.validated_data.get("is_leader", False),
        )
        return Response(
            UserGroupMemberSerializer(member, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ChampionViewSet(TenantScopedModelViewSet):
    """Champion nominations and awards."""

    permission_resource = "champion"

    queryset = ChampionNomination.objects.all()
    serializer_class = ChampionNominationSerializer
    filterset_fields = ["status", "criterion", "contact"]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.champion_nominate(
            **serializer.validated_data, nominated_by=_user_or_none(self.request)
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.champion_nomination_update(
            nomination=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(request=AwardSerializer, responses=ChampionNominationSerializer)
    @action(detail=True, methods=["post"])
    def award(self, request: Request, pk: str | None = None) -> Response:
        """Award (or decline) the nomination; awarded contacts become champions."""
        nomination = self.get_object()
        data = AwardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["decision"] == "award":
            nomination = services.champion_award(
                nomination=nomination, award_title=data.validated_data["award_title"]
            )
        else:
            nomination = services.champion_decline(nomination=nomination)
        return Response(ChampionNominationSerializer(nomination, context={"request": request}).data)


class OutboundEmailViewSet(TenantScopedReadOnlyViewSet):
    """Outbound e-mails and their delivery status; `bounce` is the provider webhook."""

    permission_resource = "email"

    queryset = OutboundEmail.objects.all()
    serializer_class = OutboundEmailSerializer
    filterset_fields = ["status", "template", "account", "program", "firing"]

    @extend_schema(request=BounceSerializer, responses=BounceResultSerializer)
    @action(detail=False, methods=["post"])
    def bounce(self, request: Request) -> Response:
        """Record a bounce (call with a `write` API key from the mail provider's webhook)."""
        data = BounceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.email_bounce_record(
            to_email=data.validated_data["email"],
            message_key=data.validated_data.get("message_key") or None,
            reason=data.validated_data["reason"],
        )
        return Response({"marked": marked})
