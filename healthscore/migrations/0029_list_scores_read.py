"""`junkan_list_scores(tenant, accounts)`: the account list's health column for one page
(`healthscore.selectors.pages.list_scores`): each account's latest nightly score and its
intra-day score, in one call (issue #16).

Every view of the list reads them. Sent as a statement (a UNION ALL of two row-level-secured
tables), PostgreSQL parsed, rewrote and planned it on every view (planning 0.26 ms, as long as
running it, at 100,000 accounts); a PL/pgSQL function keeps its plan per connection. It runs
as the caller (SECURITY INVOKER): row-level security holds inside it as outside, and nothing
is kept across calls.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_list_scores(p_tenant bigint, p_accounts bigint[])
RETURNS TABLE (
    r_account bigint, r_intraday boolean, r_day date, r_score double precision,
    r_band varchar, r_computed_at timestamptz
)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN QUERY
    SELECT l.account_id, false, l.day, l.score, l.band, NULL::timestamptz
    FROM healthscore_latestscore l
    WHERE l.tenant_id = p_tenant AND l.account_id = ANY(p_accounts)
    UNION ALL
    SELECT n.account_id, true, n.day, n.score, n.band, n.computed_at
    FROM healthscore_healthscorenow n
    WHERE n.tenant_id = p_tenant AND n.account_id = ANY(p_accounts);
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS junkan_list_scores(bigint, bigint[]);"


class Migration(migrations.Migration):
    dependencies = [("healthscore", "0028_watch_account_version")]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
