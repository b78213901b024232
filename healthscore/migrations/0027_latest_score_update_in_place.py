"""The latest score's UPDATE trigger (0022) re-read each touched account's newest score from
the scores, one index probe per account, on every UPDATE statement. A recompute of a day
already scored is such a statement for every account of its chunk (its upsert updates), and
re-reading 10,000 accounts cost more than the upsert itself (issue #16: the recompute got
slower when 0022 landed).

A row that keeps its account and day (every recompute, every edit of a score) is written
forward as an insert is: it becomes the latest when its day is the latest's or newer, and an
unchanged latest row is not written again (its band key on the account, 0024, is then not
touched either). Only the accounts of rows that moved to another account or day are re-read
as before.
"""

import importlib

from django.db import migrations

_0022 = importlib.import_module("healthscore.migrations.0022_latest_score")

APPLY = """
CREATE OR REPLACE FUNCTION healthscore_latest_apply() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    tenants bigint[];
    accounts bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO healthscore_latestscore AS l (tenant_id, account_id, day, score, band)
        SELECT DISTINCT ON (tenant_id, account_id) tenant_id, account_id, day, score, band
        FROM new_rows ORDER BY tenant_id, account_id, day DESC
        ON CONFLICT (tenant_id, account_id) DO UPDATE
            SET day = EXCLUDED.day, score = EXCLUDED.score, band = EXCLUDED.band
            WHERE l.day <= EXCLUDED.day;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- Rows that kept their account and day: forward, as an insert, unless unchanged.
        INSERT INTO healthscore_latestscore AS l (tenant_id, account_id, day, score, band)
        SELECT DISTINCT ON (n.tenant_id, n.account_id) n.tenant_id, n.account_id, n.day,
               n.score, n.band
        FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
        WHERE (o.tenant_id, o.account_id, o.day) = (n.tenant_id, n.account_id, n.day)
        ORDER BY n.tenant_id, n.account_id, n.day DESC
        ON CONFLICT (tenant_id, account_id) DO UPDATE
            SET day = EXCLUDED.day, score = EXCLUDED.score, band = EXCLUDED.band
            WHERE l.day <= EXCLUDED.day
              AND (l.day, l.score, l.band)
                  IS DISTINCT FROM (EXCLUDED.day, EXCLUDED.score, EXCLUDED.band);
        -- Rows that moved: both their accounts are read again below.
        SELECT array_agg(tenant_id), array_agg(account_id) INTO tenants, accounts
        FROM (SELECT o.tenant_id, o.account_id FROM old_rows AS o JOIN new_rows AS n
                  ON n.id = o.id
              WHERE (o.tenant_id, o.account_id, o.day)
                  IS DISTINCT FROM (n.tenant_id, n.account_id, n.day)
              UNION
              SELECT n.tenant_id, n.account_id FROM old_rows AS o JOIN new_rows AS n
                  ON n.id = o.id
              WHERE (o.tenant_id, o.account_id, o.day)
                  IS DISTINCT FROM (n.tenant_id, n.account_id, n.day)) AS t;
    ELSE
        SELECT array_agg(tenant_id), array_agg(account_id) INTO tenants, accounts
        FROM (SELECT DISTINCT tenant_id, account_id FROM old_rows) AS t;
    END IF;
    IF accounts IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO healthscore_latestscore AS l (tenant_id, account_id, day, score, band)
    SELECT t.tenant_id, t.account_id, h.day, h.score, h.band
    FROM unnest(tenants, accounts) AS t(tenant_id, account_id)
    CROSS JOIN LATERAL (
        SELECT day, score, band FROM healthscore_healthscore AS s
        WHERE s.tenant_id = t.tenant_id AND s.account_id = t.account_id
        ORDER BY s.day DESC LIMIT 1
    ) AS h
    ORDER BY t.tenant_id, t.account_id
    ON CONFLICT (tenant_id, account_id) DO UPDATE
        SET day = EXCLUDED.day, score = EXCLUDED.score, band = EXCLUDED.band
        WHERE (l.day, l.score, l.band)
            IS DISTINCT FROM (EXCLUDED.day, EXCLUDED.score, EXCLUDED.band);
    DELETE FROM healthscore_latestscore AS l
    USING unnest(tenants, accounts) AS t(tenant_id, account_id)
    WHERE l.tenant_id = t.tenant_id AND l.account_id = t.account_id
      AND NOT EXISTS (
          SELECT 1 FROM healthscore_healthscore AS s
          WHERE s.tenant_id = t.tenant_id AND s.account_id = t.account_id
      );
    RETURN NULL;
END
$fn$;
"""

# 0022's function as it was (its text up to the triggers it creates).
UNAPPLY = _0022.APPLY.split("CREATE TRIGGER", 1)[0]


class Migration(migrations.Migration):
    dependencies = [("healthscore", "0026_watch_alerts_settings")]

    operations = [migrations.RunSQL(APPLY, UNAPPLY)]
