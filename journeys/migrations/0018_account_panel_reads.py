"""`junkan_journeys_account_panels(tenant, account, ...)`: what journeys' Account 360 panels
read of one account (its phase, journey map with milestones and steps, open tasks, timeline,
phase history and feedback), in one call (`journeys.selectors.account_panel_reads`, issue #16).

A first view of Account 360 sent them as eight statements (the success plan's counts too),
each on row-level-secured tables that PostgreSQL parsed, rewrote with the policies and planned
on every view (about 1 ms each against well under 0.1 ms to run). A PL/pgSQL function keeps the
plans of its queries per connection. It runs as the caller (SECURITY INVOKER): row-level
security holds inside it as outside, and every read also filters on `p_tenant`.

Rows come back as JSON, each table's row whole (`to_json`, so a new column needs no new
function), the members shown by name with `cs_platform.leanread.USER_SHOWN` only.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_journeys_account_panels(
    p_tenant bigint, p_account bigint,
    p_activities integer, p_tasks integer, p_transitions integer, p_feedback integer)
RETURNS TABLE (
    phase json, journey_map json, milestones json, steps json,
    tasks json, activities json, transitions json, feedback json
)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN QUERY
    WITH jm AS (
        SELECT * FROM journeys_journeymap
        WHERE tenant_id = p_tenant AND account_id = p_account
    ), ms AS (
        SELECT m.* FROM journeys_milestone m JOIN jm ON m.journey_map_id = jm.id
        WHERE m.tenant_id = p_tenant
    )
    SELECT
        (SELECT json_build_array(a.phase_id, a.entered_at) FROM journeys_accountphase a
         WHERE a.tenant_id = p_tenant AND a.account_id = p_account),
        (SELECT to_json(jm) FROM jm),
        (SELECT coalesce(json_agg(to_json(ms) ORDER BY ms."order", ms.due_date, ms.id), '[]')
         FROM ms),
        (SELECT coalesce(json_agg(json_build_array(
                    to_json(s),
                    CASE WHEN u.id IS NOT NULL THEN json_build_object(
                        'id', u.id, 'email', u.email, 'full_name', u.full_name,
                        'language', u.language) END,
                    to_json(c))
                ORDER BY s."order", s.due_date, s.id), '[]')
         FROM journeys_actionstep s JOIN ms ON ms.id = s.milestone_id
         LEFT JOIN cs_platform_user u ON u.id = s.owner_user_id
         LEFT JOIN accounts_contact c ON c.id = s.owner_contact_id
         WHERE s.tenant_id = p_tenant),
        (SELECT coalesce(json_agg(json_build_array(
                    to_json(t),
                    CASE WHEN u.id IS NOT NULL THEN json_build_object(
                        'id', u.id, 'email', u.email, 'full_name', u.full_name,
                        'language', u.language) END)
                ORDER BY t.due_date, t.id), '[]')
         FROM (SELECT * FROM journeys_task
               WHERE tenant_id = p_tenant AND account_id = p_account AND status = 'open'
               ORDER BY due_date, id LIMIT p_tasks) t
         LEFT JOIN cs_platform_user u ON u.id = t.assignee_id),
        (SELECT coalesce(json_agg(json_build_array(
                    to_json(e),
                    CASE WHEN u.id IS NOT NULL THEN json_build_object(
                        'id', u.id, 'email', u.email, 'full_name', u.full_name,
                        'language', u.language) END,
                    to_json(c))
                ORDER BY e.occurred_at DESC, e.id DESC), '[]')
         FROM (SELECT * FROM journeys_activity
               WHERE tenant_id = p_tenant AND account_id = p_account
               ORDER BY occurred_at DESC, id DESC LIMIT p_activities) e
         LEFT JOIN cs_platform_user u ON u.id = e.actor_id
         LEFT JOIN accounts_contact c ON c.id = e.contact_id),
        (SELECT coalesce(json_agg(json_build_array(
                    to_json(t),
                    CASE WHEN u.id IS NOT NULL THEN json_build_object(
                        'id', u.id, 'email', u.email, 'full_name', u.full_name,
                        'language', u.language) END)
                ORDER BY t.occurred_at DESC, t.id DESC), '[]')
         FROM (SELECT * FROM journeys_phasetransition
               WHERE tenant_id = p_tenant AND account_id = p_account
               ORDER BY occurred_at DESC, id DESC LIMIT p_transitions) t
         LEFT JOIN cs_platform_user u ON u.id = t.actor_id),
        (SELECT coalesce(json_agg(to_json(f) ORDER BY f.created_at DESC, f.id DESC), '[]')
         FROM (SELECT * FROM journeys_feedbackitem
               WHERE tenant_id = p_tenant AND account_id = p_account
               ORDER BY created_at DESC, id DESC LIMIT p_feedback) f);
END
$fn$;
"""

DROP = (
    "DROP FUNCTION IF EXISTS junkan_journeys_account_panels("
    "bigint, bigint, integer, integer, integer, integer);"
)


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0017_watch_feedback_account_version"),
    ]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
