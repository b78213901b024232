"""Sort keys of the account list's columns owned by the apps above accounts, as account
columns (issue #16: a sort by phase, band or tier computed a value for every account of the
tenant on each view, 136–800 ms at 10,000 accounts).

As with `current_arr` (0009), only the owner of a key writes it: journeys the phase, healthscore
the band rank, touchmodel the tier, each from a statement trigger in its own migration that
raises `junkan.account_list_keys` for its own statement. Any other write (a stale model
instance saved, a restored trash entry, a bulk load) is undone here; a new account starts from
the defaults and the owners' triggers on the insert fill in its keys. The triggers fire ALWAYS.
"""

from django.conf import settings
from django.db import migrations, models

GUARD = """
CREATE OR REPLACE FUNCTION accounts_account_list_keys_guard() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF coalesce(current_setting('junkan.account_list_keys', true), '') <> 'on' THEN
        IF TG_OP = 'INSERT' THEN
            NEW.list_phase_id := NULL;
            NEW.list_phase_order := 0;
            NEW.list_health_rank := NULL;
            NEW.list_tier := 'tech';
        ELSE
            NEW.list_phase_id := OLD.list_phase_id;
            NEW.list_phase_order := OLD.list_phase_order;
            NEW.list_health_rank := OLD.list_health_rank;
            NEW.list_tier := OLD.list_tier;
        END IF;
    END IF;
    RETURN NEW;
END
$fn$;

CREATE TRIGGER accounts_account_list_keys_insert BEFORE INSERT ON accounts_account
    FOR EACH ROW WHEN (
        NEW.list_phase_id IS NOT NULL OR NEW.list_phase_order <> 0
        OR NEW.list_health_rank IS NOT NULL OR NEW.list_tier <> 'tech'
    )
    EXECUTE FUNCTION accounts_account_list_keys_guard();
CREATE TRIGGER accounts_account_list_keys_update
    BEFORE UPDATE OF list_phase_id, list_phase_order, list_health_rank, list_tier
    ON accounts_account
    FOR EACH ROW WHEN (
        (NEW.list_phase_id, NEW.list_phase_order, NEW.list_health_rank, NEW.list_tier)
        IS DISTINCT FROM
        (OLD.list_phase_id, OLD.list_phase_order, OLD.list_health_rank, OLD.list_tier)
    )
    EXECUTE FUNCTION accounts_account_list_keys_guard();
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER accounts_account_list_keys_insert;
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER accounts_account_list_keys_update;
"""

UNGUARD = """
DROP TRIGGER IF EXISTS accounts_account_list_keys_insert ON accounts_account;
DROP TRIGGER IF EXISTS accounts_account_list_keys_update ON accounts_account;
DROP FUNCTION IF EXISTS accounts_account_list_keys_guard();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_account_name_grams"),
        ("cs_platform", "0009_label_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="list_health_rank",
            field=models.SmallIntegerField(editable=False, null=True, verbose_name="health rank"),
        ),
        migrations.AddField(
            model_name="account",
            name="list_phase_id",
            field=models.BigIntegerField(editable=False, null=True, verbose_name="current phase"),
        ),
        migrations.AddField(
            model_name="account",
            name="list_phase_order",
            field=models.SmallIntegerField(
                db_default=0, editable=False, verbose_name="phase order"
            ),
        ),
        migrations.AddField(
            model_name="account",
            name="list_tier",
            field=models.CharField(
                db_default="tech", editable=False, max_length=8, verbose_name="touch tier"
            ),
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                fields=["tenant", "list_phase_order", "name", "id"], name="account_phase_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                fields=["tenant", "-list_phase_order", "name", "id"], name="account_phase_desc_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                fields=["tenant", "list_health_rank", "name", "id"], name="account_health_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                fields=["tenant", "-list_health_rank", "name", "id"], name="account_health_desc_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                fields=["tenant", "list_tier", "name", "id"], name="account_tier_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                fields=["tenant", "-list_tier", "name", "id"], name="account_tier_desc_idx"
            ),
        ),
        migrations.RunSQL(GUARD, UNGUARD),
    ]
