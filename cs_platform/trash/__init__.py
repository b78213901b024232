"""Nothing is lost: deletes go to a trash an admin can restore from for 30 days.

- `extensions`: the extension point where apps declare which of their models are trashable;
- `services`: `trash_delete`, `trash_restore`, `trash_purge_expired`, `change_record`;
- `selectors`: the trash and the change log of a tenant;
- `views` / `api`: the admin page and `/api/v1/trash/`, `/api/v1/changes/`.
"""
