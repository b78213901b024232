"""`junkan_account_health` sends only what the page reads of the earlier score (issue #16).

The score the explanation compares with came as a whole row with its version's definition and
scorecard (~3 KB of JSON parsed and made into three instances per first view), though the
explanation reads only its day, score and components, and its version's definition only when
that is not the latest score's version (whose definition the page has). The chart's band
column, which no panel reads, is dropped. The function keeps its generic plan (healthscore
0032): `CREATE OR REPLACE` sets its configuration anew, so the setting is part of the
definition.
"""

from importlib import import_module

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_account_health(
    p_tenant bigint, p_account bigint, p_days integer, p_compare integer, p_alerts integer,
    p_surveys integer
)
RETURNS TABLE (
    r_latest jsonb, r_now jsonb, r_before jsonb, r_history jsonb, r_alerts jsonb,
    r_surveys jsonb
)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
    v_day date;
    v_version bigint;
BEGIN
    -- The latest score with its version and scorecard (healthscore.selectors.scores._SCORE_SQL).
    SELECT to_jsonb(x), x.day, x.version_id INTO r_latest, v_day, v_version FROM (
        SELECT s.*, v.id AS version__id, v.tenant_id AS version__tenant_id,
               v.scorecard_id AS version__scorecard_id, v.number AS version__number,
               v.definition AS version__definition, v.published_at AS version__published_at,
               v.published_by_id AS version__published_by_id, c.id AS scorecard__id,
               c.tenant_id AS scorecard__tenant_id, c.name AS scorecard__name
        FROM healthscore_healthscore s
        JOIN healthscore_scorecardversion v ON v.id = s.version_id
        JOIN healthscore_scorecard c ON c.id = v.scorecard_id
        WHERE s.tenant_id = p_tenant AND s.account_id = p_account
        ORDER BY s.day DESC LIMIT 1
    ) x;
    IF v_day IS NOT NULL THEN
        -- The score the explanation compares with: on or before p_compare days earlier;
        -- only what the explanation reads of it (its version's definition only when the
        -- latest score's version is another: the page has that one already).
        SELECT jsonb_build_object(
            'day', s.day, 'score', s.score, 'components', s.components,
            'version_id', s.version_id,
            'version__definition', CASE WHEN s.version_id <> v_version THEN (
                SELECT v.definition FROM healthscore_scorecardversion v
                WHERE v.tenant_id = p_tenant AND v.id = s.version_id
            ) END
        ) INTO r_before
        FROM healthscore_healthscore s
        WHERE s.tenant_id = p_tenant AND s.account_id = p_account
          AND s.day <= v_day - p_compare
        ORDER BY s.day DESC LIMIT 1;
        -- The chart: the last p_days days of scores up to the latest, oldest first, as one
        -- list per column (day, score, version) and the versions they name (their number
        -- and scorecard).
        WITH d AS MATERIALIZED (
            SELECT s.day, s.score, s.version_id FROM healthscore_healthscore s
            WHERE s.tenant_id = p_tenant AND s.account_id = p_account
              AND s.day > v_day - p_days AND s.day <= v_day
        )
        SELECT jsonb_build_object(
            'day', jsonb_agg(d.day ORDER BY d.day),
            'score', jsonb_agg(d.score ORDER BY d.day),
            'version', jsonb_agg(d.version_id ORDER BY d.day),
            'versions', (
                SELECT jsonb_object_agg(v.id, jsonb_build_array(v.number, v.scorecard_id))
                FROM healthscore_scorecardversion v
                WHERE v.tenant_id = p_tenant AND v.id IN (SELECT version_id FROM d)
            )
        ) INTO r_history FROM d HAVING count(*) > 0;
    END IF;
    SELECT to_jsonb(n) INTO r_now FROM healthscore_healthscorenow n
    WHERE n.tenant_id = p_tenant AND n.account_id = p_account LIMIT 1;
    SELECT jsonb_agg(to_jsonb(a) ORDER BY a.opened_on DESC, a.id DESC) INTO r_alerts FROM (
        SELECT * FROM healthscore_healthalert
        WHERE tenant_id = p_tenant AND account_id = p_account AND resolved_on IS NULL
        ORDER BY opened_on DESC, id DESC LIMIT p_alerts
    ) a;
    SELECT jsonb_agg(x.answer ORDER BY x.responded_on DESC, x.id DESC) INTO r_surveys FROM (
        SELECT jsonb_build_object('r', to_jsonb(r), 'c', to_jsonb(c)) AS answer,
               r.responded_on, r.id
        FROM healthscore_surveyresponse r
        LEFT JOIN accounts_contact c ON c.id = r.contact_id AND c.tenant_id = p_tenant
        WHERE r.tenant_id = p_tenant AND r.account_id = p_account
        ORDER BY r.responded_on DESC, r.id DESC LIMIT p_surveys
    ) x;
    RETURN NEXT;
END
$fn$;
"""

SIGNATURE = "junkan_account_health(bigint, bigint, integer, integer, integer, integer)"
PREVIOUS = import_module("healthscore.migrations.0034_account_health_chart_columns").FUNCTION


class Migration(migrations.Migration):
    dependencies = [("healthscore", "0035_watch_score_version")]

    operations = [
        migrations.RunSQL(
            FUNCTION,
            PREVIOUS + f"ALTER FUNCTION {SIGNATURE} SET plan_cache_mode = force_generic_plan;",
        )
    ]
