"""Set-based removal of a tenant's health data (benches, tenant off-boarding).

Deleting a tenant through the ORM walks every score row in Python; this empties the
healthscore tables with one DELETE each first.
"""

from __future__ import annotations

from django.db import connection, transaction

from cs_platform.models import Tenant

_TABLES = [
    "healthscore_healthalert",
    "healthscore_healthscore",
    "healthscore_recomputejob",
    "healthscore_usagedaily",
    "healthscore_contactdaily",
    "healthscore_eventkey",
    "healthscore_usageevent",
    "healthscore_surveyresponse",
]


@transaction.atomic
def healthscore_tenant_purge(*, tenant: Tenant) -> None:
    with connection.cursor() as cursor:
        for table in _TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])
