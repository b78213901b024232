from django.db import migrations

# Generated tasks put in the trash before the trash kept what their label says (cs_platform
# 0009): the kind and data are read back from the task's own row kept in the entry, so the
# trash and the change log word them in each reader's language. The audit log is append-only:
# its old rows keep their stored text.
TRASHED_TASK_LABEL_DATA_SQL = """
UPDATE cs_platform_trashentry e
   SET label_data = jsonb_build_object('kind', t.row->>'kind',
                                       'data', coalesce(t.row->'data', '{}'::jsonb))
  FROM (SELECT k.id, r AS row
          FROM cs_platform_trashentry k, jsonb_array_elements(k.rows->'journeys.task') r
         WHERE k.model = 'journeys.task' AND k.label_data = '{}'::jsonb
           AND jsonb_typeof(k.rows->'journeys.task') = 'array'
           AND (r->>'id')::bigint = k.object_id) t
 WHERE e.id = t.id AND coalesce(t.row->>'kind', '') <> ''
   AND jsonb_typeof(coalesce(t.row->'data', '{}'::jsonb)) = 'object';
UPDATE cs_platform_changerecord c
   SET label_data = e.label_data
  FROM cs_platform_trashentry e
 WHERE c.model = 'journeys.task' AND c.label_data = '{}'::jsonb
   AND e.tenant_id = c.tenant_id AND e.model = c.model AND e.object_id = c.object_id
   AND e.label_data <> '{}'::jsonb;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0011_watch_milestones"),
        ("cs_platform", "0009_label_data"),
    ]

    operations = [migrations.RunSQL(TRASHED_TASK_LABEL_DATA_SQL, migrations.RunSQL.noop)]
