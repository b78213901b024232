"""Account 360's journeys panels named the tenant's touch version only for what they show of
the touch tables: a playbook task's title and description (its rule's name and message) and
the seminars a timeline entry or a firing's reason names (seminars move every account's
version since 0019). So the rules move every account's version (row 0, cs_platform 0012)
too, and those panels no longer key by the touch version: an article read, a sent e-mail, a
firing or a registration anywhere in the tenant keeps every account's kept panels (issue
#16). The touch version's triggers stay (the touch planner keys by it)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0012_account_version"),
        ("touchmodel", "0020_account_touch_read_generic_plan"),
    ]

    operations = [
        migrations.RunSQL(
            "SELECT junkan_account_version_watch('touchmodel_rule', true);",
            "SELECT junkan_account_version_unwatch('touchmodel_rule');",
        )
    ]
