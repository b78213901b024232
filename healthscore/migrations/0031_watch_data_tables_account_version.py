"""Account 360 keys its kept parts by the account's version alone (cs_platform 0012, accounts
0027), not the tenant's data version: the data version's healthscore tables move the account
version too. Per account: the nightly scores (one bump per account a recompute chunk
writes) and the alerts; every account's (row 0): the scorecards, their versions and the
health settings, which every account's health panel shows. The data version's triggers stay.

One read of other accounts' rows is on every account's page: the tenant's latest scored day
(a journey map judges a milestone by the account's score of that day, none when it was not
scored then). `junkan_latest_day_bump` moves every account's version when a statement moves
that day: scores of a day no other row reached, the last rows on or after a day deleted, a
row moved to another day (two chunks of one recompute in two transactions may both bump: one
bump more, never one less)."""

from django.db import migrations

PER_ACCOUNT = ["healthscore_healthscore", "healthscore_healthalert"]
EVERY_ACCOUNT = [
    "healthscore_scorecard",
    "healthscore_scorecardversion",
    "healthscore_healthsettings",
]

LATEST_DAY = """
CREATE OR REPLACE FUNCTION junkan_latest_day_bump() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    IF TG_OP = 'INSERT' THEN
        -- A day no row of the tenant outside this statement reaches: the latest day rose.
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT n.tenant_id, 0
        FROM (SELECT tenant_id, max(day) AS day FROM new_rows GROUP BY tenant_id) n
        WHERE n.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0)
        AND NOT EXISTS (
            SELECT 1 FROM healthscore_healthscore h
            WHERE h.tenant_id = n.tenant_id AND h.day >= n.day
            AND h.id NOT IN (SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        -- No row left on or after the latest day a row left: the latest day fell.
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT o.tenant_id, 0
        FROM (SELECT tenant_id, max(day) AS day FROM old_rows GROUP BY tenant_id) o
        WHERE o.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0)
        AND NOT EXISTS (
            SELECT 1 FROM healthscore_healthscore h
            WHERE h.tenant_id = o.tenant_id AND h.day >= o.day);
    ELSE
        -- A rescore keeps its day (the recompute's upsert); a row moved to another day
        -- (rare) moves every account's version, whether or not the latest day moved.
        INSERT INTO cs_platform_accountversionbump (tenant_id, account_id)
        SELECT DISTINCT n.tenant_id, 0 FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.day IS DISTINCT FROM o.day AND n.tenant_id IN (
            SELECT tenant_id FROM cs_platform_accountversion WHERE account_id = 0);
    END IF;
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;

DROP TRIGGER IF EXISTS junkan_latest_day_insert ON healthscore_healthscore;
DROP TRIGGER IF EXISTS junkan_latest_day_update ON healthscore_healthscore;
DROP TRIGGER IF EXISTS junkan_latest_day_delete ON healthscore_healthscore;
CREATE TRIGGER junkan_latest_day_insert AFTER INSERT ON healthscore_healthscore
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_latest_day_bump();
CREATE TRIGGER junkan_latest_day_update AFTER UPDATE ON healthscore_healthscore
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_latest_day_bump();
CREATE TRIGGER junkan_latest_day_delete AFTER DELETE ON healthscore_healthscore
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION junkan_latest_day_bump();
ALTER TABLE healthscore_healthscore ENABLE ALWAYS TRIGGER junkan_latest_day_insert;
ALTER TABLE healthscore_healthscore ENABLE ALWAYS TRIGGER junkan_latest_day_update;
ALTER TABLE healthscore_healthscore ENABLE ALWAYS TRIGGER junkan_latest_day_delete;
"""

WATCH = (
    "".join(f"SELECT junkan_account_version_watch('{t}');\n" for t in PER_ACCOUNT)
    + "".join(f"SELECT junkan_account_version_watch('{t}', true);\n" for t in EVERY_ACCOUNT)
    + LATEST_DAY
)
UNWATCH = """
DROP TRIGGER IF EXISTS junkan_latest_day_insert ON healthscore_healthscore;
DROP TRIGGER IF EXISTS junkan_latest_day_update ON healthscore_healthscore;
DROP TRIGGER IF EXISTS junkan_latest_day_delete ON healthscore_healthscore;
DROP FUNCTION IF EXISTS junkan_latest_day_bump();
""" + "".join(
    f"SELECT junkan_account_version_unwatch('{t}');\n" for t in [*PER_ACCOUNT, *EVERY_ACCOUNT]
)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
        ("healthscore", "0030_account_health_read"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
