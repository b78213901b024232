"""`junkan_signed_in_user(user)` also returns the user's two-factor devices (TOTP and recovery
codes, whole rows as JSON lists): a session verified with one of them read it with a query of
its own on every request (django-otp's OTPMiddleware: ~0.7 ms of CPU and a round trip per
page view); `cs_platform.signin.middleware.OTPMiddleware` takes the session's device from this
read instead. Nothing is kept across requests: a device removed or unconfirmed, or a session
naming another user's device, is unverified on the next request, as before.
"""

from django.db import migrations

FUNCTION = """
DROP FUNCTION IF EXISTS junkan_signed_in_user(bigint);
CREATE FUNCTION junkan_signed_in_user(p_user bigint)
RETURNS TABLE (u cs_platform_user, m cs_platform_membership, t cs_platform_tenant,
               totp jsonb, static jsonb)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN QUERY
    SELECT su, sm, st,
        (SELECT jsonb_agg(to_jsonb(d) ORDER BY d.id) FROM otp_totp_totpdevice d
         WHERE d.user_id = p_user),
        (SELECT jsonb_agg(to_jsonb(d) ORDER BY d.id) FROM otp_static_staticdevice d
         WHERE d.user_id = p_user)
    FROM cs_platform_user su
    LEFT JOIN cs_platform_membership sm ON sm.user_id = su.id
    LEFT JOIN cs_platform_tenant st ON st.id = sm.tenant_id
    WHERE su.id = p_user
    ORDER BY st.name, sm.id;
END
$fn$;
"""

PREVIOUS = """
DROP FUNCTION IF EXISTS junkan_signed_in_user(bigint);
CREATE FUNCTION junkan_signed_in_user(p_user bigint)
RETURNS TABLE (u cs_platform_user, m cs_platform_membership, t cs_platform_tenant)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN QUERY
    SELECT su, sm, st FROM cs_platform_user su
    LEFT JOIN cs_platform_membership sm ON sm.user_id = su.id
    LEFT JOIN cs_platform_tenant st ON st.id = sm.tenant_id
    WHERE su.id = p_user
    ORDER BY st.name, sm.id;
END
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0015_account_score_version"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunSQL(FUNCTION, PREVIOUS)]
