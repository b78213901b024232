"""Account 360 keys its kept parts by the account's version alone (cs_platform 0012), not the
tenant's data version (issue #16): an edit of one account (its owner, a contract, a phase
move, its nightly score) no longer makes every account's next view a first view. So the
data version's per-account tables move their account's version too: an account's own row
(`junkan_account_version_bump_accounts`, the account being the row's id) and its contracts.
The data version's triggers stay (the list and the portfolio key by it).

One bump per account a statement writes (an UPDATE: per account before and after), also for
bulk writes, plain SQL and deletes."""

from django.db import migrations

FUNCTIONS = """
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
    ELSE
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT r.tenant_id, r.id
        FROM (SELECT tenant_id, id FROM old_rows UNION SELECT tenant_id, id FROM new_rows) r
        WHERE r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    END IF;
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;

SELECT junkan_account_version_unwatch('accounts_account');
CREATE TRIGGER junkan_account_version_insert AFTER INSERT ON accounts_account
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_account_version_bump_accounts();
CREATE TRIGGER junkan_account_version_update AFTER UPDATE ON accounts_account
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_account_version_bump_accounts();
CREATE TRIGGER junkan_account_version_delete AFTER DELETE ON accounts_account
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_account_version_bump_accounts();
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER junkan_account_version_insert;
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER junkan_account_version_update;
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER junkan_account_version_delete;

SELECT junkan_account_version_watch('accounts_contract');
"""

DROP = """
SELECT junkan_account_version_unwatch('accounts_contract');
SELECT junkan_account_version_unwatch('accounts_account');
DROP FUNCTION IF EXISTS junkan_account_version_bump_accounts();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
        ("accounts", "0026_search_by_similarity_read"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
