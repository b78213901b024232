"""The raw usage-event table, partitioned by month on `occurred_at`.

No primary key or foreign key: every index and constraint costs on the COPY path, and a unique
index would have to include `occurred_at`. De-duplication happens in `healthscore_eventkey`.
The current month and the next two are created here; `healthscore.ensure_partitions` (beat)
keeps creating them ahead, and ingestion creates a missing month on demand.
"""

from django.db import migrations

CREATE = """
CREATE SEQUENCE IF NOT EXISTS healthscore_usageevent_id_seq;
CREATE TABLE healthscore_usageevent (
    id bigint NOT NULL DEFAULT nextval('healthscore_usageevent_id_seq'),
    tenant_id bigint NOT NULL,
    account_id bigint NOT NULL,
    contact_key varchar(100),
    event varchar(100) NOT NULL,
    occurred_at timestamptz NOT NULL,
    properties jsonb,
    idempotency_key varchar(200),
    received_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE healthscore_usageevent_id_seq OWNED BY healthscore_usageevent.id;
CREATE INDEX healthscore_usageevent_account_idx
    ON healthscore_usageevent (tenant_id, account_id, occurred_at);
DO $$
DECLARE
    m date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    i int;
BEGIN
    FOR i IN 0..2 LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF healthscore_usageevent '
            'FOR VALUES FROM (%L) TO (%L)',
            'healthscore_usageevent_p' || to_char(m + make_interval(months => i), 'YYYYMM'),
            (m + make_interval(months => i))::timestamp AT TIME ZONE 'UTC',
            (m + make_interval(months => i + 1))::timestamp AT TIME ZONE 'UTC'
        );
    END LOOP;
END $$;
"""

DROP = "DROP TABLE IF EXISTS healthscore_usageevent CASCADE;"


class Migration(migrations.Migration):
    dependencies = [("healthscore", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
