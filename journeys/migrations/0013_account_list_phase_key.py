"""The account list's phase key (`accounts_account.list_phase_id` and `list_phase_order`, see
accounts 0012), kept exact by journeys (issue #16: the list sorted by phase computed each
account's phase on every view).

An account's phase is its phase row's, or the tenant's first phase (by order, then id) when it
has none. A statement trigger on the phase rows refreshes the accounts they belong to; one on
the phases (added, reordered or removed: the first phase and the orders move) refreshes every
account of the tenant; one on new accounts gives them theirs. Like accounts 0009 the refresh
locks the accounts in id order first, then reads in a new statement, which sees what a
concurrent writer committed before letting go of the lock. The triggers fire ALWAYS, also for
bulk loads under `session_replication_role = replica`. Existing accounts are filled here.
"""

from django.db import migrations

KEYS = """
CREATE OR REPLACE FUNCTION journeys_list_phase_refresh(tenants bigint[], ids bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    -- `ids`: these accounts; NULL: every account of `tenants`.
    PERFORM 1 FROM accounts_account
    WHERE tenant_id = ANY(tenants) AND (ids IS NULL OR id = ANY(ids))
    ORDER BY id FOR NO KEY UPDATE;
    PERFORM set_config('junkan.account_list_keys', 'on', true);
    UPDATE accounts_account AS a
    SET list_phase_id = k.phase_id, list_phase_order = k.phase_order
    FROM (
        SELECT b.id,
               coalesce(p.id, f.id) AS phase_id,
               coalesce(p."order", f."order", 0) AS phase_order
        FROM accounts_account AS b
        LEFT JOIN journeys_accountphase AS ap
            ON ap.tenant_id = b.tenant_id AND ap.account_id = b.id
        LEFT JOIN journeys_phase AS p ON p.id = ap.phase_id
        LEFT JOIN (
            SELECT DISTINCT ON (tenant_id) tenant_id, id, "order"
            FROM journeys_phase WHERE tenant_id = ANY(tenants)
            ORDER BY tenant_id, "order", id
        ) AS f ON f.tenant_id = b.tenant_id
        WHERE b.tenant_id = ANY(tenants) AND (ids IS NULL OR b.id = ANY(ids))
    ) AS k
    WHERE a.id = k.id
      AND (a.list_phase_id, a.list_phase_order) IS DISTINCT FROM (k.phase_id, k.phase_order);
    PERFORM set_config('junkan.account_list_keys', '', true);
END
$fn$;

-- Phase rows: the accounts they belong to.
CREATE OR REPLACE FUNCTION journeys_list_phase_rows() RETURNS trigger
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
        FROM (SELECT tenant_id, account_id FROM new_rows
              UNION ALL SELECT tenant_id, account_id FROM old_rows) AS t;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM journeys_list_phase_refresh(tenants, ids);
    END IF;
    RETURN NULL;
END
$fn$;

-- New accounts (and accounts restored from the trash).
CREATE OR REPLACE FUNCTION journeys_list_phase_accounts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    tenants bigint[];
    ids bigint[];
BEGIN
    SELECT array_agg(DISTINCT tenant_id), array_agg(id) INTO tenants, ids FROM new_rows;
    IF ids IS NOT NULL THEN
        PERFORM journeys_list_phase_refresh(tenants, ids);
    END IF;
    RETURN NULL;
END
$fn$;

-- Phases added, reordered or removed: every account of their tenants.
CREATE OR REPLACE FUNCTION journeys_list_phase_phases() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    tenants bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT tenant_id) INTO tenants FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT tenant_id) INTO tenants FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT n.tenant_id) INTO tenants
        FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
        WHERE n."order" IS DISTINCT FROM o."order" OR n.tenant_id <> o.tenant_id;
    END IF;
    IF tenants IS NOT NULL THEN
        PERFORM journeys_list_phase_refresh(tenants, NULL);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER journeys_list_phase_insert AFTER INSERT ON journeys_accountphase
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION journeys_list_phase_rows();
CREATE TRIGGER journeys_list_phase_update AFTER UPDATE ON journeys_accountphase
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION journeys_list_phase_rows();
CREATE TRIGGER journeys_list_phase_delete AFTER DELETE ON journeys_accountphase
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION journeys_list_phase_rows();
CREATE TRIGGER journeys_list_phase_account AFTER INSERT ON accounts_account
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION journeys_list_phase_accounts();
CREATE TRIGGER journeys_list_phase_phase_insert AFTER INSERT ON journeys_phase
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION journeys_list_phase_phases();
CREATE TRIGGER journeys_list_phase_phase_update AFTER UPDATE ON journeys_phase
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION journeys_list_phase_phases();
CREATE TRIGGER journeys_list_phase_phase_delete AFTER DELETE ON journeys_phase
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION journeys_list_phase_phases();

ALTER TABLE journeys_accountphase ENABLE ALWAYS TRIGGER journeys_list_phase_insert;
ALTER TABLE journeys_accountphase ENABLE ALWAYS TRIGGER journeys_list_phase_update;
ALTER TABLE journeys_accountphase ENABLE ALWAYS TRIGGER journeys_list_phase_delete;
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER journeys_list_phase_account;
ALTER TABLE journeys_phase ENABLE ALWAYS TRIGGER journeys_list_phase_phase_insert;
ALTER TABLE journeys_phase ENABLE ALWAYS TRIGGER journeys_list_phase_phase_update;
ALTER TABLE journeys_phase ENABLE ALWAYS TRIGGER journeys_list_phase_phase_delete;

-- Across tenants: the owner is subject to the row-level security it forces.
SELECT set_config('app.bypass_rls', 'on', true);
SELECT journeys_list_phase_refresh(array_agg(id), NULL) FROM cs_platform_tenant;
"""

UNKEYS = """
DROP TRIGGER IF EXISTS journeys_list_phase_insert ON journeys_accountphase;
DROP TRIGGER IF EXISTS journeys_list_phase_update ON journeys_accountphase;
DROP TRIGGER IF EXISTS journeys_list_phase_delete ON journeys_accountphase;
DROP TRIGGER IF EXISTS journeys_list_phase_account ON accounts_account;
DROP TRIGGER IF EXISTS journeys_list_phase_phase_insert ON journeys_phase;
DROP TRIGGER IF EXISTS journeys_list_phase_phase_update ON journeys_phase;
DROP TRIGGER IF EXISTS journeys_list_phase_phase_delete ON journeys_phase;
DROP FUNCTION IF EXISTS journeys_list_phase_rows();
DROP FUNCTION IF EXISTS journeys_list_phase_accounts();
DROP FUNCTION IF EXISTS journeys_list_phase_phases();
DROP FUNCTION IF EXISTS journeys_list_phase_refresh(bigint[], bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_list_keys"),
        ("journeys", "0012_trashed_task_label_data"),
    ]

    operations = [migrations.RunSQL(KEYS, UNKEYS)]
