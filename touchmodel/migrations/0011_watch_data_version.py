"""The touch planner's capacity is cached under the tenant's data version
(`cs_platform.datacache`): a write to the tiers or the touch settings it reads raises it, as
writes to accounts, contracts and scores already do."""

from django.db import migrations

WATCHED = ["touchmodel_accounttier", "touchmodel_touchsettings"]
WATCH = "".join(
    f"SELECT junkan_data_version_watch('{t}');\n"
    + "".join(
        f"ALTER TABLE {t} ENABLE ALWAYS TRIGGER junkan_data_version_{op};\n"
        for op in ("insert", "update", "delete")
    )
    for t in WATCHED
)
UNWATCH = "".join(f"SELECT junkan_data_version_unwatch('{t}');\n" for t in WATCHED)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0008_data_version_bumps"),
        ("touchmodel", "0010_attendance_entry_name"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
