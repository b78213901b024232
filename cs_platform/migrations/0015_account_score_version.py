"""AccountScoreVersion: a second version per account, moved only by its scores and alerts,
read by the Account 360 parts that show them (`cs_platform.datacache.account_score_version`,
issue #16).

The nightly recompute writes every account's score (and, when the tenant's latest scored day
moves, what every account's milestones are judged by): under the account's version alone
(0012) each account's next view rebuilt every panel, its tasks, timeline and side panels
too. The score tables now move this channel instead (healthscore 0035), and only the health
header, the health panel and the journey map key by it, beside the account's version.

- `junkan_account_score_watch(table)`: a table with `tenant_id` and `account_id`, one bump
  per account a statement writes (an UPDATE: per account before and after), as
  `junkan_account_version_watch`; its triggers are named apart, so a table may be watched by
  both channels.
- Row 0 (`EVERY_ACCOUNT`): the tenant's latest scored day moved (healthscore 0035).

Bumps are added only for a tenant whose row 0 exists (made on the first read), as the account
channel's. `junkan_versions` returns the account's score version after its version.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

FUNCTIONS = """
CREATE OR REPLACE FUNCTION junkan_account_score_bump() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cs_platform_accountscoreversionbump (tenant_id, account_id)
        SELECT DISTINCT r.tenant_id, r.account_id FROM new_rows r
        WHERE r.account_id IS NOT NULL AND r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountscoreversion WHERE account_id = 0);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO cs_platform_accountscoreversionbump (tenant_id, account_id)
        SELECT DISTINCT r.tenant_id, r.account_id FROM old_rows r
        WHERE r.account_id IS NOT NULL AND r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountscoreversion WHERE account_id = 0);
    ELSE
        INSERT INTO cs_platform_accountscoreversionbump (tenant_id, account_id)
        SELECT r.tenant_id, r.account_id
        FROM (SELECT tenant_id, account_id FROM old_rows
              UNION SELECT tenant_id, account_id FROM new_rows) r
        WHERE r.account_id IS NOT NULL AND r.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountscoreversion WHERE account_id = 0);
    END IF;
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_account_score_unwatch(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS junkan_account_score_insert ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS junkan_account_score_update ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS junkan_account_score_delete ON %s', tbl);
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_account_score_watch(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM junkan_account_score_unwatch(tbl);
    EXECUTE format('CREATE TRIGGER junkan_account_score_insert AFTER INSERT ON %s'
        ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT'
        ' EXECUTE FUNCTION junkan_account_score_bump()', tbl);
    EXECUTE format('CREATE TRIGGER junkan_account_score_update AFTER UPDATE ON %s'
        ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT'
        ' EXECUTE FUNCTION junkan_account_score_bump()', tbl);
    EXECUTE format('CREATE TRIGGER junkan_account_score_delete AFTER DELETE ON %s'
        ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT'
        ' EXECUTE FUNCTION junkan_account_score_bump()', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_account_score_insert', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_account_score_update', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_account_score_delete', tbl);
END
$fn$;

DROP FUNCTION IF EXISTS junkan_versions(bigint, bigint);
CREATE FUNCTION junkan_versions(p_tenant bigint, p_account bigint)
RETURNS TABLE (
    data_version bigint, data_bumps bigint,
    touch_version bigint, touch_bumps bigint,
    work_version bigint, work_bumps bigint,
    every_account_version bigint, account_version bigint, account_bumps bigint,
    every_score_version bigint, score_version bigint, score_bumps bigint
)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN QUERY SELECT
        (SELECT d.version FROM cs_platform_dataversion d WHERE d.tenant_id = p_tenant),
        (SELECT count(*) FROM cs_platform_dataversionbump b WHERE b.tenant_id = p_tenant),
        (SELECT d.version FROM cs_platform_touchversion d WHERE d.tenant_id = p_tenant),
        (SELECT count(*) FROM cs_platform_touchversionbump b WHERE b.tenant_id = p_tenant),
        (SELECT d.version FROM cs_platform_workversion d WHERE d.tenant_id = p_tenant),
        (SELECT count(*) FROM cs_platform_workversionbump b WHERE b.tenant_id = p_tenant),
        (SELECT a.version FROM cs_platform_accountversion a
         WHERE a.tenant_id = p_tenant AND a.account_id = 0),
        (SELECT a.version FROM cs_platform_accountversion a
         WHERE a.tenant_id = p_tenant AND a.account_id = p_account),
        (SELECT count(*) FROM cs_platform_accountversionbump b
         WHERE b.tenant_id = p_tenant AND b.account_id IN (0, p_account)),
        (SELECT s.version FROM cs_platform_accountscoreversion s
         WHERE s.tenant_id = p_tenant AND s.account_id = 0),
        (SELECT s.version FROM cs_platform_accountscoreversion s
         WHERE s.tenant_id = p_tenant AND s.account_id = p_account),
        (SELECT count(*) FROM cs_platform_accountscoreversionbump b
         WHERE b.tenant_id = p_tenant AND b.account_id IN (0, p_account));
END
$fn$;
"""

DROP = (
    """
DROP FUNCTION IF EXISTS junkan_versions(bigint, bigint);
DROP FUNCTION IF EXISTS junkan_account_score_watch(regclass);
DROP FUNCTION IF EXISTS junkan_account_score_unwatch(regclass);
DROP FUNCTION IF EXISTS junkan_account_score_bump();
"""
    + importlib.import_module("cs_platform.migrations.0013_versions_read").FUNCTION
)


class Migration(migrations.Migration):

    dependencies = [
        ('cs_platform', '0014_signed_in_user_read'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccountScoreVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('account_id', models.BigIntegerField()),
                ('version', models.BigIntegerField(default=0)),
                ('tenant', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cs_platform.tenant')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('tenant', 'account_id'), name='accountscoreversion_one_per_account')],
            },
        ),
        migrations.CreateModel(
            name='AccountScoreVersionBump',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('account_id', models.BigIntegerField()),
                ('tenant', models.ForeignKey(db_constraint=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cs_platform.tenant')),
            ],
            options={
                'indexes': [models.Index(fields=['tenant', 'account_id'], name='accountscoreversionbump_acct')],
            },
        ),
        migrations.RunSQL(FUNCTIONS, DROP),
    ]
