from django.db import migrations

# Health-alert tasks made before tasks kept what happened are rebuilt from their HealthAlert
# (source key "health-alert-task:<episode>"), so their titles read in each reader's language.
ALERT_TASKS_SQL = """
UPDATE journeys_task t
   SET kind = 'health_alert',
       data = jsonb_build_object('kind', a.kind, 'score', a.score, 'previous', a.previous_score)
  FROM healthscore_healthalert a
 WHERE t.kind = '' AND t.source_key = 'health-alert-task:' || a.episode_key
   AND t.tenant_id = a.tenant_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("healthscore", "0019_portfolio_day"),
        ("journeys", "0008_task_kind_data"),
    ]

    operations = [migrations.RunSQL(ALERT_TASKS_SQL, migrations.RunSQL.noop)]
