"""Account 360's touch panel (the tier and the relationship map) is kept per account under the
account's version (cs_platform 0012; the tier itself raises the data version): a champion's
award and a user group's member move their contact's account's version; a tier rule and a
user group (their names show on every account's panel) move every account's."""

from django.db import migrations

BY_CONTACT = ["touchmodel_championnomination", "touchmodel_usergroupmember"]
EVERY = ["touchmodel_tierrule", "touchmodel_usergroup"]

WATCH = "".join(f"SELECT junkan_account_version_watch_contacts('{t}');\n" for t in BY_CONTACT) + (
    "".join(f"SELECT junkan_account_version_watch('{t}', true);\n" for t in EVERY)
)
UNWATCH = "".join(
    f"SELECT junkan_account_version_unwatch('{t}');\n" for t in [*BY_CONTACT, *EVERY]
)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0022_account_version_by_contact"),
        ("touchmodel", "0016_list_tier_rows_only"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
