"""The account list's tier key without the tenant's default (issue #16): each account keeps its
tier row's tier, '' when it has none (the default tier, as the list shows it). The list sorts
and filters the '' accounts with the default tier's, read from the settings
(`plugins._tier_groups`), so changing the default tier writes no account row: the statement
triggers on the settings are dropped. Before, a default change locked and re-read every account
of the tenant (2.2–2.9 s at 100,000 accounts) and rewrote those without a tier row.

'' and not NULL: `list_tier = ''` is an equality, so its index range is read in (name, id)
order. The refresh locks the accounts in id order first, then reads, as in 0014.
"""

import importlib

from django.db import migrations

KEY = """
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
        SELECT b.id, coalesce(t.tier, '') AS tier
        FROM accounts_account AS b
        LEFT JOIN touchmodel_accounttier AS t
            ON t.tenant_id = b.tenant_id AND t.account_id = b.id
        WHERE b.tenant_id = ANY(tenants) AND (ids IS NULL OR b.id = ANY(ids))
    ) AS k
    WHERE a.id = k.id AND a.list_tier IS DISTINCT FROM k.tier;
    PERFORM set_config('junkan.account_list_keys', '', true);
END
$fn$;

DROP TRIGGER IF EXISTS touchmodel_list_tier_settings_insert ON touchmodel_touchsettings;
DROP TRIGGER IF EXISTS touchmodel_list_tier_settings_update ON touchmodel_touchsettings;
DROP TRIGGER IF EXISTS touchmodel_list_tier_settings_delete ON touchmodel_touchsettings;
DROP FUNCTION IF EXISTS touchmodel_list_tier_settings();

-- The accounts without a tier row: '' (they held the default tier).
SELECT set_config('app.bypass_rls', 'on', true);
SELECT set_config('junkan.account_list_keys', 'on', true);
UPDATE accounts_account AS a SET list_tier = ''
WHERE a.list_tier <> '' AND NOT EXISTS (
    SELECT FROM touchmodel_accounttier AS t
    WHERE t.tenant_id = a.tenant_id AND t.account_id = a.id
);
SELECT set_config('junkan.account_list_keys', '', true);
"""


def _previous() -> str:
    """0014's functions and triggers (which also fill the keys again)."""
    return importlib.import_module("touchmodel.migrations.0014_account_list_tier_key").KEYS


class Migration(migrations.Migration):
    dependencies = [
        ("touchmodel", "0015_touch_version_channel"),
        ("accounts", "0014_list_phase_groups"),
    ]

    operations = [migrations.RunSQL(KEY, _previous())]
