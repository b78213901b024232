"""AccountVersion: a version per account, raised by the rows Account 360's journeys panels show
of that account, and by what every account's page shows (`account_id` 0), read by those panels
in place of the tenant's work version (`cs_platform.datacache.account_version`, issue #16).

The work channel (0011) stays as it is (My Work keys by it); the same tables now also bump the
account channel: a ticked task or a timeline entry moves its account's version only, so the
other accounts' kept panels stay.

- `junkan_account_version_watch(table)`: a table with `tenant_id` and `account_id` (journeys
  0016: tasks, journey maps, the timeline; accounts 0021: contacts). Each statement inserts one
  bump per account it wrote (an UPDATE: per account before and after).
- `junkan_account_version_watch(table, true)`: every account's (0): memberships here,
  journey templates in journeys 0016.
- A member renamed (or their e-mail changed): every account of each tenant they belong to.

Bumps are added only for a tenant whose row 0 exists (made on the first read), so a tenant's
deletion, which deletes the counters before most tables, leaves none behind it. As the other
channels' triggers, past row-level security for their own statement (a membership may be
written with another tenant, or none, in scope), then as it was.
"""

import django.db.models.deletion
from django.db import migrations, models

FUNCTIONS = """
CREATE OR REPLACE FUNCTION junkan_account_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT DISTINCT r.tenant_id, r.account_id FROM new_rows r
        WHERE r.account_id IS NOT NULL AND r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT DISTINCT r.tenant_id, r.account_id FROM old_rows r
        WHERE r.account_id IS NOT NULL AND r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    ELSE
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT r.tenant_id, r.account_id
        FROM (SELECT tenant_id, account_id FROM old_rows
              UNION SELECT tenant_id, account_id FROM new_rows) r
        WHERE r.account_id IS NOT NULL AND r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    END IF;
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_account_version_bump_every() RETURNS trigger
LANGUAGE plpgsql AS $fn$
-- A table whose rows every account's page shows: the tenant's row 0.
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT tenant_id, 0 FROM cs_platform_accountversion
        WHERE account_id = 0 AND tenant_id IN (SELECT DISTINCT tenant_id FROM old_rows);
    ELSE
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT tenant_id, 0 FROM cs_platform_accountversion
        WHERE account_id = 0 AND tenant_id IN (SELECT DISTINCT tenant_id FROM new_rows);
    END IF;
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_account_version_unwatch(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS junkan_account_version_insert ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS junkan_account_version_update ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS junkan_account_version_delete ON %s', tbl);
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_account_version_watch(tbl regclass, every boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    fn text := CASE WHEN every THEN 'junkan_account_version_bump_every'
                    ELSE 'junkan_account_version_bump' END;
BEGIN
    PERFORM junkan_account_version_unwatch(tbl);
    EXECUTE format('CREATE TRIGGER junkan_account_version_insert AFTER INSERT ON %s'
        ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %s()', tbl, fn);
    EXECUTE format('CREATE TRIGGER junkan_account_version_update AFTER UPDATE ON %s'
        ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT'
        ' EXECUTE FUNCTION %s()', tbl, fn);
    EXECUTE format('CREATE TRIGGER junkan_account_version_delete AFTER DELETE ON %s'
        ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION %s()', tbl, fn);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_account_version_insert', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_account_version_update', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_account_version_delete', tbl);
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_account_version_user() RETURNS trigger
LANGUAGE plpgsql AS $fn$
-- A member renamed (or their e-mail changed): every account of each tenant they belong to.
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
    SELECT v.tenant_id, 0 FROM cs_platform_accountversion v
    WHERE v.account_id = 0 AND v.tenant_id IN (
        SELECT m.tenant_id FROM cs_platform_membership m
        JOIN old_rows o ON o.id = m.user_id JOIN new_rows n ON n.id = o.id
        WHERE o.full_name IS DISTINCT FROM n.full_name OR o.email IS DISTINCT FROM n.email);
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;

SELECT junkan_account_version_watch('cs_platform_membership', true);
CREATE TRIGGER junkan_account_version_user AFTER UPDATE ON cs_platform_user
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_account_version_user();
ALTER TABLE cs_platform_user ENABLE ALWAYS TRIGGER junkan_account_version_user;
"""

DROP = """
DROP TRIGGER IF EXISTS junkan_account_version_user ON cs_platform_user;
SELECT junkan_account_version_unwatch('cs_platform_membership');
DROP FUNCTION IF EXISTS junkan_account_version_user();
DROP FUNCTION IF EXISTS junkan_account_version_watch(regclass, boolean);
DROP FUNCTION IF EXISTS junkan_account_version_unwatch(regclass);
DROP FUNCTION IF EXISTS junkan_account_version_bump_every();
DROP FUNCTION IF EXISTS junkan_account_version_bump();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0011_work_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("account_id", models.BigIntegerField()),
                ("version", models.BigIntegerField(default=0)),
                (
                    "tenant",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cs_platform.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "account_id"), name="accountversion_one_per_account"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AccountVersionBump",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("account_id", models.BigIntegerField()),
                (
                    "tenant",
                    models.ForeignKey(
                        db_constraint=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cs_platform.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "account_id"], name="accountversionbump_acct")
                ],
            },
        ),
        migrations.RunSQL(FUNCTIONS, DROP),
    ]
