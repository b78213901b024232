"""An update of an account's row that changes only the account list's sort keys
(`list_phase_id`, `list_health_rank`, `list_tier`: accounts 0012) no longer moves the
account's version (0027; issue #16). Account 360 shows none of them; each is written by a
trigger of a table that moves the version itself when Account 360 shows what changed (the
current phase, the touch tier), except the health rank, which the nightly recompute writes
for every account whose band changed: it moved their versions, and so every part of their
pages, beside their score version (cs_platform 0015).

The comparison is of the whole row without those three columns (`to_jsonb(row) - keys`), so a
column added later moves the version without a new function. Inserts and deletes as before."""

from django.db import migrations

LIST_KEYS = "'{list_phase_id,list_health_rank,list_tier}'::text[]"

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_account_version_bump_accounts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
-- accounts_account: the row is the account (its id), one bump per row.
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT r.tenant_id, r.id FROM new_rows r WHERE r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT r.tenant_id, r.id FROM old_rows r WHERE r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    ELSE%s
    END IF;
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;
"""

UPDATE_NOT_LIST_KEYS = f"""
        -- Only rows where more than the list's sort keys changed (before and after: a row
        -- moved to another tenant, never done, bumps both).
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT r.tenant_id, r.id
        FROM (SELECT o.tenant_id, o.id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE to_jsonb(o) - {LIST_KEYS} IS DISTINCT FROM to_jsonb(n) - {LIST_KEYS}
              UNION SELECT n.tenant_id, n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE to_jsonb(o) - {LIST_KEYS} IS DISTINCT FROM to_jsonb(n) - {LIST_KEYS}) r
        WHERE r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);"""

UPDATE_EVERY_ROW = """
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT r.tenant_id, r.id
        FROM (SELECT tenant_id, id FROM old_rows UNION SELECT tenant_id, id FROM new_rows) r
        WHERE r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0028_account_page_read_generic_plan"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION % UPDATE_NOT_LIST_KEYS, FUNCTION % UPDATE_EVERY_ROW),
    ]
