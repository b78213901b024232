"""`junkan_account_health` writes JSON text instead of jsonb (issue #16).

Building jsonb converts every number to a numeric and every value into jsonb's tree: the
chart's three lists of 90 days (`jsonb_agg`) and the latest score's row with its version's
definition (`to_jsonb`) were most of the call's time with the pages in PostgreSQL's buffers.
`json` writes each value's text as it goes, and the page parses the same JSON (psycopg2 parses
json columns itself, as Django has it hand jsonb over as text): the same values, keys in the
columns' order. A function's result type cannot be replaced: it is dropped and made again,
with its generic plan (healthscore 0032).
"""

from importlib import import_module

from django.db import migrations

FUNCTION = """
CREATE FUNCTION junkan_account_health(
    p_tenant bigint, p_account bigint, p_days integer, p_compare integer, p_alerts integer,
    p_surveys integer
)
RETURNS TABLE (
    r_latest json, r_now json, r_before json, r_history json, r_alerts json, r_surveys json
)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
    v_day date;
    v_version bigint;
BEGIN
    -- The latest score with its version and scorecard (healthscore.selectors.scores._SCORE_SQL).
    SELECT to_json(x), x.day, x.version_id INTO r_latest, v_day, v_version FROM (
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
        SELECT json_build_object(
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
        SELECT json_build_object(
            'day', json_agg(d.day ORDER BY d.day),
            'score', json_agg(d.score ORDER BY d.day),
            'version', json_agg(d.version_id ORDER BY d.day),
            'versions', (
                SELECT json_object_agg(v.id, json_build_array(v.number, v.scorecard_id))
                FROM healthscore_scorecardversion v
                WHERE v.tenant_id = p_tenant AND v.id IN (SELECT version_id FROM d)
            )
        ) INTO r_history FROM d HAVING count(*) > 0;
    END IF;
    SELECT to_json(n) INTO r_now FROM healthscore_healthscorenow n
    WHERE n.tenant_id = p_tenant AND n.account_id = p_account LIMIT 1;
    SELECT json_agg(to_json(a) ORDER BY a.opened_on DESC, a.id DESC) INTO r_alerts FROM (
        SELECT * FROM healthscore_healthalert
        WHERE tenant_id = p_tenant AND account_id = p_account AND resolved_on IS NULL
        ORDER BY opened_on DESC, id DESC LIMIT p_alerts
    ) a;
    SELECT json_agg(x.answer ORDER BY x.responded_on DESC, x.id DESC) INTO r_surveys FROM (
        SELECT json_build_object('r', to_json(r), 'c', to_json(c)) AS answer,
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
PREVIOUS = import_module("healthscore.migrations.0036_account_health_earlier_score").FUNCTION


class Migration(migrations.Migration):
    dependencies = [("healthscore", "0036_account_health_earlier_score")]

    operations = [
        migrations.RunSQL(
            f"DROP FUNCTION {SIGNATURE};" + FUNCTION,
            f"DROP FUNCTION {SIGNATURE};" + PREVIOUS,
        )
    ]
