"""The account's owner copied onto its contracts, kept exact by the database (issue #16: My
Work's renewals walked the tenant's 90-day renewal window until they found the owner's; for
an owner with few renewals that is the whole window, 25,000 contracts and 380 ms at 100,000
accounts; by `contract_owner_renewal_idx` it reads only the rows it shows, under 1 ms).

A row trigger sets `account_owner_id` from the account on every insert and on every write to
`account_id` or to the copy itself (a stale model instance saved, a bulk load): no other value
can be stored. It locks the account as the contract totals (0009) do, so an owner change
committed meanwhile cannot be missed. A row trigger on the accounts rewrites the copy on the
account's contracts when the owner changes (an edit, a bulk reassignment, the owner's user
deleted). The triggers fire ALWAYS. Existing contracts are filled here.
"""

from django.db import migrations, models

APPLY = """
-- Across tenants: the owner is subject to the row-level security it forces.
SELECT set_config('app.bypass_rls', 'on', true);
UPDATE accounts_contract AS c SET account_owner_id = a.owner_id
FROM accounts_account AS a
WHERE a.id = c.account_id AND a.owner_id IS NOT NULL;

CREATE OR REPLACE FUNCTION accounts_contract_owner_set() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    SELECT owner_id INTO NEW.account_owner_id FROM accounts_account
    WHERE id = NEW.account_id FOR NO KEY UPDATE;
    RETURN NEW;
END
$fn$;

CREATE OR REPLACE FUNCTION accounts_account_owner_contracts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE accounts_contract SET account_owner_id = NEW.owner_id
    WHERE tenant_id = NEW.tenant_id AND account_id = NEW.id
      AND account_owner_id IS DISTINCT FROM NEW.owner_id;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER accounts_contract_owner_insert BEFORE INSERT ON accounts_contract
    FOR EACH ROW EXECUTE FUNCTION accounts_contract_owner_set();
CREATE TRIGGER accounts_contract_owner_update
    BEFORE UPDATE OF account_id, account_owner_id ON accounts_contract
    FOR EACH ROW WHEN (
        NEW.account_id IS DISTINCT FROM OLD.account_id
        OR NEW.account_owner_id IS DISTINCT FROM OLD.account_owner_id
    )
    EXECUTE FUNCTION accounts_contract_owner_set();
CREATE TRIGGER accounts_account_owner_contracts AFTER UPDATE OF owner_id ON accounts_account
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id)
    EXECUTE FUNCTION accounts_account_owner_contracts();

ALTER TABLE accounts_contract ENABLE ALWAYS TRIGGER accounts_contract_owner_insert;
ALTER TABLE accounts_contract ENABLE ALWAYS TRIGGER accounts_contract_owner_update;
ALTER TABLE accounts_account ENABLE ALWAYS TRIGGER accounts_account_owner_contracts;
"""

UNAPPLY = """
DROP TRIGGER IF EXISTS accounts_contract_owner_insert ON accounts_contract;
DROP TRIGGER IF EXISTS accounts_contract_owner_update ON accounts_contract;
DROP TRIGGER IF EXISTS accounts_account_owner_contracts ON accounts_account;
DROP FUNCTION IF EXISTS accounts_contract_owner_set();
DROP FUNCTION IF EXISTS accounts_account_owner_contracts();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0017_list_keys_insert_defaults"),
        ("cs_platform", "0011_work_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="contract",
            name="account_owner_id",
            field=models.BigIntegerField(editable=False, null=True, verbose_name="account owner"),
        ),
        migrations.RunSQL(APPLY, UNAPPLY),
        migrations.AddIndex(
            model_name="contract",
            index=models.Index(
                fields=["tenant", "account_owner_id", "renewal_date", "id"],
                name="contract_owner_renewal_idx",
            ),
        ),
    ]
