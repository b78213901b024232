from rest_framework.routers import BaseRouter

from .views import (
    AccountTierViewSet,
    ChampionViewSet,
    OutboundEmailViewSet,
    RuleFiringViewSet,
    RuleViewSet,
    SeminarViewSet,
    TierRuleViewSet,
    TouchProgramViewSet,
    UserGroupViewSet,
)


def register(router: BaseRouter) -> None:
    router.register("tiers", AccountTierViewSet, basename="tier")
    router.register("tier-rules", TierRuleViewSet, basename="tier-rule")
    router.register("programs", TouchProgramViewSet, basename="program")
    router.register("rules", RuleViewSet, basename="rule")
    router.register("firings", RuleFiringViewSet, basename="firing")
    router.register("seminars", SeminarViewSet, basename="seminar")
    router.register("user-groups", UserGroupViewSet, basename="user-group")
    router.register("champions", ChampionViewSet, basename="champion")
    router.register("emails", OutboundEmailViewSet, basename="email")
