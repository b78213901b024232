from __future__ import annotations

from django import forms

from .events import EVENT_CHOICES
from .models import WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "format", "language"]
        field_classes = {"url": forms.URLField}

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["url"].assume_scheme = "https"  # type: ignore[attr-defined]
