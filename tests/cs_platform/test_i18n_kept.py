"""`{% load i18n %}` loads cs_platform.templatetags.i18n_kept: a constant `{% translate %}`
is kept per language and renders as Django's own tag does (issue #16)."""

from __future__ import annotations

import pytest
from django.core.signals import setting_changed
from django.template import Context, engines
from django.template.base import Template
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from cs_platform.templatetags.i18n_kept import KeptTranslateNode

TAGS = (
    '{% translate "Owner" %}|{% trans "Industry" %}|{% translate "100%% <b>" %}|'
    '{% translate "May" context "month name" %}|{% translate "Owner" noop %}|'
    "{% translate word %}|{% translate 'Owner'|upper %}|{% translate \"Owner\" as o %}{{ o }}"
)


def _template(text: str) -> Template:
    return engines["django"].engine.from_string("{% load i18n %}" + text)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_a_kept_translation_renders_as_djangos_tag_in_each_language(language, autoescape):
    kept = _template(TAGS)
    django_own = _template(TAGS)
    for node in django_own.nodelist:
        if isinstance(node, KeptTranslateNode):
            node.render = lambda context, _node=node: TranslateNode.render(_node, context)
    with translation.override(language):
        for _ in range(2):  # rendered, then kept
            context = {"word": "Owner"}
            assert kept.render(Context(context, autoescape=autoescape)) == django_own.render(
                Context(context, autoescape=autoescape)
            )


def test_only_constant_messages_are_kept():
    nodes = [n for n in _template(TAGS).nodelist if isinstance(n, KeptTranslateNode)]
    assert [n.constant for n in nodes] == [True, True, True, True, True, False, False, False]


def test_a_kept_translation_follows_the_language_and_a_change_of_the_catalogues(monkeypatch):
    template = _template('{% translate "Owner" %}')
    with translation.override("ja"):
        ja = template.render(Context())
    with translation.override("en"):
        assert template.render(Context()) == "Owner" != ja
        monkeypatch.setattr(translation._trans, "gettext", lambda message: "Proprietor")
        assert template.render(Context()) == "Owner"  # kept
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=[], enter=True)
        assert template.render(Context()) == "Proprietor"
