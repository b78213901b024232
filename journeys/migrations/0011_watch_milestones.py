"""The portfolio's milestones at risk are cached under the tenant's data version
(`cs_platform.datacache`): a write to the milestones raises it, as writes to accounts,
contracts, phases and scores already do."""

from django.db import migrations

TABLE = "journeys_milestone"
WATCH = f"SELECT junkan_data_version_watch('{TABLE}');\n" + "".join(
    f"ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER junkan_data_version_{op};\n"
    for op in ("insert", "update", "delete")
)
UNWATCH = f"SELECT junkan_data_version_unwatch('{TABLE}');\n"


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0008_data_version_bumps"),
        ("journeys", "0010_my_work_indexes"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
