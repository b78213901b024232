"""`get_<field>_display()` of a tenant-owned model (`cs_platform.choicelabels`): Django's value,
translating only the label it shows."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.functional import lazy

from accounts.models import Account
from cs_platform.scoping import TenantScopedModel


def _choice_fields():
    for model in apps.get_models():
        if issubclass(model, TenantScopedModel):
            for field in model._meta.concrete_fields:
                if field.choices is not None:
                    yield model, field


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_choice_label_is_djangos(language):
    fields = list(_choice_fields())
    assert len(fields) > 20
    with translation.override(language):
        for model, field in fields:
            for value, _label in [*field.flatchoices, ("not-a-choice", None)]:
                instance = model(**{field.attname: value})
                shown = getattr(instance, f"get_{field.name}_display")()
                assert shown == models.Model._get_FIELD_display(instance, field), (field, value)


def test_the_label_is_worded_in_the_active_language():
    account = Account(lifecycle_status="churned")
    with translation.override("en"):
        english = account.get_lifecycle_status_display()
    with translation.override("ja"):
        japanese = account.get_lifecycle_status_display()
    assert english == "Churned" and japanese != english


def test_only_the_label_shown_is_translated(monkeypatch):
    worded = []

    def word(text):
        worded.append(text)
        return text.upper()

    field = Account._meta.get_field("market_segment")
    monkeypatch.setattr(field, "choices", [(v, lazy(word, str)(v)) for v in ("a", "b", "c")])
    assert Account(market_segment="b").get_market_segment_display() == "B"
    assert worded == ["b"]


def test_new_choices_of_a_field_are_read(monkeypatch):
    field = Account._meta.get_field("market_segment")
    assert Account(market_segment="smb").get_market_segment_display() != "small"
    monkeypatch.setattr(field, "choices", [("smb", "small")])
    assert Account(market_segment="smb").get_market_segment_display() == "small"
