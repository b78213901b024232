"""`junkan_signed_in_user(user)`: a signed-in user's row with each membership and its workspace
(`cs_platform.selectors.user_get_signed_in`), one row per membership, in one call (issue #16).

Every signed-in page view starts with this read. Sent as a statement, PostgreSQL parsed and
planned its three-table join on every view; a PL/pgSQL function keeps its plan per connection
(pgbench, one client: 0.44-0.51 -> 0.24-0.32 ms per read). It returns whole rows, so a column
added to these tables needs no new function; nothing is kept across calls, so a password
change, a deactivation or a role change shows on the next request as before.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_signed_in_user(p_user bigint)
RETURNS TABLE (u cs_platform_user, m cs_platform_membership, t cs_platform_tenant)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN QUERY
    SELECT su, sm, st FROM cs_platform_user su
    LEFT JOIN cs_platform_membership sm ON sm.user_id = su.id
    LEFT JOIN cs_platform_tenant st ON st.id = sm.tenant_id
    WHERE su.id = p_user
    ORDER BY st.name, sm.id;
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS junkan_signed_in_user(bigint);"


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0013_versions_read"),
    ]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
