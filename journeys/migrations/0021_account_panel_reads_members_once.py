"""`junkan_journeys_account_panels` (journeys 0018, 0020) sends each member once (issue #16).

Every task, timeline entry, phase change and step carried its member's name as its own JSON
object (on the bench's accounts a quarter of the call's JSON, built, sent and parsed once per
row, and three hash joins of the members). The rows now come alone and a ninth column,
`users`, holds the members they name, each once. The timeline's entries no longer bring their
contact: no panel shows it (the journey map's steps still bring theirs, shown as the owner).
At 100,000 accounts, cold accounts, the two alternated in batches of 25 (backend CPU from
`/proc/<pid>/schedstat`, load 9): 718 / 847 / 904 -> 578 / 733 / 860 us per call, JSON 3.9
-> 2.9 KB.
"""

import importlib

from django.db import migrations

_0018 = importlib.import_module("journeys.migrations.0018_account_panel_reads")

SIGNATURE = "junkan_journeys_account_panels(bigint, bigint, integer, integer, integer, integer)"

FUNCTION = """
CREATE FUNCTION junkan_journeys_account_panels(
    p_tenant bigint, p_account bigint,
    p_activities integer, p_tasks integer, p_transitions integer, p_feedback integer)
RETURNS TABLE (
    phase json, journey_map json, milestones json, steps json,
    tasks json, activities json, transitions json, feedback json, users json
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
    ), st AS (
        SELECT s.* FROM journeys_actionstep s JOIN ms ON ms.id = s.milestone_id
        WHERE s.tenant_id = p_tenant
    ), tk AS (
        SELECT * FROM journeys_task
        WHERE tenant_id = p_tenant AND account_id = p_account AND status = 'open'
        ORDER BY due_date, id LIMIT p_tasks
    ), ev AS (
        SELECT * FROM journeys_activity
        WHERE tenant_id = p_tenant AND account_id = p_account
        ORDER BY occurred_at DESC, id DESC LIMIT p_activities
    ), tr AS (
        SELECT * FROM journeys_phasetransition
        WHERE tenant_id = p_tenant AND account_id = p_account
        ORDER BY occurred_at DESC, id DESC LIMIT p_transitions
    )
    SELECT
        (SELECT json_build_array(a.phase_id, a.entered_at) FROM journeys_accountphase a
         WHERE a.tenant_id = p_tenant AND a.account_id = p_account),
        (SELECT to_json(jm) FROM jm),
        (SELECT coalesce(json_agg(to_json(ms) ORDER BY ms."order", ms.due_date, ms.id), '[]')
         FROM ms),
        (SELECT coalesce(json_agg(json_build_array(to_json(st), to_json(c))
                ORDER BY st."order", st.due_date, st.id), '[]')
         FROM st LEFT JOIN accounts_contact c ON c.id = st.owner_contact_id),
        (SELECT coalesce(json_agg(to_json(tk) ORDER BY tk.due_date, tk.id), '[]') FROM tk),
        (SELECT coalesce(json_agg(to_json(ev) ORDER BY ev.occurred_at DESC, ev.id DESC), '[]')
         FROM ev),
        (SELECT coalesce(json_agg(to_json(tr) ORDER BY tr.occurred_at DESC, tr.id DESC), '[]')
         FROM tr),
        (SELECT coalesce(json_agg(to_json(f) ORDER BY f.created_at DESC, f.id DESC), '[]')
         FROM (SELECT * FROM journeys_feedbackitem
               WHERE tenant_id = p_tenant AND account_id = p_account
               ORDER BY created_at DESC, id DESC LIMIT p_feedback) f),
        (SELECT coalesce(json_agg(json_build_object(
                    'id', u.id, 'email', u.email, 'full_name', u.full_name,
                    'language', u.language)), '[]')
         FROM cs_platform_user u
         WHERE u.id IN (SELECT assignee_id FROM tk UNION SELECT actor_id FROM ev
                        UNION SELECT actor_id FROM tr UNION SELECT owner_user_id FROM st));
END
$fn$;
"""

GENERIC_PLAN = f"ALTER FUNCTION {SIGNATURE} SET plan_cache_mode = force_generic_plan;"
DROP = f"DROP FUNCTION IF EXISTS {SIGNATURE};"


class Migration(migrations.Migration):
    dependencies = [("journeys", "0020_account_panel_reads_generic_plan")]

    operations = [
        migrations.RunSQL(
            # A function's result columns cannot change in place: dropped and made again.
            DROP + FUNCTION + GENERIC_PLAN,
            DROP + _0018.FUNCTION + GENERIC_PLAN,
        )
    ]
