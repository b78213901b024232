from django.contrib.postgres.operations import BtreeGinExtension, TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cs_platform", "0001_initial")]

    operations = [TrigramExtension(), BtreeGinExtension()]
