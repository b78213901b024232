"""`junkan_versions(tenant, account)`: every version channel's counter and bump count of a
tenant, and an account's (`cs_platform.datacache._read_all`), in one call (issue #16).

Nearly every page view reads them first, as one statement of nine sub-SELECTs on
row-level-secured tables: PostgreSQL took 0.35-0.5 ms to plan it and 0.05 ms to run it. A
PL/pgSQL function keeps the plan of its query for the session (a persistent connection), so a
call is planned once per connection instead of once per page view. It runs as the caller
(SECURITY INVOKER): the tenant's row-level security holds inside it as outside.

NOTE: a new channel's counter and bumps go into this function (a migration replacing it) and
into `datacache.CHANNELS`, in the same order.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_versions(p_tenant bigint, p_account bigint)
RETURNS TABLE (
    data_version bigint, data_bumps bigint,
    touch_version bigint, touch_bumps bigint,
    work_version bigint, work_bumps bigint,
    every_account_version bigint, account_version bigint, account_bumps bigint
)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN QUERY SELECT
        (SELECT d.version FROM cs_platform_dataversion d WHERE d.tenant_id = p_tenant),
        (SELECT count(*) FROM cs_platform_dataversionbump b WHERE b.tenant_id = p_tenant),
        (SELECT d.version FROM cs_platform_touchversion d WHERE d.tenant_id = p_tenant),
        (SELECT count(*) FROM cs_platform_touchversionbump b WHERE b.tenant_id = p_tenant),
        (SELECT d.version FROM cs_platform_workversion d WHERE d.tenant_id = p_tenant),
        (SELECT count(*) FROM cs_platform_workversionbump b WHERE b.tenant_id = p_tenant),
        (SELECT a.version FROM cs_platform_accountversion a
         WHERE a.tenant_id = p_tenant AND a.account_id = 0),
        (SELECT a.version FROM cs_platform_accountversion a
         WHERE a.tenant_id = p_tenant AND a.account_id = p_account),
        (SELECT count(*) FROM cs_platform_accountversionbump b
         WHERE b.tenant_id = p_tenant AND b.account_id IN (0, p_account));
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS junkan_versions(bigint, bigint);"


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
    ]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
