"""The planner's measured reach and value are cached under the tenant's data version
(`cs_platform.datacache`, `touchmodel.selectors.planner.program_measured`): every table its
touches come from raises the version when written.

Rules, firings, seminars, registrations and meetings are watched whole (they are written by a
CSM or by a playbook run, a statement at a time). Two tables are written far more often than
the planner cares about, and raise the version only for the rows it reads:
- the timeline (`journeys_activity`): only content views (reads of Learn & Support articles);
- outbound e-mails: only a row that is or was sent (queued and sending rows are no touch).
The scores, tiers, accounts and milestones the effect chain also reads are watched already.
"""

from django.db import migrations

WHOLE = [
    "touchmodel_rule",
    "touchmodel_rulefiring",
    "touchmodel_seminar",
    "touchmodel_seminarregistration",
    "journeys_meeting",
]
# table -> the rows (of the statement's old or new rows) that raise the version
FILTERED = {
    "journeys_activity": "kind = 'content_view'",
    "touchmodel_outboundemail": "status = 'sent'",
}

FUNCTION = """
CREATE OR REPLACE FUNCTION junkan_data_version_bump_where() RETURNS trigger
LANGUAGE plpgsql AS $fn$
-- As junkan_data_version_bump (cs_platform 0008), for the rows matching TG_ARGV[0] only.
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE format(
            'INSERT INTO cs_platform_dataversionbump (tenant_id) SELECT tenant_id'
            ' FROM cs_platform_dataversion WHERE tenant_id IN'
            ' (SELECT DISTINCT tenant_id FROM old_rows WHERE %s)', TG_ARGV[0]);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format(
            'INSERT INTO cs_platform_dataversionbump (tenant_id) SELECT tenant_id'
            ' FROM cs_platform_dataversion WHERE tenant_id IN'
            ' (SELECT DISTINCT tenant_id FROM new_rows WHERE %s)', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$fn$;
"""


def _watch_whole(table: str) -> str:
    return f"SELECT junkan_data_version_watch('{table}');\n" + "".join(
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER junkan_data_version_{op};\n"
        for op in ("insert", "update", "delete")
    )


def _watch_filtered(table: str, condition: str) -> str:
    quoted = condition.replace("'", "''")
    transitions = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    return "".join(
        f"DROP TRIGGER IF EXISTS junkan_data_version_{op}_where ON {table};\n"
        f"CREATE TRIGGER junkan_data_version_{op}_where AFTER {op.upper()} ON {table}"
        f" REFERENCING {refs} FOR EACH STATEMENT"
        f" EXECUTE FUNCTION junkan_data_version_bump_where('{quoted}');\n"
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER junkan_data_version_{op}_where;\n"
        for op, refs in transitions.items()
    )


WATCH = (
    FUNCTION
    + "".join(_watch_whole(t) for t in WHOLE)
    + "".join(_watch_filtered(t, c) for t, c in FILTERED.items())
)
UNWATCH = (
    "".join(f"SELECT junkan_data_version_unwatch('{t}');\n" for t in WHOLE)
    + "".join(
        f"DROP TRIGGER IF EXISTS junkan_data_version_{op}_where ON {t};\n"
        for t in FILTERED
        for op in ("insert", "update", "delete")
    )
    + "DROP FUNCTION IF EXISTS junkan_data_version_bump_where();\n"
)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0008_data_version_bumps"),
        ("journeys", "0012_trashed_task_label_data"),
        ("touchmodel", "0012_attendance_entry_name_from_title"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
