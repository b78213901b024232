"""`junkan_account_content(tenant, account, since, shown)`: what Account 360's content panels
read on a first view (`content.selectors.account_page`), in one call (issue #16).

The site's primary verified domain (the success plan's address) and the account's reading
since `since` (per article: views, readers, the last read; each article's id and slug and its
translations' titles) were two statements, four when the account read anything (the articles
and their translations, whole bodies included), on row-level-secured tables, each parsed,
rewritten with the policy and planned on every first view; a PL/pgSQL function keeps its
plans per connection. It runs as the caller (SECURITY INVOKER): row-level security holds
inside it as outside.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_account_content(
    p_tenant bigint, p_account bigint, p_since timestamptz, p_shown integer
)
RETURNS TABLE (r_domain varchar, r_reading jsonb)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    SELECT d.domain INTO r_domain FROM content_sitedomain d
    WHERE d.tenant_id = p_tenant AND d.is_primary AND d.verified_at IS NOT NULL
    ORDER BY d.domain LIMIT 1;
    SELECT jsonb_agg(jsonb_build_object(
        'views', v.n, 'readers', v.readers, 'last', v.last,
        'article', jsonb_build_object('id', a.id, 'tenant_id', a.tenant_id, 'slug', a.slug),
        'translations', (
            SELECT jsonb_agg(jsonb_build_object(
                'id', t.id, 'tenant_id', t.tenant_id, 'article_id', t.article_id,
                'language', t.language, 'title', t.title
            ) ORDER BY t.language)
            FROM content_articletranslation t
            WHERE t.tenant_id = p_tenant AND t.article_id = a.id
        )
    ) ORDER BY v.last DESC) INTO r_reading
    FROM (
        SELECT w.article_id, count(w.id) AS n, count(DISTINCT w.contact_id) AS readers,
               max(w.viewed_at) AS last
        FROM content_articleview w
        WHERE w.tenant_id = p_tenant AND w.account_id = p_account AND w.viewed_at >= p_since
        GROUP BY w.article_id ORDER BY last DESC LIMIT p_shown
    ) v
    JOIN content_article a ON a.id = v.article_id AND a.tenant_id = p_tenant;
    RETURN NEXT;
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS junkan_account_content(bigint, bigint, timestamptz, integer);"


class Migration(migrations.Migration):
    dependencies = [("content", "0006_watch_account_version")]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
