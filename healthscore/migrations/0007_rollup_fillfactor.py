"""Room on each page for HOT updates: the ingest path increments rollup counts in place."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("healthscore", "0006_rollup_index_account_first")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE healthscore_usagedaily SET (fillfactor = 70);"
            "ALTER TABLE healthscore_contactdaily SET (fillfactor = 70);",
            "ALTER TABLE healthscore_usagedaily RESET (fillfactor);"
            "ALTER TABLE healthscore_contactdaily RESET (fillfactor);",
        )
    ]
