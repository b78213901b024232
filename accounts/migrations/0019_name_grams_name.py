"""The account's name on each of its name grams, in the grams' index (issue #16).

A search seen for the first time read its matches from the grams in 4 ms, then looked up the
name of each of them (12,500 accounts for a stem of the bench's names at 100,000) to order
them and take one page: 60–140 ms. With the name (the list's sort key after the similarity,
which the grams tell) on the gram rows, the page is read from the grams alone.

The index becomes (tenant, gram, name_trigrams, name, account), and `name_trigrams` is kept on
the pg_trgm grams only (the negative ones; 0 on the padded trigrams, whose search never read
it): a padded trigram's accounts come in name order from the index, and a pg_trgm gram's
accounts whose trigram count can make them similar to the search text are one index range
(the similarity search read every account of the gram and left most out).

The triggers of 0011 write the name with the grams: an insert adds them, a rename replaces
every gram of the account (each carries the name), a delete removes them by their exact keys.
The grams are written again here from the accounts (one index build after the fill).
"""

from django.db import migrations, models

# The gram rows of a name: (gram, name_trigrams) for `FROM …, <this> AS u(gram, trigrams)`.
ROWS = """unnest(accounts_name_grams({name}),
    array_fill(0, ARRAY[cardinality(accounts_padded_trigrams({name}))])
    || array_fill(cardinality(show_trgm({name})), ARRAY[cardinality(accounts_trgm_grams({name}))]))"""

TRIGGERS = f"""
CREATE OR REPLACE FUNCTION accounts_name_grams_insert() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO accounts_accountnamegram (tenant_id, account_id, gram, name_trigrams, name)
    SELECT n.tenant_id, n.id, u.gram, u.trigrams, n.name
    FROM new_rows AS n, {ROWS.format(name="n.name")} AS u(gram, trigrams)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION accounts_name_grams_delete() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM accounts_accountnamegram AS g
    USING (
        SELECT o.tenant_id, o.id, o.name, u.gram, u.trigrams
        FROM old_rows AS o, {ROWS.format(name="o.name")} AS u(gram, trigrams)
    ) AS d
    WHERE g.tenant_id = d.tenant_id AND g.gram = d.gram AND g.name_trigrams = d.trigrams
      AND g.name = d.name AND g.account_id = d.id;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION accounts_name_grams_rename() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM accounts_accountnamegram AS g
    USING {ROWS.format(name="OLD.name")} AS u(gram, trigrams)
    WHERE g.tenant_id = OLD.tenant_id AND g.gram = u.gram AND g.name_trigrams = u.trigrams
      AND g.name = OLD.name AND g.account_id = OLD.id;
    INSERT INTO accounts_accountnamegram (tenant_id, account_id, gram, name_trigrams, name)
    SELECT NEW.tenant_id, NEW.id, u.gram, u.trigrams, NEW.name
    FROM {ROWS.format(name="NEW.name")} AS u(gram, trigrams)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$fn$;
"""

FILL = f"""
DROP INDEX account_name_gram_unique;
TRUNCATE accounts_accountnamegram;
ALTER TABLE accounts_accountnamegram ADD COLUMN name varchar(200) NOT NULL;
-- Across tenants: the owner is subject to the row-level security it forces.
SELECT set_config('app.bypass_rls', 'on', true);
INSERT INTO accounts_accountnamegram (tenant_id, account_id, gram, name_trigrams, name)
SELECT a.tenant_id, a.id, u.gram, u.trigrams, a.name
FROM accounts_account AS a, {ROWS.format(name="a.name")} AS u(gram, trigrams);
SELECT set_config('app.bypass_rls', '', true);
CREATE UNIQUE INDEX account_name_gram_unique
    ON accounts_accountnamegram (tenant_id, gram, name_trigrams, name, account_id);
ANALYZE accounts_accountnamegram;
"""

UNFILL = """
DROP INDEX account_name_gram_unique;
TRUNCATE accounts_accountnamegram;
ALTER TABLE accounts_accountnamegram DROP COLUMN name;
SELECT set_config('app.bypass_rls', 'on', true);
INSERT INTO accounts_accountnamegram (tenant_id, account_id, gram, name_trigrams)
SELECT tenant_id, id, unnest(accounts_name_grams(name)), cardinality(show_trgm(name))
FROM accounts_account;
SELECT set_config('app.bypass_rls', '', true);
CREATE UNIQUE INDEX account_name_gram_unique
    ON accounts_accountnamegram (tenant_id, gram, account_id) INCLUDE (name_trigrams);
"""

# 0011's functions, for going back.
OLD_TRIGGERS = """
CREATE OR REPLACE FUNCTION accounts_name_grams_insert() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO accounts_accountnamegram (tenant_id, account_id, gram, name_trigrams)
    SELECT n.tenant_id, n.id, unnest(accounts_name_grams(n.name)), cardinality(show_trgm(n.name))
    FROM new_rows AS n
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION accounts_name_grams_delete() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM accounts_accountnamegram AS g
    USING (
        SELECT o.tenant_id, o.id, unnest(accounts_name_grams(o.name)) AS gram FROM old_rows AS o
    ) AS d
    WHERE g.tenant_id = d.tenant_id AND g.gram = d.gram AND g.account_id = d.id;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION accounts_name_grams_rename() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM accounts_accountnamegram AS g
    WHERE g.tenant_id = OLD.tenant_id AND g.account_id = OLD.id
      AND g.gram = ANY(accounts_name_grams(OLD.name));
    INSERT INTO accounts_accountnamegram (tenant_id, account_id, gram, name_trigrams)
    SELECT NEW.tenant_id, NEW.id, unnest(accounts_name_grams(NEW.name)),
           cardinality(show_trgm(NEW.name))
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0018_contract_account_owner")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(FILL, reverse_sql=UNFILL),
                migrations.RunSQL(TRIGGERS, reverse_sql=OLD_TRIGGERS),
            ],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="accountnamegram", name="account_name_gram_unique"
                ),
                migrations.AddField(
                    model_name="accountnamegram",
                    name="name",
                    field=models.CharField(default="", max_length=200),
                    preserve_default=False,
                ),
                migrations.AddConstraint(
                    model_name="accountnamegram",
                    constraint=models.UniqueConstraint(
                        fields=("tenant", "gram", "name_trigrams", "name", "account"),
                        name="account_name_gram_unique",
                    ),
                ),
            ],
        ),
    ]
