"""Contacts are named on Account 360's journey map (a step's owner) and timeline: a write
moves their account's version (cs_platform 0012), which those kept panels key by."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
        ("accounts", "0020_name_grams_vacuum"),
    ]

    operations = [
        migrations.RunSQL(
            "SELECT junkan_account_version_watch('accounts_contact');",
            "SELECT junkan_account_version_unwatch('accounts_contact');",
        )
    ]
