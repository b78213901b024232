"""`junkan_account_touch(tenant, account, awarded)`: what Account 360's touch panel reads on a
first view (`touchmodel.selectors.account_page`), in one call (issue #16).

The account's tier (its rule, and who overrode it: the fields a member is shown by,
`cs_platform.leanread.USER_SHOWN`) and its contacts' champion awards and user groups were two
statements on row-level-secured tables, each parsed, rewritten with the policy and planned on
every first view; a PL/pgSQL function keeps its plans per connection. The rows come as
`to_jsonb` (`cs_platform.leanread.lean_json_model`). It runs as the caller (SECURITY
INVOKER): row-level security holds inside it as outside.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_account_touch(
    p_tenant bigint, p_account bigint, p_awarded varchar
)
RETURNS TABLE (r_tier jsonb, r_people jsonb)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    SELECT jsonb_build_object(
        'tier', to_jsonb(t), 'rule', to_jsonb(r),
        'by', CASE WHEN u.id IS NOT NULL THEN jsonb_build_object(
            'id', u.id, 'email', u.email, 'full_name', u.full_name, 'language', u.language
        ) END
    )
    INTO r_tier
    FROM touchmodel_accounttier t
    LEFT JOIN touchmodel_tierrule r ON r.id = t.rule_id AND r.tenant_id = p_tenant
    LEFT JOIN cs_platform_user u ON u.id = t.override_by_id
    WHERE t.tenant_id = p_tenant AND t.account_id = p_account;
    -- The contacts' awards (newest first) and user groups (as they joined).
    SELECT jsonb_agg(
        jsonb_build_object(
            'contact_id', x.contact_id, 'in_group', x.in_group, 'award_title', x.award_title,
            'criterion', x.criterion, 'name_ja', x.name_ja, 'name_en', x.name_en
        ) ORDER BY x.in_group, x.contact_id, x.sort_at DESC, x.sort_id
    ) INTO r_people
    FROM (
        SELECT n.contact_id, false AS in_group, n.award_title, n.criterion,
               NULL::varchar AS name_ja, NULL::varchar AS name_en, n.created_at AS sort_at,
               -n.id AS sort_id
        FROM touchmodel_championnomination n
        JOIN accounts_contact c ON c.id = n.contact_id
        WHERE n.tenant_id = p_tenant AND c.tenant_id = p_tenant AND c.account_id = p_account
          AND n.status = p_awarded
        UNION ALL
        SELECT m.contact_id, true, NULL, NULL, g.name_ja, g.name_en, NULL::timestamptz, m.id
        FROM touchmodel_usergroupmember m
        JOIN accounts_contact c ON c.id = m.contact_id
        JOIN touchmodel_usergroup g ON g.id = m.group_id
        WHERE m.tenant_id = p_tenant AND c.tenant_id = p_tenant AND c.account_id = p_account
    ) x;
    RETURN NEXT;
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS junkan_account_touch(bigint, bigint, varchar);"


class Migration(migrations.Migration):
    dependencies = [("touchmodel", "0017_watch_account_version")]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
