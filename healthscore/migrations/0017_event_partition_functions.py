"""Event partitions are created and dropped by two SECURITY DEFINER functions.

The application's role owns no table (cs_platform.rls), and only a table's owner may add a
partition to it; these functions, owned by the role that runs migrations, are the named
maintenance path. Each new partition gets the row-level-security policy at once.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION junkan_usage_event_partition_create(month date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
DECLARE
    first date := date_trunc('month', month)::date;
    name text := 'healthscore_usageevent_p' || to_char(first, 'YYYYMM');
BEGIN
    IF to_regclass(quote_ident(name)) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format(
        'CREATE TABLE %I PARTITION OF healthscore_usageevent FOR VALUES FROM (%L) TO (%L)',
        name,
        first::timestamp AT TIME ZONE 'UTC',
        (first + interval '1 month')::timestamp AT TIME ZONE 'UTC'
    );
    PERFORM junkan_rls_protect(quote_ident(name)::regclass);
    RETURN true;
END
$fn$;

CREATE OR REPLACE FUNCTION junkan_usage_event_partition_drop(month date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
DECLARE
    name text := 'healthscore_usageevent_p' || to_char(date_trunc('month', month), 'YYYYMM');
BEGIN
    IF to_regclass(quote_ident(name)) IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP TABLE %I', name);
    RETURN true;
END
$fn$;
"""

DROP = """
DROP FUNCTION IF EXISTS junkan_usage_event_partition_create(date);
DROP FUNCTION IF EXISTS junkan_usage_event_partition_drop(date);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("healthscore", "0016_task_due_bounds"),
        ("cs_platform", "0006_row_level_security"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
