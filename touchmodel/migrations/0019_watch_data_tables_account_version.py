"""Account 360 keys its kept parts by the account's version alone (cs_platform 0012, accounts
0027), not the tenant's data version: the data version's touchmodel tables move the account
version too. Per account: its touch tier; every account's (row 0): the touch settings and
the seminars. The data version's triggers stay."""

from django.db import migrations

PER_ACCOUNT = ["touchmodel_accounttier"]
EVERY_ACCOUNT = ["touchmodel_touchsettings", "touchmodel_seminar"]

WATCH = "".join(f"SELECT junkan_account_version_watch('{t}');\n" for t in PER_ACCOUNT) + "".join(
    f"SELECT junkan_account_version_watch('{t}', true);\n" for t in EVERY_ACCOUNT
)
UNWATCH = "".join(
    f"SELECT junkan_account_version_unwatch('{t}');\n" for t in [*PER_ACCOUNT, *EVERY_ACCOUNT]
)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
        ("touchmodel", "0018_account_touch_read"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
