from django.db import migrations

# "Task completed" entries written before entries kept the task's kind and data: copied from
# the task when the entry's stored title is still the task's (a task reworded since keeps the
# entry's stored text), so the entry's task title reads in each reader's language.
TASK_ENTRIES_SQL = """
UPDATE journeys_activity a
   SET data = a.data || jsonb_build_object('event', 'done', 'task_kind', t.kind,
                                           'task_data', t.data)
  FROM journeys_task t
 WHERE a.kind = 'task' AND a.source_key LIKE 'task_done:%%' AND NOT a.data ? 'event'
   AND jsonb_typeof(a.data->'task') = 'number'
   AND t.id = (a.data->>'task')::bigint AND t.tenant_id = a.tenant_id
   AND a.title = left(t.title, 300)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0008_task_kind_data"),
    ]

    operations = [migrations.RunSQL(TASK_ENTRIES_SQL, migrations.RunSQL.noop)]
