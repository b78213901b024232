from django.db import migrations

# Rule tasks made before tasks kept what happened: the firing is in the task's source key
# ("touchmodel:firing:<id>"); a task still titled with its rule's name (ja or en) is titled
# with the name in each reader's language from now on, a reworded one keeps its text.
RULE_TASKS_SQL = """
UPDATE journeys_task t
   SET kind = 'rule', data = jsonb_build_object('rule', r.id)
  FROM touchmodel_rulefiring f JOIN touchmodel_rule r ON r.id = f.rule_id
 WHERE t.kind = '' AND t.source_key = 'touchmodel:firing:' || f.id
   AND f.tenant_id = t.tenant_id AND t.title IN (r.name_ja, r.name_en)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("touchmodel", "0008_seminar_signups"),
        ("journeys", "0008_task_kind_data"),
    ]

    operations = [migrations.RunSQL(RULE_TASKS_SQL, migrations.RunSQL.noop)]
