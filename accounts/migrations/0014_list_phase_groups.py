"""The account list's phase key is the phase's id alone (issue #16): the phases' order is read
from the phases when the list sorts (`AccountListExtension.sort_groups`), so reordering the
phases writes no account row. Before, each account kept its phase's order too, and moving one
phase rewrote every account in it (8 s at 100,000 accounts). journeys 0014 keeps the id.

The guard of 0012 is the same without `list_phase_order`.
"""

from django.db import migrations, models

DROP_GUARD = """
DROP TRIGGER IF EXISTS accounts_account_list_keys_insert ON accounts_account;
DROP TRIGGER IF EXISTS accounts_account_list_keys_update ON accounts_account;
"""

GUARD = """
CREATE OR REPLACE FUNCTION accounts_account_list_keys_guard() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF coalesce(current_setting('junkan.account_list_keys', true), '') <> 'on' THEN
        IF TG_OP = 'INSERT' THEN
            NEW.list_phase_id := NULL;
            NEW.list_health_rank := NULL;
            NEW.list_tier := 'tech';
        ELSE
            NEW.list_phase_id := OLD.list_phase_id;
            NEW.list_health_rank := OLD.list_health_rank;
            NEW.list_tier := OLD.list_tier;
        END IF;
    END IF;
    RETURN NEW;
END
$fn$;

CREATE TRIGGER accounts_account_list_keys_insert BEFORE INSERT ON accounts_account
    FOR EACH ROW WHEN (
        NEW.list_phase_id IS NOT NULL OR NEW.list_health_rank IS NOT NULL
        OR NEW.list_tier <> 'tech'
    )
    EXECUTE FUNCTION accounts_account_list_keys_guard();
CREATE TRIGGER accounts_account_list_keys_update
    BEFORE UPDATE OF list_phase_id, list_health_rank, list_tier ON accounts_account
    FOR EACH ROW WHEN (
        (NEW.list_phase_id, NEW.list_health_rank, NEW.list_tier)
        IS DISTINCT FROM (OLD.list_phase_id, OLD.list_health_rank, OLD.list_tier)
    )
    EXECUTE FUNCTION accounts_account_list_keys_guard();
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER accounts_account_list_keys_insert;
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER accounts_account_list_keys_update;
"""

OLD_GUARD = """
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


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_segment_arr_indexes"),
    ]

    operations = [
        migrations.RunSQL(DROP_GUARD, OLD_GUARD),
        migrations.RemoveIndex(model_name="account", name="account_phase_idx"),
        migrations.RemoveIndex(model_name="account", name="account_phase_desc_idx"),
        migrations.RemoveField(model_name="account", name="list_phase_order"),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                fields=["tenant", "list_phase_id", "name", "id"], name="account_phase_idx"
            ),
        ),
        migrations.RunSQL(GUARD, DROP_GUARD),
    ]
