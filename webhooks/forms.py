from __future__ import annotations

from typing import Any

from django import forms

from .events import EVENT_CHOICES
from .models import WebhookEndpoint


class HttpsURLField(forms.URLField):
    """A URL field that completes a bare host name with https:// (what Django 6 does by default;
    saying so here keeps Django 5.2 from warning about the coming change)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(assume_scheme="https", **kwargs)


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "format", "language"]
        field_classes = {"url": HttpsURLField}
