"""The account list's tier key (`accounts_account.list_tier`, see accounts 0012), kept exact by
touchmodel (issue #16: the list sorted by tier computed each account's tier on every view).

An account's tier is its tier row's, else the tenant's default tier (TouchSettings), else
tech. A statement trigger on the tier rows refreshes their accounts; one on the settings (the
default tier changed) refreshes every account of the tenant; one on new accounts gives them
theirs. Like accounts 0009 the refresh locks the accounts in id order first, then reads in a
new statement. The triggers fire ALWAYS. Existing accounts are filled here.
"""

from django.db import migrations

KEYS = """
CREATE OR REPLACE FUNCTION touchmodel_list_tier_refresh(tenants bigint[], ids bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    -- `ids`: these accounts; NULL: every account of `tenants`.
    PERFORM 1 FROM accounts_account
    WHERE tenant_id = ANY(tenants) AND (ids IS NULL OR id = ANY(ids))
    ORDER BY id FOR NO KEY UPDATE;
    PERFORM set_config('junkan.account_list_keys', 'on', true);
    UPDATE accounts_account AS a
    SET list_tier = k.tier
    FROM (
        SELECT b.id, coalesce(t.tier, d.default_tier, 'tech') AS tier
        FROM accounts_account AS b
        LEFT JOIN touchmodel_accounttier AS t
            ON t.tenant_id = b.tenant_id AND t.account_id = b.id
        LEFT JOIN (
            SELECT DISTINCT ON (tenant_id) tenant_id, default_tier
            FROM touchmodel_touchsettings WHERE tenant_id = ANY(tenants)
            ORDER BY tenant_id, id
        ) AS d ON d.tenant_id = b.tenant_id
        WHERE b.tenant_id = ANY(tenants) AND (ids IS NULL OR b.id = ANY(ids))
    ) AS k
    WHERE a.id = k.id AND a.list_tier IS DISTINCT FROM k.tier;
    PERFORM set_config('junkan.account_list_keys', '', true);
END
$fn$;

-- Tier rows: the accounts they belong to.
CREATE OR REPLACE FUNCTION touchmodel_list_tier_rows() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    tenants bigint[];
    ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT tenant_id), array_agg(DISTINCT account_id)
        INTO tenants, ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT tenant_id), array_agg(DISTINCT account_id)
        INTO tenants, ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT tenant_id), array_agg(DISTINCT account_id) INTO tenants, ids
        FROM (SELECT n.tenant_id, n.account_id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
              WHERE (n.tier, n.account_id) IS DISTINCT FROM (o.tier, o.account_id)
              UNION ALL
              SELECT o.tenant_id, o.account_id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
              WHERE n.account_id <> o.account_id) AS t;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM touchmodel_list_tier_refresh(tenants, ids);
    END IF;
    RETURN NULL;
END
$fn$;

-- New accounts (and accounts restored from the trash).
CREATE OR REPLACE FUNCTION touchmodel_list_tier_accounts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    tenants bigint[];
    ids bigint[];
BEGIN
    SELECT array_agg(DISTINCT tenant_id), array_agg(id) INTO tenants, ids FROM new_rows;
    IF ids IS NOT NULL THEN
        PERFORM touchmodel_list_tier_refresh(tenants, ids);
    END IF;
    RETURN NULL;
END
$fn$;

-- The settings: the default tier of every account no rule or override placed.
CREATE OR REPLACE FUNCTION touchmodel_list_tier_settings() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    tenants bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT tenant_id) INTO tenants FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT tenant_id) INTO tenants FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT tenant_id) INTO tenants
        FROM (SELECT n.tenant_id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
              WHERE (n.default_tier, n.tenant_id) IS DISTINCT FROM (o.default_tier, o.tenant_id)
              UNION ALL
              SELECT o.tenant_id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
              WHERE n.tenant_id <> o.tenant_id) AS t;
    END IF;
    IF tenants IS NOT NULL THEN
        PERFORM touchmodel_list_tier_refresh(tenants, NULL);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER touchmodel_list_tier_insert AFTER INSERT ON touchmodel_accounttier
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touchmodel_list_tier_rows();
CREATE TRIGGER touchmodel_list_tier_update AFTER UPDATE ON touchmodel_accounttier
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touchmodel_list_tier_rows();
CREATE TRIGGER touchmodel_list_tier_delete AFTER DELETE ON touchmodel_accounttier
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touchmodel_list_tier_rows();
CREATE TRIGGER touchmodel_list_tier_account AFTER INSERT ON accounts_account
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touchmodel_list_tier_accounts();
CREATE TRIGGER touchmodel_list_tier_settings_insert AFTER INSERT ON touchmodel_touchsettings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touchmodel_list_tier_settings();
CREATE TRIGGER touchmodel_list_tier_settings_update AFTER UPDATE ON touchmodel_touchsettings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touchmodel_list_tier_settings();
CREATE TRIGGER touchmodel_list_tier_settings_delete AFTER DELETE ON touchmodel_touchsettings
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION touchmodel_list_tier_settings();

ALTER TABLE touchmodel_accounttier ENABLE ALWAYS TRIGGER touchmodel_list_tier_insert;
ALTER TABLE touchmodel_accounttier ENABLE ALWAYS TRIGGER touchmodel_list_tier_update;
ALTER TABLE touchmodel_accounttier ENABLE ALWAYS TRIGGER touchmodel_list_tier_delete;
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER touchmodel_list_tier_account;
ALTER TABLE touchmodel_touchsettings ENABLE ALWAYS TRIGGER touchmodel_list_tier_settings_insert;
ALTER TABLE touchmodel_touchsettings ENABLE ALWAYS TRIGGER touchmodel_list_tier_settings_update;
ALTER TABLE touchmodel_touchsettings ENABLE ALWAYS TRIGGER touchmodel_list_tier_settings_delete;

-- Across tenants: the owner is subject to the row-level security it forces.
SELECT set_config('app.bypass_rls', 'on', true);
SELECT touchmodel_list_tier_refresh(array_agg(id), NULL) FROM cs_platform_tenant;
"""

UNKEYS = """
DROP TRIGGER IF EXISTS touchmodel_list_tier_insert ON touchmodel_accounttier;
DROP TRIGGER IF EXISTS touchmodel_list_tier_update ON touchmodel_accounttier;
DROP TRIGGER IF EXISTS touchmodel_list_tier_delete ON touchmodel_accounttier;
DROP TRIGGER IF EXISTS touchmodel_list_tier_account ON accounts_account;
DROP TRIGGER IF EXISTS touchmodel_list_tier_settings_insert ON touchmodel_touchsettings;
DROP TRIGGER IF EXISTS touchmodel_list_tier_settings_update ON touchmodel_touchsettings;
DROP TRIGGER IF EXISTS touchmodel_list_tier_settings_delete ON touchmodel_touchsettings;
DROP FUNCTION IF EXISTS touchmodel_list_tier_rows();
DROP FUNCTION IF EXISTS touchmodel_list_tier_accounts();
DROP FUNCTION IF EXISTS touchmodel_list_tier_settings();
DROP FUNCTION IF EXISTS touchmodel_list_tier_refresh(bigint[], bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_list_keys"),
        ("touchmodel", "0013_watch_touches"),
    ]

    operations = [migrations.RunSQL(KEYS, UNKEYS)]
