"""The audit log: an append-only record of who changed what (see `AuditEvent`).

- `context`: who is acting and from where, set once per entry point;
- `services`: `audit_record` / `audit_record_many` (the only writers), the diff helpers, the
  retention purge;
- `tracking`: configuration models whose saves are recorded whichever path saves them;
- `signals`: sign-ins and failed sign-ins (Django's auth signals);
- `selectors`, `views`, `api`: the admin page, its CSV export and the read API.
"""
