"""Contacts are named on Account 360's journey map (a step's owner) and timeline: a write
raises the work version (cs_platform 0011), which those kept panels key by."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0011_work_version"),
        ("accounts", "0015_list_tier_groups"),
    ]

    operations = [
        migrations.RunSQL(
            "SELECT junkan_work_version_watch('accounts_contact');",
            "SELECT junkan_work_version_unwatch('accounts_contact');",
        )
    ]
