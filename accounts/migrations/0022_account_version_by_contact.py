"""A table whose rows name a contact, not an account (a champion's award, a user group's
member: Account 360's relationship map), moves the version of the contact's account
(cs_platform 0012): `junkan_account_version_watch_contacts(table)`, for the apps that own
such tables.

The account is read from the contact when the statement's trigger runs; a contact already
gone (deleted in the same statement's cascade) moved its account's version by its own
deletion (0021)."""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION junkan_account_version_bump_contacts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT DISTINCT c.tenant_id, c.account_id FROM accounts_contact c
        WHERE c.id IN (SELECT contact_id FROM new_rows) AND c.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT DISTINCT c.tenant_id, c.account_id FROM accounts_contact c
        WHERE c.id IN (SELECT contact_id FROM old_rows) AND c.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    ELSE
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT DISTINCT c.tenant_id, c.account_id FROM accounts_contact c
        WHERE c.id IN (SELECT contact_id FROM old_rows UNION SELECT contact_id FROM new_rows)
        AND c.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    END IF;
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_account_version_watch_contacts(tbl regclass)
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM junkan_account_version_unwatch(tbl);
    EXECUTE format('CREATE TRIGGER junkan_account_version_insert AFTER INSERT ON %s'
        ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT'
        ' EXECUTE FUNCTION junkan_account_version_bump_contacts()', tbl);
    EXECUTE format('CREATE TRIGGER junkan_account_version_update AFTER UPDATE ON %s'
        ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT'
        ' EXECUTE FUNCTION junkan_account_version_bump_contacts()', tbl);
    EXECUTE format('CREATE TRIGGER junkan_account_version_delete AFTER DELETE ON %s'
        ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT'
        ' EXECUTE FUNCTION junkan_account_version_bump_contacts()', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_account_version_insert', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_account_version_update', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_account_version_delete', tbl);
END
$fn$;
"""

DROP = """
DROP FUNCTION IF EXISTS junkan_account_version_watch_contacts(regclass);
DROP FUNCTION IF EXISTS junkan_account_version_bump_contacts();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0021_watch_contacts_account_version"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
