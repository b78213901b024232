"""`{% translate "…" %}` of a constant message, kept per node and language (issue #16: Account
360 renders ~75 per first view at ~10 µs each; kept, each is one dictionary read).

Load it after Django's own: `{% load i18n i18n_kept %}` (a later library's tag takes the
name), so the page's `translate` and `trans` tags are these and every other i18n tag and filter
is Django's. A library of its own name, not one installed as `i18n`: a library taking a
built-in's name raises templates.W003 (`manage.py check --deploy` fails on it).

NOTE: a message is kept as Django renders it, by the active language, autoescaping and
localization; a change of the catalogues (a setting the translations follow, a compiled
catalogue in development) drops what was kept. A message given as a variable, with filters,
with a context given as a variable, or stored `as` a variable is rendered as Django does.

The active language is read once per template rendered (its render context's layer), not per
tag: each read is of an asgiref Local, 3-9 µs, and Account 360's first view renders ~70 such
tags in ~15 templates. WARNING: only `{% language %}` changes the language inside a
template's render; this library's `language` tag reads it anew inside its block. A template
that switches the language with Django's own tag (`{% load i18n %}` alone) around an
`{% include %}` of a template that loads this library must load it too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Parser, Token, Variable
from django.templatetags.i18n import LanguageNode, TranslateNode, do_translate, language
from django.utils.autoreload import file_changed
from django.utils.translation import get_language

register = template.Library()

# Moved whenever the translations may have changed: a node's kept messages are then dropped.
_catalogues = [0]
_TRANSLATION_SETTINGS = {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "USE_I18N"}
# The render context's key of the active language, read by the template's first kept tag.
_LANGUAGE = "junkan.i18n_kept.language"


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
        self.catalogues = _catalogues[0]

    def render(self, context: template.Context) -> str:
        if not self.constant:
            return super().render(context)  # type: ignore[no-any-return]
        if self.catalogues != _catalogues[0]:  # what was kept is dropped, not kept beside
            self.kept, self.catalogues = {}, _catalogues[0]
        render_context = context.render_context
        active = render_context.get(_LANGUAGE)
        if active is None:
            active = render_context[_LANGUAGE] = get_language()
        key = (active, context.autoescape, context.use_l10n)
        value = self.kept.get(key)
        if value is None:
            value = self.kept[key] = super().render(context)
        return value


@register.tag("translate")
@register.tag("trans")
def translate(parser: Parser, token: Token) -> TranslateNode:
    return KeptTranslateNode(do_translate(parser, token))


class KeptLanguageNode(LanguageNode):
    """Django's `{% language %}`: the kept tags inside its block read the language it
    activates, and those after it the one it restores."""

    def render(self, context: template.Context) -> str:
        render_context = context.render_context
        outer = render_context.get(_LANGUAGE)
        render_context[_LANGUAGE] = None
        try:
            return super().render(context)  # type: ignore[no-any-return]
        finally:
            render_context[_LANGUAGE] = outer


@register.tag("language")
def kept_language(parser: Parser, token: Token) -> LanguageNode:
    node = language(parser, token)
    return KeptLanguageNode(node.nodelist, node.language)
