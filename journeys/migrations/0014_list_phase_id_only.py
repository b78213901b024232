"""The account list's phase key without the phase's order (issue #16, accounts 0014): each
account keeps the id of its phase row's phase, 0 when it has none (the first phase, as the
list shows it; 0, not NULL: `list_phase_id = 0` is an equality, so its index range is read in
(name, id) order, which PostgreSQL does not infer from `IS NULL`). The list sorts by the phases' order read from the phases
(`plugins._phase_groups`), so adding, reordering or removing phases writes no account row:
the statement triggers on the phases are dropped. Moving one phase at 100,000 accounts
rewrote every account in it (8 s); now it writes the phase.

The refresh locks the accounts in id order first, then reads in a new statement, as in 0013.
Runs before accounts 0014 drops the order column that 0013's functions wrote.
"""

import importlib

from django.db import migrations

KEY = """
CREATE OR REPLACE FUNCTION journeys_list_phase_refresh(tenants bigint[], ids bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    -- `ids`: these accounts; NULL: every account of `tenants`.
    PERFORM 1 FROM accounts_account
    WHERE tenant_id = ANY(tenants) AND (ids IS NULL OR id = ANY(ids))
    ORDER BY id FOR NO KEY UPDATE;
    PERFORM set_config('junkan.account_list_keys', 'on', true);
    UPDATE accounts_account AS a
    SET list_phase_id = k.phase_id
    FROM (
        SELECT b.id, coalesce(ap.phase_id, 0) AS phase_id
        FROM accounts_account AS b
        LEFT JOIN journeys_accountphase AS ap
            ON ap.tenant_id = b.tenant_id AND ap.account_id = b.id
        WHERE b.tenant_id = ANY(tenants) AND (ids IS NULL OR b.id = ANY(ids))
    ) AS k
    WHERE a.id = k.id AND a.list_phase_id IS DISTINCT FROM k.phase_id;
    PERFORM set_config('junkan.account_list_keys', '', true);
END
$fn$;

DROP TRIGGER IF EXISTS journeys_list_phase_phase_insert ON journeys_phase;
DROP TRIGGER IF EXISTS journeys_list_phase_phase_update ON journeys_phase;
DROP TRIGGER IF EXISTS journeys_list_phase_phase_delete ON journeys_phase;
DROP FUNCTION IF EXISTS journeys_list_phase_phases();

-- The accounts without a phase row: 0 (they held the first phase's id).
SELECT set_config('app.bypass_rls', 'on', true);
SELECT set_config('junkan.account_list_keys', 'on', true);
UPDATE accounts_account AS a SET list_phase_id = 0
WHERE a.list_phase_id IS DISTINCT FROM 0 AND NOT EXISTS (
    SELECT FROM journeys_accountphase AS ap
    WHERE ap.tenant_id = a.tenant_id AND ap.account_id = a.id
);
SELECT set_config('junkan.account_list_keys', '', true);
"""


def _previous() -> str:
    """0013's functions and triggers (which also fill the keys again)."""
    return importlib.import_module("journeys.migrations.0013_account_list_phase_key").KEYS


class Migration(migrations.Migration):
    dependencies = [("journeys", "0013_account_list_phase_key")]
    run_before = [("accounts", "0014_list_phase_groups")]

    operations = [migrations.RunSQL(KEY, _previous())]
