"""Saved account-list views filtered the phase by its id; `x_phase` now takes the value the
accounts API shows (the phase's `order`) or its key. Views saved before are rewritten."""

from urllib.parse import parse_qsl, urlencode

from django.db import migrations


def _rewrite(apps, schema_editor, *, forward: bool) -> None:
    SavedView = apps.get_model("accounts", "SavedView")
    Phase = apps.get_model("journeys", "Phase")
    for view in SavedView._base_manager.filter(query__contains="x_phase="):
        phases = Phase._base_manager.filter(tenant_id=view.tenant_id)
        if forward:
            mapping = {str(p.pk): str(p.order) for p in phases}
        else:
            mapping = {str(p.order): str(p.pk) for p in phases}
        pairs = [
            (key, mapping.get(value, value) if key == "x_phase" else value)
            for key, value in parse_qsl(view.query, keep_blank_values=True)
        ]
        query = urlencode(pairs)
        if query != view.query:
            SavedView._base_manager.filter(pk=view.pk).update(query=query)


def forwards(apps, schema_editor):
    _rewrite(apps, schema_editor, forward=True)


def backwards(apps, schema_editor):
    _rewrite(apps, schema_editor, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0008_saved_view"),
        ("journeys", "0005_due_and_score_bounds"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
