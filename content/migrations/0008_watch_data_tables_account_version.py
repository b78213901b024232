"""Account 360 keys its kept parts by the account's version alone (cs_platform 0012, accounts
0027), not the tenant's data version: the articles, their translations and the sections (the
reading panel's titles) move every account's version (row 0) too. The data version's
triggers stay."""

from django.db import migrations

EVERY_ACCOUNT = ["content_article", "content_articletranslation", "content_section"]

WATCH = "".join(f"SELECT junkan_account_version_watch('{t}', true);\n" for t in EVERY_ACCOUNT)
UNWATCH = "".join(f"SELECT junkan_account_version_unwatch('{t}');\n" for t in EVERY_ACCOUNT)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
        ("content", "0007_account_content_read"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
