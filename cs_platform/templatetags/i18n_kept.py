"""Django's `i18n` template library, with `{% translate "…" %}` of a constant message kept
per language (issue #16: Account 360 renders ~80 of them per view at ~10 µs each; kept, each
is one dictionary read).

Installed as the `i18n` library (settings `TEMPLATES` OPTIONS `libraries`), so every
`{% load i18n %}` loads it; every other tag and filter is Django's own.

NOTE: a message is kept as Django renders it, by the active language, autoescaping and
localization; a change of the catalogues (a setting the translations follow, a compiled
catalogue in development) drops what was kept. A message given as a variable, with filters,
with a context given as a variable, or stored `as` a variable is rendered as Django does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Variable
from django.templatetags.i18n import TranslateNode, do_translate
from django.templatetags.i18n import register as django_i18n
from django.utils.autoreload import file_changed
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.tags)
register.filters.update(django_i18n.filters)

# Moved whenever the translations may have changed: a kept message names it.
_catalogues = [0]
_TRANSLATION_SETTINGS = {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "USE_I18N"}


@receiver(setting_changed)
def _setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in _TRANSLATION_SETTINGS:
        _catalogues[0] += 1


@receiver(file_changed)
def _catalogue_compiled(*, file_path: Path, **kwargs: Any) -> None:
    # Django's reloader reloads the translations without a restart (translation_file_changed).
    if file_path.suffix == ".mo":
        _catalogues[0] += 1


class KeptTranslateNode(TranslateNode):
    def __init__(self, node: TranslateNode) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        var, context = self.filter_expression.var, self.message_context
        self.constant = (
            isinstance(var, Variable)
            and var.literal is not None
            and not self.filter_expression.filters
            and not self.asvar
            and (context is None or not (context.filters or isinstance(context.var, Variable)))
        )
        self.kept: dict[tuple[Any, ...], str] = {}

    def render(self, context: template.Context) -> str:
        if not self.constant:
            return super().render(context)  # type: ignore[no-any-return]
        key = (_catalogues[0], get_language(), context.autoescape, context.use_l10n)
        value = self.kept.get(key)
        if value is None:
            value = self.kept[key] = super().render(context)
        return value


@register.tag("translate")
@register.tag("trans")
def translate(parser: template.base.Parser, token: template.base.Token) -> TranslateNode:
    return KeptTranslateNode(do_translate(parser, token))
