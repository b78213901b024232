"""Account 360's health panel is kept per account under the tenant's data version
(`accounts.extensions.AccountPanel.cache_key`): it shows the open alerts, so a write to the
alerts raises the version, as writes to the scores and scorecards already do. The at-risk window
of the health settings is kept for page views too (`milestone_risk_days`)."""

from django.db import migrations

WATCHED = ["healthscore_healthalert", "healthscore_healthsettings"]
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
        ("healthscore", "0025_recompute_chunk_scored"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
