"""The tier sort reads its groups in (name, id) order both ways (touchmodel 0016,
`KeysetGroups`): the descending tier index is not read any more, and every account write paid
for it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0014_list_phase_groups")]

    operations = [
        migrations.RemoveIndex(model_name="account", name="account_tier_desc_idx"),
    ]
