"""The account list's band key (`accounts_account.list_health_rank`, see accounts 0012): the
latest nightly score's band as a rank, 1 red, 2 amber, 3 green, NULL never scored, kept exact
from LatestScore (0022) by a statement trigger on it (issue #16: the list sorted by band read
each account's latest score on every view).

Only accounts whose band changed (or that were scored first, or lost their last score) are
locked and written: a nightly recompute that leaves most bands as they were writes few
account rows. Like accounts 0009 the refresh locks those accounts in id order, then reads in
a new statement. The triggers fire ALWAYS. Existing accounts are filled here.
"""

from django.db import migrations

KEYS = """
CREATE OR REPLACE FUNCTION healthscore_list_rank_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM 1 FROM accounts_account WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    PERFORM set_config('junkan.account_list_keys', 'on', true);
    UPDATE accounts_account AS a
    SET list_health_rank = k.rank
    FROM (
        SELECT b.id,
               CASE l.band WHEN 'red' THEN 1 WHEN 'amber' THEN 2 WHEN 'green' THEN 3 END AS rank
        FROM accounts_account AS b
        LEFT JOIN healthscore_latestscore AS l
            ON l.tenant_id = b.tenant_id AND l.account_id = b.id
        WHERE b.id = ANY(ids)
    ) AS k
    WHERE a.id = k.id AND a.list_health_rank IS DISTINCT FROM k.rank;
    PERFORM set_config('junkan.account_list_keys', '', true);
END
$fn$;

CREATE OR REPLACE FUNCTION healthscore_list_rank_apply() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT account_id) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT account_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT account_id) INTO ids
        FROM (SELECT n.account_id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
              WHERE n.band IS DISTINCT FROM o.band OR n.account_id <> o.account_id
              UNION ALL
              SELECT o.account_id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
              WHERE n.account_id <> o.account_id) AS t;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM healthscore_list_rank_refresh(ids);
    END IF;
    RETURN NULL;
END
$fn$;

-- New accounts (and accounts restored from the trash, whichever of their rows comes back first).
CREATE OR REPLACE FUNCTION healthscore_list_rank_accounts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    ids bigint[];
BEGIN
    SELECT array_agg(n.id) INTO ids FROM new_rows AS n
    WHERE EXISTS (
        SELECT 1 FROM healthscore_latestscore AS l
        WHERE l.tenant_id = n.tenant_id AND l.account_id = n.id
    );
    IF ids IS NOT NULL THEN
        PERFORM healthscore_list_rank_refresh(ids);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER healthscore_list_rank_account AFTER INSERT ON accounts_account
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION healthscore_list_rank_accounts();
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER healthscore_list_rank_account;

CREATE TRIGGER healthscore_list_rank_insert AFTER INSERT ON healthscore_latestscore
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION healthscore_list_rank_apply();
CREATE TRIGGER healthscore_list_rank_update AFTER UPDATE ON healthscore_latestscore
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION healthscore_list_rank_apply();
CREATE TRIGGER healthscore_list_rank_delete AFTER DELETE ON healthscore_latestscore
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION healthscore_list_rank_apply();

ALTER TABLE healthscore_latestscore ENABLE ALWAYS TRIGGER healthscore_list_rank_insert;
ALTER TABLE healthscore_latestscore ENABLE ALWAYS TRIGGER healthscore_list_rank_update;
ALTER TABLE healthscore_latestscore ENABLE ALWAYS TRIGGER healthscore_list_rank_delete;

-- Across tenants: the owner is subject to the row-level security it forces.
SELECT set_config('app.bypass_rls', 'on', true);
SELECT healthscore_list_rank_refresh(array_agg(account_id)) FROM healthscore_latestscore;
"""

UNKEYS = """
DROP TRIGGER IF EXISTS healthscore_list_rank_insert ON healthscore_latestscore;
DROP TRIGGER IF EXISTS healthscore_list_rank_update ON healthscore_latestscore;
DROP TRIGGER IF EXISTS healthscore_list_rank_delete ON healthscore_latestscore;
DROP TRIGGER IF EXISTS healthscore_list_rank_account ON accounts_account;
DROP FUNCTION IF EXISTS healthscore_list_rank_accounts();
DROP FUNCTION IF EXISTS healthscore_list_rank_apply();
DROP FUNCTION IF EXISTS healthscore_list_rank_refresh(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_list_keys"),
        ("healthscore", "0023_now_newest_index"),
    ]

    operations = [migrations.RunSQL(KEYS, UNKEYS)]
