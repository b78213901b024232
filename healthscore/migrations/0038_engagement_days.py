"""`junkan_engagement_days(tenant, account, default)`: the days the engagement measure counts
in the scorecard version that scored the account last (`selectors.engagement_window`'s rule),
in SQL, so that a read that needs the window (Account 360's reading panel, content 0010) is
sent with the page's other first-view reads instead of after the health read (issue #16).
The first engagement component's `params.days`, `default` when it has none (or 0), when the
version has no such component or the account no score. It runs as the caller (SECURITY
INVOKER): row-level security holds inside it as outside.
"""

from django.db import migrations

FUNCTION = """
CREATE FUNCTION junkan_engagement_days(p_tenant bigint, p_account bigint, p_default integer)
RETURNS integer
LANGUAGE sql STABLE AS $fn$
    SELECT coalesce((
        SELECT nullif((c.value -> 'params' ->> 'days')::integer, 0)
        FROM (
            SELECT v.definition -> 'components' AS components
            FROM healthscore_healthscore s
            JOIN healthscore_scorecardversion v ON v.id = s.version_id AND v.tenant_id = p_tenant
            WHERE s.tenant_id = p_tenant AND s.account_id = p_account
            ORDER BY s.day DESC LIMIT 1
        ) latest,
        jsonb_array_elements(
            CASE WHEN jsonb_typeof(latest.components) = 'array' THEN latest.components
            ELSE '[]'::jsonb END
        ) WITH ORDINALITY c(value, n)
        WHERE c.value ->> 'measure' = 'engagement'
        ORDER BY c.n LIMIT 1
    ), p_default)
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS junkan_engagement_days(bigint, bigint, integer);"


class Migration(migrations.Migration):
    dependencies = [("healthscore", "0037_account_health_json")]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
