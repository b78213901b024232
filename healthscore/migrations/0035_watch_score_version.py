"""The account's scores and alerts move its score version (cs_platform 0015), no longer its
version: only the Account 360 parts that show them (the health header, the health panel, the
journey map's milestone verdicts) key by it, so the nightly recompute and an event batch's
rescoring keep every other part of the account's page (its tasks, timeline, phase, side
panels and the account's own read).

The nightly scores, the intra-day scores and the alerts: one score bump per account a
statement writes. The tenant's latest scored day (a milestone is judged by the account's
score of that day) moves every account's score version (its row 0), by the rules of 0031.
The data version's triggers and the account version's on the scorecards, their versions and
the health settings stay (every part of every account's page computes again after those)."""

from django.db import migrations

SCORES = ["healthscore_healthscore", "healthscore_healthalert", "healthscore_healthscorenow"]

LATEST_DAY = """
CREATE OR REPLACE FUNCTION junkan_latest_day_bump() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    bypass text := current_setting('app.bypass_rls', true);
BEGIN
    PERFORM set_config('app.bypass_rls', 'on', true);
    IF TG_OP = 'INSERT' THEN
        -- A day no row of the tenant outside this statement reaches: the latest day rose.
        INSERT INTO {bumps} (tenant_id, account_id)
        SELECT n.tenant_id, 0
        FROM (SELECT tenant_id, max(day) AS day FROM new_rows GROUP BY tenant_id) n
        WHERE n.tenant_id IN (SELECT tenant_id FROM {counters} WHERE account_id = 0)
        AND NOT EXISTS (
            SELECT 1 FROM healthscore_healthscore h
            WHERE h.tenant_id = n.tenant_id AND h.day >= n.day
            AND h.id NOT IN (SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        -- No row left on or after the latest day a row left: the latest day fell.
        INSERT INTO {bumps} (tenant_id, account_id)
        SELECT o.tenant_id, 0
        FROM (SELECT tenant_id, max(day) AS day FROM old_rows GROUP BY tenant_id) o
        WHERE o.tenant_id IN (SELECT tenant_id FROM {counters} WHERE account_id = 0)
        AND NOT EXISTS (
            SELECT 1 FROM healthscore_healthscore h
            WHERE h.tenant_id = o.tenant_id AND h.day >= o.day);
    ELSE
        -- A rescore keeps its day (the recompute's upsert); a row moved to another day
        -- (rare) moves every account's score version, whether or not the latest day moved.
        INSERT INTO {bumps} (tenant_id, account_id)
        SELECT DISTINCT n.tenant_id, 0 FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.day IS DISTINCT FROM o.day
        AND n.tenant_id IN (SELECT tenant_id FROM {counters} WHERE account_id = 0);
    END IF;
    PERFORM set_config('app.bypass_rls', coalesce(bypass, ''), true);
    RETURN NULL;
END
$fn$;
"""

WATCH = (
    "".join(
        f"SELECT junkan_account_version_unwatch('{t}');\n"
        f"SELECT junkan_account_score_watch('{t}');\n"
        for t in SCORES
    )
    + LATEST_DAY.format(
        bumps="cs_platform_accountscoreversionbump", counters="cs_platform_accountscoreversion"
    )
)
UNWATCH = (
    "".join(
        f"SELECT junkan_account_score_unwatch('{t}');\n"
        f"SELECT junkan_account_version_watch('{t}');\n"
        for t in SCORES
    )
    + LATEST_DAY.format(
        bumps="cs_platform_accountversionbump", counters="cs_platform_accountversion"
    )
)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0015_account_score_version"),
        ("healthscore", "0034_account_health_chart_columns"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
