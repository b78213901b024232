"""`junkan_account_health(tenant, account, days, compare, alerts, surveys)`: what Account 360's health
panels read on a first view (`healthscore.selectors.account_page`), in one call (issue #16).

The header's latest and intra-day scores, the panel's score of 30 days before it, its chart's
`days` of scores up to the latest, its open alerts and the surveys panel's answers were five
statements on row-level-secured tables, each parsed, rewritten with the policy and planned on
every first view (~1 ms each at 100,000 accounts); a PL/pgSQL function keeps its plans per
connection. Each part is `to_jsonb` of its rows (`cs_platform.leanread.lean_json_model`), so a
new column needs no new function. It runs as the caller (SECURITY INVOKER): row-level security
holds inside it as outside, and nothing is kept across calls.
"""

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
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    v_day date;
BEGIN
    -- The latest score with its version and scorecard (healthscore.selectors.scores._SCORE_SQL).
    SELECT to_jsonb(x), x.day INTO r_latest, v_day FROM (
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
        -- The score the explanation compares with: on or before p_compare days earlier.
        SELECT to_jsonb(x) INTO r_before FROM (
            SELECT s.*, v.id AS version__id, v.tenant_id AS version__tenant_id,
                   v.scorecard_id AS version__scorecard_id, v.number AS version__number,
                   v.definition AS version__definition,
                   v.published_at AS version__published_at,
                   v.published_by_id AS version__published_by_id, c.id AS scorecard__id,
                   c.tenant_id AS scorecard__tenant_id, c.name AS scorecard__name
            FROM healthscore_healthscore s
            JOIN healthscore_scorecardversion v ON v.id = s.version_id
            JOIN healthscore_scorecard c ON c.id = v.scorecard_id
            WHERE s.tenant_id = p_tenant AND s.account_id = p_account
              AND s.day <= v_day - p_compare
            ORDER BY s.day DESC LIMIT 1
        ) x;
        -- The chart: the last p_days days of scores up to the latest, oldest first.
        SELECT jsonb_agg(to_jsonb(h) ORDER BY h.day) INTO r_history FROM (
            SELECT s.day, s.score, s.band, s.version_id, v.number AS version__number,
                   v.scorecard_id AS version__scorecard_id
            FROM healthscore_healthscore s
            JOIN healthscore_scorecardversion v ON v.id = s.version_id
            WHERE s.tenant_id = p_tenant AND s.account_id = p_account
              AND s.day > v_day - p_days AND s.day <= v_day
        ) h;
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

DROP = """
DROP FUNCTION IF EXISTS junkan_account_health(bigint, bigint, integer, integer, integer, integer);
"""


class Migration(migrations.Migration):
    dependencies = [("healthscore", "0029_list_scores_read"), ("accounts", "0023_list_page_reads")]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
