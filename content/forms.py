from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from journeys.selectors import phase_list

from .models import Article, Maturity, Section, SectionKind, Tier


class ArticleSettingsForm(forms.Form):
    section = forms.ModelChoiceField(queryset=Section.objects.all(), label=_("Section"))
    slug = forms.SlugField(
        label=_("Slug (URL)"),
        max_length=120,
        required=False,
        help_text=_("Letters, digits and hyphens; left empty, one is made from the title."),
    )
    phases = forms.MultipleChoiceField(
        label=_("Phases"), required=False, widget=forms.CheckboxSelectMultiple
    )
    tiers = forms.MultipleChoiceField(
        label=_("Tiers"), choices=Tier.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    maturity = forms.ChoiceField(label=_("Maturity level"), choices=Maturity.choices)
    next_article = forms.ModelChoiceField(
        queryset=Article.objects.all(), label=_("Next article"), required=False
    )

    def __init__(self, *args: Any, article: Article | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        phases = self.fields["phases"]
        assert isinstance(phases, forms.MultipleChoiceField)
        phases.choices = [(p.key, p.name) for p in phase_list()]
        queryset = Article.objects.prefetch_related("translations").order_by("slug")
        if article is not None:
            queryset = queryset.exclude(pk=article.pk)
        next_article = self.fields["next_article"]
        assert isinstance(next_article, forms.ModelChoiceField)
        next_article.queryset = queryset
        next_article.label_from_instance = _article_label  # type: ignore[method-assign,assignment]


def _article_label(article: Article) -> str:
    titles = [t.title for t in article.translations.all()]
    return f"{titles[0] if titles else article.slug} ({article.slug})"


class TranslationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    summary = forms.CharField(label=_("Summary"), max_length=400, required=False)
    body_markdown = forms.CharField(
        label=_("Body (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 18})
    )
    story_person = forms.CharField(label=_("Person's name"), max_length=120, required=False)
    story_role = forms.CharField(label=_("Role"), max_length=120, required=False)
    story_company = forms.CharField(label=_("Company"), max_length=200, required=False)
    story_what = forms.CharField(
        label=_("What they did"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    story_quote = forms.CharField(
        label=_("Quote"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def has_content(self) -> bool:
        return bool(self.cleaned_data.get("title"))


class SectionForm(forms.Form):
    key = forms.SlugField(label=_("Key (URL)"), max_length=60)
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    description_ja = forms.CharField(
        label=_("Description (Japanese)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=SectionKind.choices)


class ImageUploadForm(forms.Form):
    file = forms.FileField(label=_("Image (PNG, JPEG, GIF or WebP, up to 5 MB)"))


class ReaderSearchForm(forms.Form):
    """The public search box. CharField refuses NUL characters, which PostgreSQL cannot take."""

    q = forms.CharField(max_length=200, required=False, strip=True)


class MagicLinkRequestForm(forms.Form):
    email = forms.EmailField(label=_("Your work e-mail"), max_length=254)


class SiteDomainForm(forms.Form):
    domain = forms.CharField(
        label=_("Domain"),
        max_length=253,
        help_text=_("A host name you control, such as help.example.co.jp (no https://, no path)."),
        widget=forms.TextInput(attrs={"placeholder": "help.example.co.jp", "autocomplete": "off"}),
    )
