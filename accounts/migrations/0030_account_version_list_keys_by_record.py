"""0029's test of an update that changes only the account list's sort keys, made cheaper: the
old row is compared, as a record, with the new row given the old row's three keys
(`jsonb_populate_record`), instead of both rows made into jsonb (twice). For an update of
5,000 accounts the comparison took 380-430 ms in 0029, 15-20 ms now (the bench tenant's
accounts, in a rolled-back transaction; 2-6 ms with no comparison, as 0027). A column added
later still moves the version without a new function.

NOTE: a record comparison needs an equality operator for every column: a `json` column (not
`jsonb`) added to accounts_account would make this trigger fail; use `jsonb`."""

import importlib

from django.db import migrations

# 0029's function around its UPDATE branch (a module whose name starts with a digit).
_0029 = importlib.import_module("accounts.migrations.0029_account_version_not_list_keys")

UPDATE_BY_RECORD = """
        -- Only rows where more than the list's sort keys changed: the new row with the old
        -- row's keys is still another row (each row's tenant before and after).
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT DISTINCT t.tenant_id, o.id
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.tenant_id), (n.tenant_id)) t (tenant_id)
        WHERE o IS DISTINCT FROM jsonb_populate_record(n, jsonb_build_object(
            'list_phase_id', o.list_phase_id,
            'list_health_rank', o.list_health_rank,
            'list_tier', o.list_tier))
        AND t.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0029_account_version_not_list_keys"),
    ]

    operations = [
        migrations.RunSQL(
            _0029.FUNCTION % UPDATE_BY_RECORD, _0029.FUNCTION % _0029.UPDATE_NOT_LIST_KEYS
        ),
    ]
