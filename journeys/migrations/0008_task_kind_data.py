from django.db import migrations, models

# Milestone-at-risk tasks made before tasks kept what happened: their milestone is in the
# source key ("milestone-at-risk:<id>:<due>"); only those whose stored title still ends with
# the milestone's title are reworded (a milestone renamed since keeps the task's stored text).
MILESTONE_TASKS_SQL = """
UPDATE journeys_task t
   SET kind = 'milestone_at_risk', data = jsonb_build_object('milestone', m.id, 'title', m.title)
  FROM journeys_milestone m
 WHERE t.kind = '' AND t.source_key LIKE 'milestone-at-risk:%%'
   AND split_part(t.source_key, ':', 2) ~ '^[0-9]+$'
   AND m.id = split_part(t.source_key, ':', 2)::bigint AND m.tenant_id = t.tenant_id
   AND right(t.title, length(m.title)) = m.title
"""


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0007_success_plan_sharing"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="data",
            field=models.JSONField(blank=True, default=dict, verbose_name="data"),
        ),
        migrations.AddField(
            model_name="task",
            name="kind",
            field=models.CharField(blank=True, default="", max_length=40, verbose_name="kind"),
        ),
        migrations.RunSQL(MILESTONE_TASKS_SQL, migrations.RunSQL.noop),
    ]
