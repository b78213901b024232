"""WorkVersion: a third version channel, raised by the rows Account 360's journeys panels show
beside what the data version watches, and read only by their cache
(`cs_platform.datacache.work_version`).

Same mechanism as the data version (0007, 0008) and the touch version (0010): each write
statement to a watched table inserts a bump row for the tenants whose counter row exists; the
version is the counter plus the bumps, and compaction folds them.

- `junkan_work_version_watch(table)` attaches the triggers to a table with a `tenant_id`: the
  apps' migrations call it (journeys 0015: tasks, action steps, journey maps and templates, the
  timeline; accounts 0016: contacts). Memberships are watched here: who joins or leaves a
  tenant changes its staff lists.
- A user has no tenant: renaming one, or changing their e-mail (what pages show of a member),
  raises the work version of every tenant they are a member of (`junkan_work_version_user`).
  A user may rename themselves with no tenant in scope, so that trigger inserts its bumps
  past row-level security (`app.bypass_rls` for the one statement, then as it was).
"""

import django.db.models.deletion
from django.db import migrations, models

FUNCTIONS = """
CREATE OR REPLACE FUNCTION junkan_work_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $fn$
-- As junkan_data_version_bump (0008), on the work channel; past row-level security for its
-- own statements (a membership may be written with another tenant, or none, in scope), then
-- as it was.
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO cs_platform_workversionbump (tenant_id)
        SELECT tenant_id FROM cs_platform_workversion
        WHERE tenant_id IN (SELECT DISTINCT tenant_id FROM old_rows);
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cs_platform_workversionbump (tenant_id)
        SELECT tenant_id FROM cs_platform_workversion
        WHERE tenant_id IN (SELECT DISTINCT tenant_id FROM new_rows);
    END IF;
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_work_version_unwatch(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS junkan_work_version_insert ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS junkan_work_version_update ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS junkan_work_version_delete ON %s', tbl);
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_work_version_watch(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM junkan_work_version_unwatch(tbl);
    EXECUTE format('CREATE TRIGGER junkan_work_version_insert AFTER INSERT ON %s'
        ' REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT'
        ' EXECUTE FUNCTION junkan_work_version_bump()', tbl);
    EXECUTE format('CREATE TRIGGER junkan_work_version_update AFTER UPDATE ON %s'
        ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT'
        ' EXECUTE FUNCTION junkan_work_version_bump()', tbl);
    EXECUTE format('CREATE TRIGGER junkan_work_version_delete AFTER DELETE ON %s'
        ' REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT'
        ' EXECUTE FUNCTION junkan_work_version_bump()', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_work_version_insert', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_work_version_update', tbl);
    EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER junkan_work_version_delete', tbl);
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_work_version_user() RETURNS trigger
LANGUAGE plpgsql AS $fn$
-- A member renamed (or their e-mail changed): each tenant they belong to. Past row-level
-- security for this statement only: the tenant in scope, if any, is one of many.
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    INSERT INTO cs_platform_workversionbump (tenant_id)
    SELECT v.tenant_id FROM cs_platform_workversion v
    WHERE v.tenant_id IN (
        SELECT m.tenant_id FROM cs_platform_membership m
        JOIN old_rows o ON o.id = m.user_id JOIN new_rows n ON n.id = o.id
        WHERE o.full_name IS DISTINCT FROM n.full_name OR o.email IS DISTINCT FROM n.email);
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;

SELECT junkan_work_version_watch('cs_platform_membership');
CREATE TRIGGER junkan_work_version_user AFTER UPDATE ON cs_platform_user
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_work_version_user();
ALTER TABLE cs_platform_user ENABLE ALWAYS TRIGGER junkan_work_version_user;
"""

DROP = """
DROP TRIGGER IF EXISTS junkan_work_version_user ON cs_platform_user;
SELECT junkan_work_version_unwatch('cs_platform_membership');
DROP FUNCTION IF EXISTS junkan_work_version_user();
DROP FUNCTION IF EXISTS junkan_work_version_watch(regclass);
DROP FUNCTION IF EXISTS junkan_work_version_unwatch(regclass);
DROP FUNCTION IF EXISTS junkan_work_version_bump();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0010_touch_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkVersionBump",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
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
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="WorkVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
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
                    models.UniqueConstraint(fields=("tenant",), name="workversion_one_per_tenant")
                ],
            },
        ),
        migrations.RunSQL(FUNCTIONS, DROP),
    ]
