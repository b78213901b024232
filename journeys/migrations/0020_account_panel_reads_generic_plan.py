"""`junkan_journeys_account_panels` (journeys 0018) planned once per connection from its first
call (issue #16), as Account 360's other first-view reads (accounts 0028): PL/pgSQL plans each
of its statements anew for the first five calls of a connection (a custom plan per call, with
row-level security's rewriting) before it keeps the generic plan, the same index reads; web
connections live 60 s (`DB_CONN_MAX_AGE`). At 100,000 accounts, a new connection's first five
calls (a different account each, alternated x6, load 6.9): 15.5 -> 5.9 ms wall, median.
"""

from django.db import migrations

FUNCTION = "junkan_journeys_account_panels(bigint, bigint, integer, integer, integer, integer)"


class Migration(migrations.Migration):
    dependencies = [("journeys", "0019_watch_data_tables_account_version")]

    operations = [
        migrations.RunSQL(
            f"ALTER FUNCTION {FUNCTION} SET plan_cache_mode = force_generic_plan",
            f"ALTER FUNCTION {FUNCTION} RESET plan_cache_mode",
        )
    ]
