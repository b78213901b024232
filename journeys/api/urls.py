from rest_framework.routers import BaseRouter

from .views import (
    ActionStepViewSet,
    ActivityViewSet,
    FeedbackItemViewSet,
    JourneyMapViewSet,
    JourneyTemplateViewSet,
    MeetingViewSet,
    MilestoneViewSet,
    PhaseTransitionViewSet,
    PhaseViewSet,
    TaskViewSet,
)


def register(router: BaseRouter) -> None:
    router.register("phases", PhaseViewSet, basename="phase")
    router.register("transitions", PhaseTransitionViewSet, basename="phase-transition")
    router.register("journey-templates", JourneyTemplateViewSet, basename="journey-template")
    router.register("journey-maps", JourneyMapViewSet, basename="journey-map")
    router.register("milestones", MilestoneViewSet, basename="milestone")
    router.register("action-steps", ActionStepViewSet, basename="action-step")
    router.register("activities", ActivityViewSet, basename="activity")
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("tasks", TaskViewSet, basename="task")
    router.register("feedback", FeedbackItemViewSet, basename="feedback")
