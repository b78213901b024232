"""`junkan_account_page(tenant, account)`: what Account 360's own part reads on a first view
(`accounts.selectors.account_page`), in one call (issue #16).

The account with its owner (the fields it is shown by: `cs_platform.leanread.USER_SHOWN`), its
contacts and its contracts (each with the one it renewed or expanded) were three statements on
row-level-secured tables, each parsed, rewritten with the policy and planned on every first
view; a PL/pgSQL function keeps its plans per connection. Each part is `to_jsonb` of its rows
(`cs_platform.leanread.lean_json_model`), so a new column needs no new function. It runs as
the caller (SECURITY INVOKER): row-level security holds inside it as outside.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_account_page(p_tenant bigint, p_account bigint)
RETURNS TABLE (r_account jsonb, r_contacts jsonb, r_contracts jsonb)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    SELECT to_jsonb(a) || CASE WHEN u.id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(
        'owner__id', u.id, 'owner__email', u.email, 'owner__full_name', u.full_name,
        'owner__language', u.language
    ) END
    INTO r_account
    FROM accounts_account a LEFT JOIN cs_platform_user u ON u.id = a.owner_id
    WHERE a.tenant_id = p_tenant AND a.id = p_account;
    IF r_account IS NULL THEN
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT jsonb_agg(to_jsonb(c) ORDER BY c.relationship_level, c.name) INTO r_contacts
    FROM accounts_contact c
    WHERE c.tenant_id = p_tenant AND c.account_id = p_account;
    SELECT jsonb_agg(
        jsonb_build_object('c', to_jsonb(c), 'p', to_jsonb(p))
        ORDER BY c.start_date, c.created_at, c.id
    ) INTO r_contracts
    FROM accounts_contract c
    LEFT JOIN accounts_contract p ON p.id = c.previous_id AND p.tenant_id = p_tenant
    WHERE c.tenant_id = p_tenant AND c.account_id = p_account;
    RETURN NEXT;
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS junkan_account_page(bigint, bigint);"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0023_list_page_reads")]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
