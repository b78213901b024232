"""The planner's touches raise the touch version (cs_platform 0010), not the whole data version.

0013 had every table the planner's measured reach and value come from raise the tenant's data
version, so every Learn & Support read and every sent e-mail made the portfolio, the funnel,
Learn & Support and Account 360's kept panels compute again. Now:
- all of them raise the touch version, which only the planner's cache reads
  (`touchmodel.selectors.planner.program_measured` keys by both versions);
- content views, sent e-mails, rules, firings and seminar registrations no longer raise the
  data version (no other cached page reads them);
- seminars (Learn & Support's seminar link) and meetings (written by a CSM, shown on pages
  that may be cached) still raise both.
"""

from django.db import migrations

WHOLE = [
    "touchmodel_rule",
    "touchmodel_rulefiring",
    "touchmodel_seminar",
    "touchmodel_seminarregistration",
    "journeys_meeting",
]
# table -> the rows (of the statement's old or new rows) that raise the touch version
FILTERED = {
    "journeys_activity": "kind = 'content_view'",
    "touchmodel_outboundemail": "status = 'sent'",
}
# Off the data version: read by no cached page but the planner.
DATA_WHOLE_OFF = ["touchmodel_rule", "touchmodel_rulefiring", "touchmodel_seminarregistration"]
OPS = ("insert", "update", "delete")


def _quoted(condition: str) -> str:
    return condition.replace("'", "''")


WATCH = (
    "".join(f"SELECT junkan_touch_version_watch('{t}');\n" for t in WHOLE)
    + "".join(
        f"SELECT junkan_touch_version_watch('{t}', '{_quoted(c)}');\n" for t, c in FILTERED.items()
    )
    + "".join(f"SELECT junkan_data_version_unwatch('{t}');\n" for t in DATA_WHOLE_OFF)
    + "".join(
        f"DROP TRIGGER IF EXISTS junkan_data_version_{op}_where ON {t};\n"
        for t in FILTERED
        for op in OPS
    )
)

# Back to 0013: the data version watches them all again.
_TRANSITIONS = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}
UNWATCH = (
    "".join(f"SELECT junkan_touch_version_unwatch('{t}');\n" for t in [*WHOLE, *FILTERED])
    + "".join(
        f"SELECT junkan_data_version_watch('{t}');\n"
        + "".join(
            f"ALTER TABLE {t} ENABLE ALWAYS TRIGGER junkan_data_version_{op};\n" for op in OPS
        )
        for t in DATA_WHOLE_OFF
    )
    + "".join(
        f"CREATE TRIGGER junkan_data_version_{op}_where AFTER {op.upper()} ON {t}"
        f" REFERENCING {refs} FOR EACH STATEMENT"
        f" EXECUTE FUNCTION junkan_data_version_bump_where('{_quoted(c)}');\n"
        f"ALTER TABLE {t} ENABLE ALWAYS TRIGGER junkan_data_version_{op}_where;\n"
        for t, c in FILTERED.items()
        for op, refs in _TRANSITIONS.items()
    )
)


class Migration(migrations.Migration):
    dependencies = [
        ("cs_platform", "0010_touch_version"),
        ("journeys", "0013_account_list_phase_key"),
        ("touchmodel", "0014_account_list_tier_key"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
