from django.db import migrations

# Seminar attendance entries written before they kept the attendee's name: it is copied from
# the registration when the stored title still names them and the seminar by its title (ja or
# en), so the entry reads in each reader's language; any other keeps its stored text.
ATTENDANCE_ENTRIES_SQL = """
UPDATE journeys_activity a
   SET data = a.data || jsonb_build_object('name', r.name)
  FROM touchmodel_seminarregistration r JOIN touchmodel_seminar s ON s.id = r.seminar_id
 WHERE a.kind = 'seminar_attendance' AND NOT a.data ? 'name'
   AND jsonb_typeof(a.data->'registration_id') = 'number'
   AND jsonb_typeof(a.data->'attended') = 'boolean'
   AND r.id = (a.data->>'registration_id')::bigint AND r.tenant_id = a.tenant_id
   AND r.name <> '' AND strpos(a.title, r.name) > 0
   AND (strpos(a.title, s.title_ja) > 0 OR (s.title_en <> '' AND strpos(a.title, s.title_en) > 0))
"""


class Migration(migrations.Migration):
    dependencies = [
        ("touchmodel", "0009_rule_task_kind"),
    ]

    operations = [migrations.RunSQL(ATTENDANCE_ENTRIES_SQL, migrations.RunSQL.noop)]
