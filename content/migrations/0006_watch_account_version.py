"""Account 360's Learn & Support panels are kept per account under the account's version
(cs_platform 0012): an article read moves its reader's account's version (a read without an
account none); the site's domains (the success plan's address) move every account's.
Articles and sections raise the data version (0005)."""

from django.db import migrations

WATCH = """
SELECT junkan_account_version_watch('content_articleview');
SELECT junkan_account_version_watch('content_sitedomain', true);
"""
UNWATCH = """
SELECT junkan_account_version_unwatch('content_articleview');
SELECT junkan_account_version_unwatch('content_sitedomain');
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
        ("content", "0005_watch_data_version"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
