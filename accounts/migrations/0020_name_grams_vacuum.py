"""Vacuum the name grams written again by 0019 (issue #16): a search reads them from their
index alone, which skips the table only where the visibility map says every row is visible.
Until autovacuum came by, each first search would read the table's rows as well."""

from django.db import migrations


class Migration(migrations.Migration):
    # VACUUM cannot run in a transaction.
    atomic = False

    dependencies = [("accounts", "0019_name_grams_name")]

    operations = [
        migrations.RunSQL(
            "VACUUM (ANALYZE) accounts_accountnamegram", reverse_sql=migrations.RunSQL.noop
        ),
    ]
