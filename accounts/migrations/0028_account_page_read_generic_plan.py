"""`junkan_account_page` (Account 360's first view) planned once per connection from its first call
(issue #16): PL/pgSQL plans each of its statements anew for the first five calls of a
connection (a custom plan per call, with row-level security's rewriting) before it settles on
the generic plan it keeps; the generic plans are the same index reads. At 100,000 accounts the
first five calls of a connection cost 2-3 times the later ones (healthscore's 13-20 -> 6-9 ms,
the others' 6-7 -> 3-5 ms at load 11-14); web connections live 60 s (`DB_CONN_MAX_AGE`).
"""

from django.db import migrations

FUNCTION = "junkan_account_page(bigint, bigint)"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0027_watch_data_tables_account_version")]

    operations = [
        migrations.RunSQL(
            f"ALTER FUNCTION {FUNCTION} SET plan_cache_mode = force_generic_plan",
            f"ALTER FUNCTION {FUNCTION} RESET plan_cache_mode",
        )
    ]
