from __future__ import annotations

from django import forms

from .models import TrackingSettings


class TrackingSettingsForm(forms.ModelForm):
    class Meta:
        model = TrackingSettings
        fields = ["create_unknown_accounts"]
