"""`junkan_account_search_by_name(tenant, q, pattern, limit)`: the first page of the account
list searched for `q` in name order (`accounts.selectors.search._by_name`), as one call
(issue #16).

A first-time search sent its seek as a statement: PostgreSQL planned it on every view, and
the search text's grams (`accounts_query_trigrams`, `accounts_trgm_grams`, the prefix range:
IMMUTABLE SQL functions) were inlined and folded at each of their places in the plan. The
planning was most of the statement (server CPU per call at 100,000 accounts, the bench's
stems: 2 characters 2.3 ms, 3 characters 3.6 ms, 4 or more 4.3 ms, of which planning 1.0-3.7).
Here the grams are computed once into variables and each query's plan is kept per connection,
a generic plan (`plan_cache_mode`): the same queries as `_by_name` writes for a first page by
name, with the function calls as variables (2 characters 1.9 ms, 3 characters 1.1 ms, 4 or
more 1.3-2.0 ms). It runs as the caller (SECURITY INVOKER): row-level security holds inside it
as outside; every table is read with the tenant given.

NOTE: `_by_name` writes the same queries for the other pages (after a cursor, or going
back): a change to one is a change to both (tests/accounts/test_search_pages.py compares
every page with the list's query over the accounts).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_account_search_by_name(
    p_tenant bigint, p_q text, p_pattern text, p_limit integer
)
RETURNS TABLE (r_name text, r_id bigint)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    v_low bigint;
    v_high bigint;
    v_grams bigint[];
    v_trgm bigint[];
BEGIN
    IF length(p_q) < 3 THEN
        -- The distinct grams in the prefix range, each one's first names after none.
        v_low := accounts_query_prefix_low(p_q);
        v_high := accounts_query_prefix_high(p_q);
        RETURN QUERY
        WITH RECURSIVE grams_of(gram) AS (SELECT (SELECT min(gram) FROM
            accounts_accountnamegram WHERE tenant_id = p_tenant AND gram BETWEEN v_low AND
            v_high) UNION ALL SELECT (SELECT min(g.gram) FROM accounts_accountnamegram AS g
            WHERE g.tenant_id = p_tenant AND g.gram > grams_of.gram AND g.gram <= v_high)
            FROM grams_of WHERE grams_of.gram IS NOT NULL) SELECT name::text, id FROM
            (SELECT s.name, s.id FROM grams_of CROSS JOIN LATERAL (SELECT g.name,
            g.account_id AS id FROM accounts_accountnamegram AS g WHERE g.tenant_id =
            p_tenant AND g.gram = grams_of.gram AND g.name_trigrams = 0 ORDER BY g.name,
            g.account_id LIMIT p_limit) AS s UNION ALL SELECT name, id FROM accounts_account
            WHERE tenant_id = p_tenant AND external_id = p_q) AS m GROUP BY name, id ORDER
            BY name, id LIMIT p_limit;
        RETURN;
    END IF;
    -- 3 characters: the one trigram of q; more: its rarest trigram, its names ILIKE q.
    v_trgm := accounts_trgm_grams(p_q);
    IF length(p_q) = 3 THEN
        v_grams := accounts_query_trigrams(p_q);
    ELSE
        v_grams := ARRAY(
            SELECT u.gram FROM unnest(accounts_query_trigrams(p_q)) AS u(gram)
            ORDER BY (SELECT count(*) FROM (SELECT FROM accounts_accountnamegram AS c
                      WHERE c.tenant_id = p_tenant AND c.gram = u.gram LIMIT 2000) AS capped),
                u.gram
            LIMIT 1);
    END IF;
    RETURN QUERY
        WITH RECURSIVE grams_of(gram) AS (SELECT unnest(v_grams)), qg(gram) AS (SELECT
            unnest(v_trgm)), ns(gram, n) AS (SELECT qg.gram, (SELECT min(g.name_trigrams)
            FROM accounts_accountnamegram AS g WHERE g.tenant_id = p_tenant AND g.gram =
            qg.gram) FROM qg UNION ALL SELECT ns.gram, (SELECT min(g.name_trigrams) FROM
            accounts_accountnamegram AS g WHERE g.tenant_id = p_tenant AND g.gram = ns.gram
            AND g.name_trigrams > ns.n) FROM ns WHERE ns.n IS NOT NULL), k AS (SELECT
            cardinality(v_trgm) AS qn,
            coalesce(current_setting('pg_trgm.similarity_threshold', true)::float8,
            show_limit()) AS t, (SELECT id FROM accounts_account WHERE tenant_id = p_tenant
            AND external_id = p_q) AS ext), b AS MATERIALIZED (SELECT s.n, s.grams, s.c,
            k.qn, k.t, k.ext, (s.c::real / (k.qn + s.n - s.c)::real)::float8 AS u, (1::real
            / (k.qn + s.n - 1)::real)::float8 AS l FROM (SELECT n, array_agg(gram) AS grams,
            count(*)::int AS c FROM ns WHERE n IS NOT NULL GROUP BY n) AS s CROSS JOIN k)
            SELECT name::text, id FROM (SELECT s.name, s.id FROM grams_of CROSS JOIN LATERAL
            (SELECT g.name, g.account_id AS id FROM accounts_accountnamegram AS g WHERE
            g.tenant_id = p_tenant AND g.gram = grams_of.gram AND g.name_trigrams = 0 AND
            (length(p_q) = 3 OR g.name ILIKE p_pattern) ORDER BY g.name, g.account_id LIMIT
            p_limit) AS s UNION ALL SELECT name, id FROM accounts_account WHERE tenant_id =
            p_tenant AND external_id = p_q UNION ALL SELECT max(g.name) AS name,
            g.account_id AS id FROM accounts_accountnamegram AS g WHERE g.tenant_id =
            p_tenant AND g.gram = ANY(v_trgm) AND g.name_trigrams = ANY(ARRAY(SELECT b.n
            FROM b WHERE b.u >= b.t)) GROUP BY g.account_id HAVING count(*) >= show_limit()
            * (cardinality(v_trgm) + max(g.name_trigrams)) / (1 + show_limit()) - 0.001 AND
            max(g.name) % p_q) AS m GROUP BY name, id ORDER BY name, id LIMIT p_limit;
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS junkan_account_search_by_name(bigint, text, text, integer);"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0024_account_page_read"),
    ]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
