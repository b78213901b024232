"""`junkan_account_reading(tenant, account, today, tz, default, shown)`: what
`junkan_account_content` reads, over the account's engagement window worked out in the same
call (`junkan_engagement_days`, healthscore 0038: the days, ending `today` in the tenant's
time zone `tz`), with those days (the panel says them). Account 360's first view sent the
health read alone before the content read, whose window needed the latest score (issue #16):
now every app read of a first view goes in one statement. SECURITY INVOKER (the default):
row-level security holds inside it as outside; planned once per connection (content 0009).
"""

from django.db import migrations

FUNCTION = """
CREATE FUNCTION junkan_account_reading(
    p_tenant bigint, p_account bigint, p_today date, p_tz text, p_default integer,
    p_shown integer
)
RETURNS TABLE (r_days integer, r_domain varchar, r_reading jsonb)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
    r_days := junkan_engagement_days(p_tenant, p_account, p_default);
    SELECT c.r_domain, c.r_reading INTO r_domain, r_reading
    FROM junkan_account_content(
        p_tenant, p_account, (p_today - (r_days - 1))::timestamp AT TIME ZONE p_tz, p_shown
    ) c;
    RETURN NEXT;
END
$fn$;
"""

DROP = "DROP FUNCTION IF EXISTS junkan_account_reading(bigint, bigint, date, text, integer, integer);"


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0009_account_content_read_generic_plan"),
        ("healthscore", "0038_engagement_days"),
    ]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
