"""Forms of the staff and public pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.extensions import content_choices
from accounts.models import BusinessPotential, MarketSegment
from accounts.selectors import contact_list
from cs_platform.forms import model_form_changes

from . import integrations
from .models import (
    RULE_PARAM_BOUNDS,
    SEMINAR_FIELDS,
    TIER_RULE_FIELDS,
    TOUCH_PROGRAM_FIELDS,
    TRIGGER_PARAMS,
    ChampionNomination,
    CsmCapacity,
    HealthBand,
    Rule,
    Seminar,
    Tier,
    TierRule,
    TouchProgram,
    TouchSettings,
    Trigger,
    UserGroup,
)


def _phase_choices() -> list[tuple[int, str]]:
    try:
        return integrations.phase_choices()
    except Exception:  # journeys not migrated yet: no phases to offer
        return []


def _checkboxes(label: Any, choices: Any) -> forms.MultipleChoiceField:
    """An optional pick of several values, as checkboxes."""
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


def _rule_param(name: str, label: Any) -> forms.IntegerField:
    """An optional trigger setting within its bounds (RULE_PARAM_BOUNDS, as the API checks)."""
    low, high = RULE_PARAM_BOUNDS[name]
    return forms.IntegerField(label=label, required=False, min_value=low, max_value=high)


class TierRuleForm(forms.ModelForm):
    business_potentials = _checkboxes(_("business potential is"), BusinessPotential.choices)
    market_segments = _checkboxes(_("market segment is"), MarketSegment.choices)
    health_bands = _checkboxes(_("health band is"), HealthBand.choices)
    phase_ids = forms.TypedMultipleChoiceField(
        label=_("phase is"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TierRule
        fields = TIER_RULE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase_ids"].choices = _phase_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("arr_min"), data.get("arr_max")
        if low is not None and high is not None and low >= high:
            self.add_error("arr_max", _("Must be greater than the lower bound."))
        return data


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(label=_("tier"), choices=Tier.choices)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class TouchProgramForm(forms.ModelForm):
    class Meta:
        model = TouchProgram
        fields = TOUCH_PROGRAM_FIELDS


class TouchSettingsForm(forms.ModelForm):
    class Meta:
        model = TouchSettings
        fields = [
            "default_tier",
            "hours_high",
            "hours_low",
            "hours_tech",
            "default_csm_hours",
            "email_from",
        ]


class CsmCapacityForm(forms.ModelForm):
    class Meta:
        model = CsmCapacity
        fields = ["user", "hours_per_month"]

    def __init__(self, *args: Any, users: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if users is not None:
            self.fields["user"].queryset = users


class RuleForm(forms.ModelForm):
    phase_id = forms.TypedChoiceField(
        label=_("phase"), coerce=int, required=False, empty_value=None
    )
    days = _rule_param("days", _("N days"))
    threshold = _rule_param("threshold", _("health below X"))
    points = _rule_param("points", _("dropped N points"))
    article = forms.ChoiceField(
        label=_("article read"),
        required=False,
        help_text=_("Content read: fire once per account when a contact reads this article."),
    )
    section = forms.ChoiceField(
        label=_("section read"),
        required=False,
        help_text=_("Content read: fire once per account when a contact reads in this section."),
    )
    tiers = _checkboxes(_("only for tiers"), Tier.choices)
    checklist_text = forms.CharField(
        label=_("checklist (one item per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = Rule
        fields = [
            "name_ja",
            "name_en",
            "trigger",
            "tiers",
            "segment",
            "act_high",
            "act_low",
            "act_tech",
            "due_in_days",
            "message_ja",
            "message_en",
            "program",
            "is_active",
        ]
        widgets = {
            "message_ja": forms.Textarea(attrs={"rows": 3}),
            "message_en": forms.Textarea(attrs={"rows": 3}),
        }

    PARAMS = ("phase_id", "days", "threshold", "points", "article", "section")
    CONTENT_PARAMS = ("article", "section")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase_id"].choices = [("", "—"), *_phase_choices()]
        for name in self.CONTENT_PARAMS:
            self.fields[name].choices = [("", "—"), *content_choices(f"{name}s")]
        params = self.instance.params or {}
        for name in self.PARAMS:
            self.fields[name].initial = params.get(name)
            triggers = [t for t, names in TRIGGER_PARAMS.items() if name in names]
            self.fields[name].widget.attrs["data-for-triggers"] = " ".join(triggers)
        self.fields["checklist_text"].initial = "\n".join(self.instance.checklist or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        trigger = data.get("trigger")
        if trigger == Trigger.PHASE_ENTERED and not data.get("phase_id"):
            self.add_error("phase_id", _("Choose the phase this rule watches."))
        if data.get("article") and data.get("section"):
            self.add_error("section", _("Choose an article or a section, not both."))
        if trigger != Trigger.CONTENT_READ:
            for name in self.CONTENT_PARAMS:
                data[name] = ""
        return data

    def changes(self) -> dict[str, Any]:
        """The rule's fields as `rule_create`/`rule_update` take them: the trigger's settings
        packed into `params`, the checklist lines into `checklist`."""
        data = model_form_changes(self)
        read = TRIGGER_PARAMS.get(data["trigger"], self.PARAMS)
        data["params"] = {
            name: self.cleaned_data[name]
            for name in self.PARAMS
            if name in read and self.cleaned_data.get(name) not in (None, "")
        }
        data["checklist"] = [
            line.strip()
            for line in self.cleaned_data.get("checklist_text", "").splitlines()
            if line.strip()
        ]
        return data


class SeminarForm(forms.ModelForm):
    target_phase_id = forms.TypedChoiceField(
        label=_("phase target"), coerce=int, required=False, empty_value=None
    )
    starts_at = forms.DateTimeField(
        label=_("starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    class Meta:
        model = Seminar
        fields = SEMINAR_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_phase_id"].choices = [("", _("Every phase")), *_phase_choices()]


class StaffRegistrationForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("contact"), queryset=contact_list().none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = (
            contact_list().exclude(email="").select_related("account").order_by("name")
        )


class PublicRegistrationForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    email = forms.EmailField(label=_("e-mail"))
    company = forms.CharField(label=_("company"), max_length=200, required=False)


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was it? (1–5)"),
        coerce=int,
        choices=[(i, str(i)) for i in range(1, 6)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea)


class UserGroupForm(forms.ModelForm):
    topics_text = forms.CharField(label=_("topics (one per line)"), required=False)

    class Meta:
        model = UserGroup
        fields = ["name_ja", "name_en", "level", "description", "is_online"]

    def changes(self) -> dict[str, Any]:
        """The group's fields as `user_group_create`/`user_group_update` take them."""
        topics = self.cleaned_data.get("topics_text", "").splitlines()
        return {**model_form_changes(self), "topics": [t.strip() for t in topics if t.strip()]}


class NominationForm(forms.ModelForm):
    class Meta:
        model = ChampionNomination
        fields = ["contact", "criterion", "reason"]
