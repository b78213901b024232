from django.db import migrations

# Seminar attendance entries written before they kept the attendee's name, that 0010 could not
# rebuild because the registration no longer names the attendee as the entry does (renamed, or
# gone): the name is read back from the stored title, written in one of the known wordings (the
# product's ja and en, the demo's ja). Only where the reading is certain: the title ends with
# the wording for the entry's own attended/missed, and either the seminar's current title (ja
# or en) follows the name, or the wording's separator occurs once; an entry read two ways, or
# none, keeps its stored text. Only `data.name` is added; the stored title stays as it was.
ATTENDANCE_NAMES_FROM_TITLES_SQL = """
WITH entries AS (
  SELECT a.id, a.title, (a.data->>'attended')::boolean AS attended,
         coalesce(s.title_ja, '') AS title_ja, coalesce(s.title_en, '') AS title_en
    FROM journeys_activity a
    LEFT JOIN touchmodel_seminar s
      ON jsonb_typeof(a.data->'seminar_id') = 'number'
     AND s.id = (a.data->>'seminar_id')::bigint AND s.tenant_id = a.tenant_id
   WHERE a.kind = 'seminar_attendance' AND NOT a.data ? 'name'
     AND jsonb_typeof(a.data->'attended') = 'boolean'
),
wordings(attended, mid, tail) AS (VALUES
  (true, 'さんが「', '」に参加'), (false, 'さんが「', '」を欠席'),
  (true, ' attended ', ''), (false, ' missed ', ''),
  (true, '：', 'に参加'), (false, '：', 'に欠席')
),
heads AS (  -- <name><mid><seminar>: the title without the wording's tail
  SELECT e.id, e.title_ja, e.title_en, w.mid,
         left(e.title, length(e.title) - length(w.tail)) AS head
    FROM entries e JOIN wordings w ON w.attended = e.attended
   WHERE right(e.title, length(w.tail)) = w.tail
),
names AS (
  SELECT h.id, CASE
      WHEN h.title_ja <> '' AND right(h.head, length(h.mid || h.title_ja)) = h.mid || h.title_ja
        THEN left(h.head, length(h.head) - length(h.mid || h.title_ja))
      WHEN h.title_en <> '' AND right(h.head, length(h.mid || h.title_en)) = h.mid || h.title_en
        THEN left(h.head, length(h.head) - length(h.mid || h.title_en))
      WHEN length(h.head) - length(replace(h.head, h.mid, '')) = length(h.mid)
       AND split_part(h.head, h.mid, 2) <> ''
        THEN split_part(h.head, h.mid, 1)
    END AS name
    FROM heads h
),
certain AS (
  SELECT id, min(name) AS name FROM names WHERE name <> ''
   GROUP BY id HAVING count(DISTINCT name) = 1
)
UPDATE journeys_activity a
   SET data = a.data || jsonb_build_object('name', c.name)
  FROM certain c
 WHERE a.id = c.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("touchmodel", "0011_watch_data_version"),
        ("journeys", "0009_task_entry_kind"),
    ]

    operations = [migrations.RunSQL(ATTENDANCE_NAMES_FROM_TITLES_SQL, migrations.RunSQL.noop)]
