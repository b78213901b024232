from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import ApiKeyScope


def model_choices_show(field: forms.ModelChoiceField, choices: list[tuple[Any, str]]) -> None:
    """Render a model choice field from `choices` (id, label) read already, not from a fresh
    query of its queryset; the queryset still validates what is posted."""
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = [*empty, *choices]


def model_form_changes(form: forms.ModelForm) -> dict[str, Any]:
    """The model fields a validated ModelForm edits, as a service's `data`: forms validate,
    the named services write."""
    meta = form._meta
    names = {f.name for f in meta.model._meta.concrete_fields}
    if meta.fields is not None and meta.fields != "__all__":
        names &= set(meta.fields)
    names -= set(meta.exclude or ())
    # The fields `construct_instance` would copy onto the instance, no others.
    return {k: v for k, v in form.cleaned_data.items() if k in names and k in form.fields}


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiKeyScope.choices)
