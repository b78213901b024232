"""Account 360's "Voice of the customer" panel is kept per account under the account's
version (cs_platform 0012): a feedback item moves its account's."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0016_watch_account_version"),
    ]

    operations = [
        migrations.RunSQL(
            "SELECT junkan_account_version_watch('journeys_feedbackitem');",
            "SELECT junkan_account_version_unwatch('journeys_feedbackitem');",
        )
    ]
