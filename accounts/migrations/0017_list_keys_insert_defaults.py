"""A new account starts with the list keys it keeps when it has no phase row and no tier row
(issue #16): phase 0 and tier '' (accounts 0014, touchmodel 0016), as column defaults and as
the guard's values on insert. Before, an insert wrote NULL and 'tech', and the phase and tier
refreshes after it rewrote them in two more statements: three data version bumps per new
account, and two needless row versions.
"""

from django.db import migrations, models

GUARD = """
CREATE OR REPLACE FUNCTION accounts_account_list_keys_guard() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF coalesce(current_setting('junkan.account_list_keys', true), '') <> 'on' THEN
        IF TG_OP = 'INSERT' THEN
            NEW.list_phase_id := {phase};
            NEW.list_health_rank := NULL;
            NEW.list_tier := '{tier}';
        ELSE
            NEW.list_phase_id := OLD.list_phase_id;
            NEW.list_health_rank := OLD.list_health_rank;
            NEW.list_tier := OLD.list_tier;
        END IF;
    END IF;
    RETURN NEW;
END
$fn$;

DROP TRIGGER IF EXISTS accounts_account_list_keys_insert ON accounts_account;
CREATE TRIGGER accounts_account_list_keys_insert BEFORE INSERT ON accounts_account
    FOR EACH ROW WHEN (
        NEW.list_phase_id IS DISTINCT FROM {phase} OR NEW.list_health_rank IS NOT NULL
        OR NEW.list_tier <> '{tier}'
    )
    EXECUTE FUNCTION accounts_account_list_keys_guard();
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER accounts_account_list_keys_insert;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_watch_contacts_work"),
    ]

    operations = [
        migrations.AlterField(
            model_name="account",
            name="list_phase_id",
            field=models.BigIntegerField(
                db_default=0, editable=False, null=True, verbose_name="current phase"
            ),
        ),
        migrations.AlterField(
            model_name="account",
            name="list_tier",
            field=models.CharField(
                db_default="", editable=False, max_length=8, verbose_name="touch tier"
            ),
        ),
        migrations.RunSQL(
            GUARD.format(phase="0", tier=""), GUARD.format(phase="NULL", tier="tech")
        ),
    ]
