"""Account 360's journey map, timeline and tasks are kept as HTML under the data, touch and
work versions (`cs_platform.datacache.work_version`): the rows they show that the data
version does not watch raise the work version (cs_platform 0011) when written. Milestones,
meetings and phases are watched by the data version already."""

from django.db import migrations

TABLES = [
    "journeys_task",
    "journeys_actionstep",
    "journeys_journeymap",
    "journeys_journeytemplate",
    "journeys_activity",
]
WATCH = "".join(f"SELECT junkan_work_version_watch('{t}');\n" for t in TABLES)
UNWATCH = "".join(f"SELECT junkan_work_version_unwatch('{t}');\n" for t in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0011_work_version"),
        ("journeys", "0014_list_phase_id_only"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
