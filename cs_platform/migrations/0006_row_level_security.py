"""Row-level security on every tenant table (cs_platform.rls).

Creates `junkan_rls_protect(regclass)` and protects the tables that exist now; the
post_migrate handler protects tables later migrations add (of any app).
"""

from django.db import migrations

from cs_platform.rls import PROTECT_FUNCTION_SQL


def protect(apps, schema_editor) -> None:
    from cs_platform.rls import rls_apply

    rls_apply(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("cs_platform", "0005_tenant_require_admin_two_factor")]

    operations = [
        migrations.RunSQL(PROTECT_FUNCTION_SQL, "DROP FUNCTION IF EXISTS junkan_rls_protect"),
        migrations.RunPython(protect, migrations.RunPython.noop),
    ]
