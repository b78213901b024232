"""What every stored value of the project must be, checked in one place: the model field.

`install_field_validators()` (run once when the apps are ready) gives every text, date and
date-time field of the project's models its domain rule, so ModelSerializers (the API),
ModelForms (the pages) and `full_clean()` (CSV import, services) all apply the same check,
and drf-spectacular documents text rules as a `pattern` in the OpenAPI schema:

- text holds no C0/C1 control characters (they render as garbage on the public site);
  long text (TextField) keeps newline, carriage return and tab;
- dates and date-times lie in the years the domain knows (1970–2199): earlier years meet
  local mean time offsets with seconds (+09:18:59) that no client can parse.

Ranges of numbers are declared on each field (MinValueValidator…) with a CHECK constraint.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.signals import pre_save
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# C0 controls, DEL and C1 controls; long text keeps \t \n \r.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"
CONTROL_CHARACTERS_IN_TEXT = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"

no_control_characters = RegexValidator(
    rf"\A[^{CONTROL_CHARACTERS}]*\Z",
    _("Control characters are not allowed."),
    code="control_characters",
)
no_control_characters_in_text = RegexValidator(
    rf"\A[^{CONTROL_CHARACTERS_IN_TEXT}]*\Z",
    _("Control characters are not allowed (newlines and tabs are)."),
    code="control_characters",
)

DATE_MIN = dt.date(1970, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)


@deconstructible
class DomainDateValidator:
    """A date or date-time between DATE_MIN and DATE_MAX (409: well-formed, out of the domain)."""

    message = _("Dates must lie between %(min)s and %(max)s.")
    code = "out_of_range"

    def __call__(self, value: dt.date | dt.datetime | None) -> None:
        if value is None:
            return
        day = value.date() if isinstance(value, dt.datetime) else value
        if not DATE_MIN <= day <= DATE_MAX:
            raise ValidationError(
                self.message,
                code=self.code,
                params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DomainDateValidator)


domain_date = DomainDateValidator()


def forbidden_characters(field: models.Field) -> str | None:
    """The regex character class a text field refuses (for checks over many rows at once,
    e.g. the CSV import), or None when the field is not text."""
    if isinstance(field, models.TextField):
        return f"[{CONTROL_CHARACTERS_IN_TEXT}]"
    if isinstance(field, models.CharField):
        return f"[{CONTROL_CHARACTERS}]"
    return None


def _rules_for(field: models.Field) -> list:
    if not field.editable or getattr(field, "auto_now", False):
        return []
    if isinstance(field, models.TextField):
        return [no_control_characters_in_text]
    if isinstance(field, models.CharField):
        return [no_control_characters]
    if isinstance(field, models.DateField):  # DateTimeField too
        return [domain_date]
    return []


def _is_project_app(path: str) -> bool:
    """The project's own apps (any app in this repository, added later ones too)."""
    here = Path(path).resolve()
    base = Path(settings.BASE_DIR).resolve()
    return here.is_relative_to(base) and ".venv" not in here.relative_to(base).parts


_RULED_FIELDS: dict[type[models.Model], list[tuple[models.Field, list]]] = {}


def install_field_validators() -> None:
    """Give every project field its rule, and check the rules on every save()."""
    # NOTE: the rules go into each field instance's `default_validators`, which migrations do
    # not serialise: adding a rule changes no migration, and a new field gets it by itself.
    for model in apps.get_models():
        if not _is_project_app(model._meta.app_config.path):
            continue
        for field in model._meta.local_fields:
            rules = _rules_for(field)
            if not rules:
                continue
            field.default_validators = [*field.default_validators, *rules]
            field.__dict__.pop("validators", None)  # cached_property
            _RULED_FIELDS.setdefault(model, []).append((field, rules))
        if model in _RULED_FIELDS:
            pre_save.connect(check_rules_on_save, sender=model, dispatch_uid=f"rules-{model}")


def install_serializer_rules() -> None:
    """Plain serializer text fields (those not built from a model field) get the one-line
    rule too, so a request field that writes into a model is refused (and documented) the
    way the model would refuse it."""

    # NOTE: DRF fields use `default_validators` only when no `validators=` is given, which is
    # the case for hand-declared fields; ModelSerializer passes the model field's own rules.
    serializers.CharField.default_validators = [no_control_characters]
    for own_format in (
        serializers.EmailField,
        serializers.RegexField,
        serializers.SlugField,
        serializers.URLField,
        serializers.UUIDField,
        serializers.IPAddressField,
    ):
        own_format.default_validators = []


def check_rules_on_save(
    sender: type[models.Model],
    instance: models.Model,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: object,
) -> None:
    """The same rules for writes that skip full_clean() (services called by plain forms, tasks):
    a value no page could show is never stored. Bulk writes check them themselves (the CSV
    import, with `forbidden_characters`)."""
    if raw:
        return
    errors: dict[str, list[ValidationError]] = {}
    for field, rules in _RULED_FIELDS.get(sender, []):
        if update_fields is not None and field.name not in update_fields:
            continue
        value = getattr(instance, field.attname)
        if value in (None, ""):
            continue
        for rule in rules:
            try:
                rule(value)
            except ValidationError as exc:
                errors.setdefault(field.name, []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
