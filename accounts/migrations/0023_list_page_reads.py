"""`junkan_list_page_reads(tenant, user)`: the account list's owners, segments and the
reader's saved views (`accounts.selectors.list_page_reads`), in one call (issue #16).

Every view of the list reads them. Sent as a statement of three sub-SELECTs on
row-level-secured tables, PostgreSQL parsed, rewrote and planned it on every view (planning
0.34 ms against 0.10 ms to run it at 100,000 accounts); a PL/pgSQL function keeps its plan per
connection. It runs as the caller (SECURITY INVOKER): row-level security holds inside it as
outside, and nothing is kept across calls.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_list_page_reads(p_tenant bigint, p_user bigint)
RETURNS TABLE (owners json, segments json, views json)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN QUERY SELECT
        (SELECT coalesce(json_agg(json_build_array(u.id, u.full_name, u.email)
                                  ORDER BY u.full_name, u.email), '[]')
         FROM cs_platform_user u
         JOIN cs_platform_membership m ON m.user_id = u.id AND m.tenant_id = p_tenant
         WHERE u.is_active),
        (SELECT coalesce(json_agg(json_build_array(s.id, s.name) ORDER BY s.name, s.id), '[]')
         FROM accounts_segment s WHERE s.tenant_id = p_tenant),
        (SELECT coalesce(json_agg(json_build_object('id', v.id, 'owner_id', v.owner_id,
                                                    'name', v.name, 'query', v.query,
                                                    'shared', v.shared)
                                  ORDER BY v.name, v.id), '[]')
         FROM accounts_savedview v
         WHERE v.tenant_id = p_tenant AND (v.owner_id = p_user OR v.shared));
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS junkan_list_page_reads(bigint, bigint);"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0022_account_version_by_contact"),
    ]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
