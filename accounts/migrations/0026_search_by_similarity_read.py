"""The first page of the account list searched for `q` by similarity, and the check that
decides whether its matches are walked from the grams (`accounts.selectors.search`:
`_by_similarity`, `_walk_reads_few`), as calls (issue #16): `junkan_account_search_by_similarity`
and `junkan_account_search_walk_few`.

As `junkan_account_search_by_name` (0025): each statement was planned on every first-time
search, with the search text's grams (IMMUTABLE SQL functions) inlined and folded at each of
their places; here they are computed once into variables and each query keeps a generic plan
per connection. The page's matches with grams in common and, when they do not fill it, those
with none (similarity 0) are one call. They run as the caller (SECURITY INVOKER): row-level
security holds inside them as outside; every table is read with the tenant given.

NOTE: `_by_similarity` writes the same queries for the other pages (after a cursor, or going
back): a change to one is a change to both (tests/accounts/test_search_pages.py compares every
page with the list's query over the accounts).
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION junkan_account_search_by_similarity(
    p_tenant bigint, p_q text, p_pattern text, p_limit integer
)
RETURNS TABLE (r_sim double precision, r_name text, r_id bigint)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    v_grams bigint[];
    v_trgm bigint[];
    v_found bigint;
BEGIN
    v_trgm := accounts_trgm_grams(p_q);
    -- The matches with grams in common, bucket by bucket (`_by_similarity`'s `plus`).
    RETURN QUERY
        WITH RECURSIVE qg(gram) AS (SELECT unnest(v_trgm)), ns(gram, n) AS (SELECT qg.gram,
            (SELECT min(g.name_trigrams) FROM accounts_accountnamegram AS g WHERE
            g.tenant_id = p_tenant AND g.gram = qg.gram) FROM qg UNION ALL SELECT ns.gram,
            (SELECT min(g.name_trigrams) FROM accounts_accountnamegram AS g WHERE
            g.tenant_id = p_tenant AND g.gram = ns.gram AND g.name_trigrams > ns.n) FROM ns
            WHERE ns.n IS NOT NULL), k AS (SELECT cardinality(v_trgm) AS qn,
            coalesce(current_setting('pg_trgm.similarity_threshold', true)::float8,
            show_limit()) AS t, (SELECT id FROM accounts_account WHERE tenant_id = p_tenant
            AND external_id = p_q) AS ext), b AS MATERIALIZED (SELECT s.n, s.grams, s.c,
            k.qn, k.t, k.ext, (s.c::real / (k.qn + s.n - s.c)::real)::float8 AS u, (1::real
            / (k.qn + s.n - 1)::real)::float8 AS l FROM (SELECT n, array_agg(gram) AS grams,
            count(*)::int AS c FROM ns WHERE n IS NOT NULL GROUP BY n) AS s CROSS JOIN k),
            mm AS (SELECT CASE WHEN count(*) < p_limit THEN '-Infinity'::float8 ELSE
            min(sim) END AS m FROM (SELECT r.sim FROM (SELECT * FROM b WHERE true ORDER BY
            b.u DESC, b.n) AS b CROSS JOIN LATERAL ((SELECT b.u AS sim, g.name, g.account_id
            AS id FROM accounts_accountnamegram AS g WHERE b.c = 1 AND g.tenant_id =
            p_tenant AND g.gram = b.grams[1] AND g.name_trigrams = b.n AND (b.u >= b.t OR
            g.name ILIKE p_pattern OR g.account_id = b.ext) ORDER BY g.name, g.account_id
            LIMIT p_limit) UNION ALL (SELECT x.sim, x.name, x.id FROM (SELECT
            (count(*)::real / (b.qn + b.n - count(*))::real)::float8 AS sim, g.name,
            g.account_id AS id FROM accounts_accountnamegram AS g WHERE b.c > 1 AND
            g.tenant_id = p_tenant AND g.gram = ANY(b.grams) AND g.name_trigrams = b.n GROUP
            BY g.name, g.account_id) AS x WHERE (x.sim >= b.t OR x.name ILIKE p_pattern OR
            x.id = b.ext) ORDER BY x.sim DESC, x.name, x.id LIMIT p_limit)) AS r LIMIT
            p_limit) AS x), plus AS MATERIALIZED (SELECT r.sim, r.name, r.id FROM b CROSS
            JOIN LATERAL ((SELECT b.u AS sim, g.name, g.account_id AS id FROM
            accounts_accountnamegram AS g WHERE b.c = 1 AND g.tenant_id = p_tenant AND
            g.gram = b.grams[1] AND g.name_trigrams = b.n AND (b.u >= b.t OR g.name ILIKE
            p_pattern OR g.account_id = b.ext) ORDER BY g.name, g.account_id LIMIT p_limit)
            UNION ALL (SELECT x.sim, x.name, x.id FROM (SELECT (count(*)::real / (b.qn + b.n
            - count(*))::real)::float8 AS sim, g.name, g.account_id AS id FROM
            accounts_accountnamegram AS g WHERE b.c > 1 AND g.tenant_id = p_tenant AND
            g.gram = ANY(b.grams) AND g.name_trigrams = b.n GROUP BY g.name, g.account_id)
            AS x WHERE (x.sim >= b.t OR x.name ILIKE p_pattern OR x.id = b.ext) ORDER BY
            x.sim DESC, x.name, x.id LIMIT p_limit)) AS r WHERE true AND b.u >= (SELECT m
            FROM mm) ORDER BY r.sim DESC, r.name, r.id LIMIT p_limit) SELECT sim,
            name::text, id FROM plus ORDER BY sim DESC, name, id;
    GET DIAGNOSTICS v_found = ROW_COUNT;
    IF v_found >= p_limit THEN
        RETURN;
    END IF;
    -- Similarity 0: the names containing q (3 characters: its trigram; more: its rarest
    -- trigram, ILIKE q) and the external id's account, with no gram of q.
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
        WITH grams_of(gram) AS (SELECT unnest(v_grams)) SELECT sim, name::text, id FROM
            ((SELECT s.* FROM grams_of CROSS JOIN LATERAL (SELECT 0::float8 AS sim, g.name,
            g.account_id AS id FROM accounts_accountnamegram AS g WHERE g.tenant_id =
            p_tenant AND g.gram = grams_of.gram AND g.name_trigrams = 0 AND (length(p_q) = 3
            OR g.name ILIKE p_pattern) AND NOT EXISTS (SELECT FROM accounts_accountnamegram
            AS p WHERE p.tenant_id = p_tenant AND p.gram = ANY(v_trgm) AND p.name_trigrams =
            cardinality(show_trgm(g.name)) AND p.name = g.name AND p.account_id =
            g.account_id) ORDER BY g.name, g.account_id LIMIT p_limit) AS s) UNION (SELECT
            0::float8, a.name, a.id FROM accounts_account AS a WHERE a.tenant_id = p_tenant
            AND a.external_id = p_q AND NOT EXISTS (SELECT FROM accounts_accountnamegram AS
            p WHERE p.tenant_id = p_tenant AND p.gram = ANY(v_trgm) AND p.name_trigrams =
            cardinality(show_trgm(a.name)) AND p.name = a.name AND p.account_id = a.id))) AS
            z ORDER BY name, id LIMIT p_limit;
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_account_search_walk_few(
    p_tenant bigint, p_q text, p_min bigint, p_share double precision
)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    v_trgm bigint[] := accounts_trgm_grams(p_q);
    v_few boolean;
BEGIN
    WITH RECURSIVE qg(gram) AS (SELECT unnest(v_trgm)), ns(gram, n) AS (SELECT qg.gram,
            (SELECT min(g.name_trigrams) FROM accounts_accountnamegram AS g WHERE
            g.tenant_id = p_tenant AND g.gram = qg.gram) FROM qg UNION ALL SELECT ns.gram,
            (SELECT min(g.name_trigrams) FROM accounts_accountnamegram AS g WHERE
            g.tenant_id = p_tenant AND g.gram = ns.gram AND g.name_trigrams > ns.n) FROM ns
            WHERE ns.n IS NOT NULL), k AS (SELECT cardinality(v_trgm) AS qn,
            coalesce(current_setting('pg_trgm.similarity_threshold', true)::float8,
            show_limit()) AS t, (SELECT id FROM accounts_account WHERE tenant_id = p_tenant
            AND external_id = p_q) AS ext), b AS MATERIALIZED (SELECT s.n, s.grams, s.c,
            k.qn, k.t, k.ext, (s.c::real / (k.qn + s.n - s.c)::real)::float8 AS u, (1::real
            / (k.qn + s.n - 1)::real)::float8 AS l FROM (SELECT n, array_agg(gram) AS grams,
            count(*)::int AS c FROM ns WHERE n IS NOT NULL GROUP BY n) AS s CROSS JOIN k),
            caps AS (SELECT (SELECT greatest(p_min, reltuples * p_share)::bigint FROM
            pg_class WHERE oid = 'accounts_account'::regclass) AS cap) SELECT (SELECT
            count(*) FROM (SELECT FROM b JOIN accounts_accountnamegram AS g ON b.c > 1 AND
            b.u >= b.t AND g.tenant_id = p_tenant AND g.gram = ANY(b.grams) AND
            g.name_trigrams = b.n LIMIT (SELECT cap FROM caps)) AS x) < (SELECT cap FROM
            caps)
        INTO v_few;
    RETURN v_few;
END
$fn$;
"""

DROP = """
DROP FUNCTION IF EXISTS junkan_account_search_by_similarity(bigint, text, text, integer);
DROP FUNCTION IF EXISTS junkan_account_search_walk_few(bigint, text, bigint, double precision);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0025_search_by_name_read"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
