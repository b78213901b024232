"""Account 360's journey map, timeline and tasks key by their account's version
(`cs_platform.datacache.account_version`, cs_platform 0012) in place of the tenant's work
version: a write to one account's tasks, steps, map or timeline moves that account's version
only; a journey template (offered on every account without a map) moves every account's. The
work version's triggers (0015) stay: My Work keys by it.

A step has no account column: its milestone's (denormalised from the map) is the account, read
when the statement's trigger runs (Django deletes a map's steps before its milestones)."""

from django.db import migrations

ACCOUNT_TABLES = ["journeys_task", "journeys_journeymap", "journeys_activity"]

STEPS = """
CREATE OR REPLACE FUNCTION junkan_account_version_bump_steps() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT DISTINCT m.tenant_id, m.account_id FROM journeys_milestone m
        WHERE m.id IN (SELECT milestone_id FROM new_rows) AND m.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT DISTINCT m.tenant_id, m.account_id FROM journeys_milestone m
        WHERE m.id IN (SELECT milestone_id FROM old_rows) AND m.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    ELSE
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT DISTINCT m.tenant_id, m.account_id FROM journeys_milestone m
        WHERE m.id IN (SELECT milestone_id FROM old_rows UNION SELECT milestone_id FROM new_rows)
        AND m.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    END IF;
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;

DROP TRIGGER IF EXISTS junkan_account_version_insert ON journeys_actionstep;
DROP TRIGGER IF EXISTS junkan_account_version_update ON journeys_actionstep;
DROP TRIGGER IF EXISTS junkan_account_version_delete ON journeys_actionstep;
CREATE TRIGGER junkan_account_version_insert AFTER INSERT ON journeys_actionstep
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_account_version_bump_steps();
CREATE TRIGGER junkan_account_version_update AFTER UPDATE ON journeys_actionstep
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_account_version_bump_steps();
CREATE TRIGGER junkan_account_version_delete AFTER DELETE ON journeys_actionstep
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_account_version_bump_steps();
ALTER TABLE journeys_actionstep ENABLE ALWAYS TRIGGER junkan_account_version_insert;
ALTER TABLE journeys_actionstep ENABLE ALWAYS TRIGGER junkan_account_version_update;
ALTER TABLE journeys_actionstep ENABLE ALWAYS TRIGGER junkan_account_version_delete;
"""

WATCH = (
    "".join(f"SELECT junkan_account_version_watch('{t}');\n" for t in ACCOUNT_TABLES)
    + "SELECT junkan_account_version_watch('journeys_journeytemplate', true);\n"
    + STEPS
)
UNWATCH = (
    "".join(
        f"SELECT junkan_account_version_unwatch('{t}');\n"
        for t in [*ACCOUNT_TABLES, "journeys_journeytemplate", "journeys_actionstep"]
    )
    + "DROP FUNCTION IF EXISTS junkan_account_version_bump_steps();\n"
)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
        ("journeys", "0015_watch_work"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
