"""`{% load i18n i18n_kept %}`: a constant `{% translate %}` is kept per node and language and
renders as Django's own tag does; the library raises no check issue (issue #16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import checks
from django.core.signals import setting_changed
from django.template import Context, engines
from django.template.base import Template
from django.template.loader import get_template
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from cs_platform.templatetags.i18n_kept import KeptTranslateNode

TAGS = (
    '{% translate "Owner" %}|{% trans "Industry" %}|{% translate "100%% <b>" %}|'
    '{% translate "May" context "month name" %}|{% translate "Owner" noop %}|'
    "{% translate word %}|{% translate 'Owner'|upper %}|{% translate \"Owner\" as o %}{{ o }}|"
    '{% blocktranslate %}Owner{% endblocktranslate %}|{% translate "May" context ctx %}'
)

# Account 360's first view (the page, its content and panels) and the other pages the page
# bench measures: every translate tag they render is kept.
KEPT_TEMPLATES = [
    "partials/topbar.html",
    "accounts/_detail.html",
    "accounts/_relations.html",
    "healthscore/panels/header.html",
    "healthscore/panels/health.html",
    "healthscore/panels/surveys.html",
    "journeys/panels/journey_map.html",
    "journeys/panels/tasks.html",
    "journeys/panels/timeline.html",
    "journeys/panels/feedback.html",
    "touchmodel/panels/account_touch.html",
    "content/staff/plan_panel.html",
    "content/staff/account_panel.html",
    "cs_platform/dashboard.html",
    "cs_platform/_worker_notice.html",
    "healthscore/panels/dashboard.html",
    "touchmodel/panels/dashboard.html",
    "accounts/account_list.html",
    "accounts/_keyset_pager.html",
    "healthscore/portfolio.html",
    "healthscore/panels/milestones_at_risk.html",
    "touchmodel/panels/portfolio_tiers.html",
    "journeys/my_work.html",
    "journeys/funnel.html",
    "touchmodel/planner.html",
    "touchmodel/partials/subnav.html",
    "touchmodel/partials/programs.html",
    "touchmodel/partials/capacity.html",
    "content/public/base.html",
    "content/public/home.html",
    "content/public/_home_blocks.html",
    "content/public/article.html",
    "content/public/_article_main.html",
]


def _template(text: str) -> Template:
    return engines["django"].engine.from_string("{% load i18n i18n_kept %}" + text)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_a_kept_translation_renders_as_djangos_tag_in_each_language(language, autoescape):
    kept = _template(TAGS)
    django_own = engines["django"].engine.from_string("{% load i18n %}" + TAGS)
    with translation.override(language):
        for _ in range(2):  # rendered, then kept
            context = {"word": "Owner", "ctx": "month name"}
            assert kept.render(Context(context, autoescape=autoescape)) == django_own.render(
                Context(context, autoescape=autoescape)
            )


def test_only_constant_messages_are_kept():
    nodes = _template(TAGS).nodelist.get_nodes_by_type(TranslateNode)
    assert all(isinstance(n, KeptTranslateNode) for n in nodes)
    assert [n.constant for n in nodes] == [True, True, True, True, True, False, False, False, False]


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
        node = template.nodelist.get_nodes_by_type(KeptTranslateNode)[0]
        # The earlier catalogues' messages are dropped (Django resets the active language too).
        assert list(node.kept) == [(translation.get_language(), True, None)]


def test_a_compiled_catalogue_drops_the_kept_translations(monkeypatch):
    from django.utils.autoreload import file_changed  # deferred: the reloader's signal only here

    template = _template('{% translate "Owner" %}')
    with translation.override("en"):
        assert template.render(Context()) == "Owner"
        monkeypatch.setattr(translation._trans, "gettext", lambda message: "Proprietor")
        file_changed.send(sender=None, file_path=Path("locale/en/LC_MESSAGES/django.po"))
        assert template.render(Context()) == "Owner"  # a source file: kept
        file_changed.send(sender=None, file_path=Path("locale/en/LC_MESSAGES/django.mo"))
        assert template.render(Context()) == "Proprietor"


@pytest.mark.parametrize("name", KEPT_TEMPLATES)
def test_the_hot_pages_keep_every_translate_tag(name):
    nodes = get_template(name).template.nodelist.get_nodes_by_type(TranslateNode)
    assert nodes
    assert all(isinstance(n, KeptTranslateNode) for n in nodes)


def test_the_library_raises_no_template_check_issue():
    # A library taking the built-in `i18n` name raised templates.W003 (check --deploy fails).
    assert checks.run_checks(tags=[checks.Tags.templates]) == []


def test_the_language_is_read_once_per_template_rendered(monkeypatch):
    from cs_platform.templatetags import i18n_kept  # deferred: its get_language is counted

    reads = []
    monkeypatch.setattr(i18n_kept, "get_language", lambda: reads.append(1) or "en")
    template = _template('{% translate "Owner" %}{% translate "Industry" %}{% translate "May" %}')
    with translation.override("en"):
        template.render(Context())
        template.render(Context())
    assert len(reads) == 2


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_language_block_renders_its_kept_translations_in_its_language(language):
    text = (
        '{% translate "Owner" %}|{% language inner %}{% translate "Owner" %}|'
        '{% language "ja" %}{% translate "Owner" %}{% endlanguage %}|{% translate "Owner" %}'
        '{% endlanguage %}|{% translate "Owner" %}'
    )
    kept = _template(text)
    django_own = engines["django"].engine.from_string("{% load i18n %}" + text)
    with translation.override(language):
        for inner in ("en", "ja", "en"):  # each node rendered in both, then kept
            context = {"inner": inner}
            assert kept.render(Context(context)) == django_own.render(Context(context))
    with translation.override("ja"):
        owner = kept.render(Context({"inner": "en"})).split("|")
    assert owner == ["担当者", "Owner", "担当者", "Owner", "担当者"]
