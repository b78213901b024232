"""The role each healthscore action needs: one map for the pages and the API
(cs_platform.permissions). Everyone reads scores; the scoring model is an admin's."""

from cs_platform.models import Role

ROLES: dict[str, str] = {
    "health.view": Role.VIEWER,
    "scorecard.view": Role.ADMIN,
    "scorecard.create": Role.ADMIN,
    "scorecard.change": Role.ADMIN,
    "scorecard.delete": Role.ADMIN,
    "scorecard.preview": Role.ADMIN,
    "scorecard.publish": Role.ADMIN,
    "scorecard.backtest": Role.ADMIN,
    "scorecard.adopt_suggestion": Role.ADMIN,
    "health_settings.view": Role.ADMIN,
    "health_settings.change": Role.ADMIN,
    "recompute_job.view": Role.ADMIN,
    "recompute_job.create": Role.ADMIN,
    "key_event.view": Role.VIEWER,
    "key_event.create": Role.ADMIN,
    "key_event.change": Role.ADMIN,
    "key_event.delete": Role.ADMIN,
    "survey_response.view": Role.VIEWER,
    "survey_response.create": Role.CSM,
    "survey_response.change": Role.CSM,
    "survey_response.delete": Role.CSM,
}
