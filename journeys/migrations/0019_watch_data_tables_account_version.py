"""Account 360 keys its kept parts by the account's version alone (cs_platform 0012, accounts
0027), not the tenant's data version: the data version's journeys tables move the account
version too. Per account: its current phase, its phase moves, its milestones (their
`account_id`, denormalised from the map) and its meetings; every account's (row 0): the
phases (names and order, on every account's header and history). The data version's
triggers stay."""

from django.db import migrations

PER_ACCOUNT = [
    "journeys_accountphase",
    "journeys_phasetransition",
    "journeys_milestone",
    "journeys_meeting",
]
EVERY_ACCOUNT = ["journeys_phase"]

WATCH = "".join(f"SELECT junkan_account_version_watch('{t}');\n" for t in PER_ACCOUNT) + "".join(
    f"SELECT junkan_account_version_watch('{t}', true);\n" for t in EVERY_ACCOUNT
)
UNWATCH = "".join(
    f"SELECT junkan_account_version_unwatch('{t}');\n" for t in [*PER_ACCOUNT, *EVERY_ACCOUNT]
)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
        ("journeys", "0018_account_panel_reads"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
