"""`junkan_account_touch`: the contacts' awards and user groups read by the account's contacts
(issue #16).

0018 joined every awarded nomination and every group member of the tenant to the account's
contacts; with the generic plan the function keeps (0020), PostgreSQL could not know the
account holds few, and a tenant with many champions would have read them all on each first
view. The contacts' ids are read first and the two tables by their contact_id indexes, as the
statement 0018 replaced did. Its plan setting stays (`CREATE OR REPLACE` sets it again).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_account_touch(
    p_tenant bigint, p_account bigint, p_awarded varchar
)
RETURNS TABLE (r_tier jsonb, r_people jsonb)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    v_contacts bigint[];
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
    -- The contacts' awards (newest first) and user groups (as they joined), each read by
    -- the account's contacts (their contact_id indexes), never the tenant's whole table.
    v_contacts := ARRAY(
        SELECT c.id FROM accounts_contact c
        WHERE c.tenant_id = p_tenant AND c.account_id = p_account
    );
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
        WHERE n.tenant_id = p_tenant AND n.contact_id = ANY(v_contacts) AND n.status = p_awarded
        UNION ALL
        SELECT m.contact_id, true, NULL, NULL, g.name_ja, g.name_en, NULL::timestamptz, m.id
        FROM touchmodel_usergroupmember m
        JOIN touchmodel_usergroup g ON g.id = m.group_id
        WHERE m.tenant_id = p_tenant AND m.contact_id = ANY(v_contacts)
    ) x;
    RETURN NEXT;
END
$fn$;
"""


PREVIOUS = """
CREATE OR REPLACE FUNCTION junkan_account_touch(
    p_tenant bigint, p_account bigint, p_awarded varchar
)
RETURNS TABLE (r_tier jsonb, r_people jsonb)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $fn$
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


class Migration(migrations.Migration):
    dependencies = [("touchmodel", "0021_watch_rules_account_version")]

    # Back: 0018's body with 0020's setting.
    operations = [migrations.RunSQL(FUNCTION, PREVIOUS)]
