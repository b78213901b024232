"""Forms of the account pages. They parse input; accounts.services does the writing."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cs_platform.selectors import staff_member_list

from .extensions import list_extensions, segment_rules
from .importing import SPECS
from .models import (
    ACCOUNT_FIELDS,
    CONTACT_FIELDS,
    Account,
    Contact,
    ContactLanguage,
    Contract,
    LifecycleStatus,
    MarketSegment,
    Segment,
)
from .phones import phone_normalise
from .segments import segment_rules_clean
from .selectors import owner_candidates, owner_choices, segment_choices

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class AccountForm(forms.ModelForm):
    owner = OwnerChoiceField(
        queryset=staff_member_list().order_by("full_name", "email"),
        required=False,
        label=_("owner CSM"),
    )

    class Meta:
        model = Account
        fields = ACCOUNT_FIELDS


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        # The page leaves `last_met_at` to the meetings logged.
        fields = [name for name in CONTACT_FIELDS if name != "last_met_at"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data.get("phone", ""))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("Workspace default")),
            *ContactLanguage.choices,
        ]


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = ["plan", "arr", "start_date", "renewal_date", "external_id"]
        widgets = {"start_date": DATE_INPUT, "renewal_date": DATE_INPUT}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, renewal = data.get("start_date"), data.get("renewal_date")
        if start and renewal and renewal < start:
            self.add_error("renewal_date", _("The renewal date must not be before the start date."))
        if (data.get("arr") or 0) < 0:
            self.add_error("arr", _("ARR must not be negative."))
        return data


class ContractEditForm(ContractForm):
    class Meta(ContractForm.Meta):
        fields = ["plan", "arr", "start_date", "renewal_date", "status", "external_id"]


class ContractRenewForm(forms.Form):
    arr = forms.IntegerField(label=_("New ARR"), min_value=0, required=False)
    renewal_date = forms.DateField(label=_("New renewal date"), required=False, widget=DATE_INPUT)


class ContractExpandForm(forms.Form):
    arr = forms.IntegerField(label=_("New ARR"), min_value=0)
    start_date = forms.DateField(
        label=pgettext_lazy("contract start", "From"), required=False, widget=DATE_INPUT
    )


RENEWAL_WINDOWS = [
    ("", _("Any time")),
    ("30", _("30 days")),
    ("60", _("60 days")),
    ("90", _("90 days")),
]
SORTS = [
    ("name", _("Name")),
    ("-name", _("Name (Z–A)")),
    ("-arr", _("ARR (highest first)")),
    ("arr", _("ARR (lowest first)")),
    ("renewal_date", _("Renewal (soonest first)")),
    ("-renewal_date", _("Renewal (latest first)")),
    ("owner", _("Owner")),
    ("-owner", _("Owner (Z–A)")),
    ("market_segment", _("Market segment")),
    ("-market_segment", _("Market segment (Z–A)")),
]


MARKET_SEGMENT_FILTER = [("", _("All")), *MarketSegment.choices]
LIFECYCLE_FILTER = [("", _("All")), *LifecycleStatus.choices]


@functools.lru_cache(maxsize=8)
def _fixed_filter_choices(language: str | None) -> dict[str, list[tuple[str, str]]]:
    """The options of the list's filters that are the same for every tenant, their labels
    translated once per language (`language`: the active one, the cache's key)."""
    fixed = {
        "market_segment": MARKET_SEGMENT_FILTER,
        "lifecycle_status": LIFECYCLE_FILTER,
        "renewal": RENEWAL_WINDOWS,
        "sort": SORTS,
        "all": [("", _("All"))],
    }
    return {name: [(v, str(label)) for v, label in options] for name, options in fixed.items()}


def list_filter_choices() -> dict[str, list[tuple[Any, Any]]]:
    """The options of each filter of the account list, in the form's order (`owner`,
    `market_segment`, `lifecycle_status`, `segment`, `renewal`, the extensions' `x_<key>`,
    `sort`): what `AccountFilterForm` offers and `list_filters_clean` accepts."""
    fixed = _fixed_filter_choices(get_language())
    every = fixed["all"]
    choices: dict[str, list[tuple[Any, Any]]] = {
        "owner": [*every, *owner_choices()],
        "market_segment": fixed["market_segment"],
        "lifecycle_status": fixed["lifecycle_status"],
        # The options as the bulk action reads them (once per page view).
        "segment": [*every, *segment_choices()],
        "renewal": fixed["renewal"],
    }
    sorts = list(fixed["sort"])
    for ext in list_extensions():
        if ext.choices is not None and ext.apply is not None:
            choices[f"x_{ext.key}"] = [*every, *ext.choices()]
        if ext.annotate is not None or ext.sort_key is not None:
            # Both ways: the column's header sorts the other way when clicked again.
            sorts.append((ext.key, ext.label))
            sorts.append((f"-{ext.key}", _("%(column)s (reverse)") % {"column": ext.label}))
    choices["sort"] = sorts
    return choices


def list_filter_labels() -> dict[str, Any]:
    """The label of each filter of the account list (`list_filter_choices`'s names)."""
    labels = {name: field.label for name, field in AccountFilterForm.base_fields.items()}
    labels.update({f"x_{ext.key}": ext.label for ext in list_extensions()})
    return labels


def list_filters_clean(
    params: Mapping[str, Any], choices: dict[str, list[tuple[Any, Any]]]
) -> dict[str, Any] | None:
    """`AccountFilterForm(params).cleaned_data` when each of `params`' filters is empty or
    one of the options `choices` offers (the page's own links and fields send only those),
    without building the form (its fields, widgets and validation cost more than the rest of
    the filters); None for any other value: the form then says what is wrong.

    NOTE: as the form reads a query string: the last of a key's values, `q` stripped and
    refused with a NUL; the chosen segment is read as its field reads it."""
    raw_q = params.get("q") or ""
    if "\x00" in raw_q:
        return None
    cleaned: dict[str, Any] = {"q": raw_q.strip()}
    for name, options in choices.items():
        value = params.get(name) or ""
        if value and not any(str(option) == value for option, _label in options):
            return None
        cleaned[name] = value
    cleaned["owner"] = int(cleaned["owner"]) if cleaned["owner"] else None
    if cleaned["segment"]:
        cleaned["segment"] = Segment.objects.filter(pk=cleaned["segment"]).first()
        if cleaned["segment"] is None:  # deleted since the page offered it
            return None
    else:
        cleaned["segment"] = None
    return cleaned


def list_extension_values(cleaned: dict[str, Any]) -> dict[str, str]:
    """The extensions' filters of the list's cleaned values, by extension key."""
    return {key[2:]: value for key, value in cleaned.items() if key.startswith("x_") and value}


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    market_segment = forms.ChoiceField(
        label=_("Market segment"), required=False, choices=[("", _("All")), *MarketSegment.choices]
    )
    lifecycle_status = forms.ChoiceField(
        label=_("Lifecycle"), required=False, choices=[("", _("All")), *LifecycleStatus.choices]
    )
    segment = forms.ModelChoiceField(
        label=_("Segment"), required=False, queryset=Segment.objects.all(), empty_label=_("All")
    )
    renewal = forms.ChoiceField(label=_("Renewal within"), required=False, choices=RENEWAL_WINDOWS)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)

    def __init__(
        self, *args: Any, choices: dict[str, list[tuple[Any, Any]]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = list_filter_choices() if choices is None else choices
        labels = list_filter_labels()
        for name, options in choices.items():
            if name.startswith("x_"):
                self.fields[name] = forms.ChoiceField(
                    label=labels[name], required=False, choices=options
                )
            else:  # a chosen segment is still looked up by the field's queryset
                self.fields[name].choices = options

    def extension_values(self) -> dict[str, str]:
        return list_extension_values(self.cleaned_data)

    def extension_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("x_")]


@dataclass(frozen=True)
class AccountListQuery:
    """An account-list query string read against the filters the page offers (`choices`):
    `cleaned` as the filter form's cleaned data (None for an empty query string, as for the
    unbound form, or a refused value); `form`, built only for a value no option offers, says
    what is wrong."""

    params: Mapping[str, Any]
    choices: dict[str, list[tuple[Any, Any]]]
    cleaned: dict[str, Any] | None
    form: AccountFilterForm | None


def account_list_query(params: Mapping[str, Any]) -> AccountListQuery:
    choices = list_filter_choices()
    cleaned = list_filters_clean(params, choices) if params else None
    form = None
    if params and cleaned is None:
        form = AccountFilterForm(params, choices=choices)
        cleaned = form.cleaned_data if form.is_valid() else None
    return AccountListQuery(params=params, choices=choices, cleaned=cleaned, form=form)


class SegmentForm(forms.Form):
    """Builds a segment's `rules` from one field per rule key (built-in and registered)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    arr_min = forms.IntegerField(label=_("ARR at least"), required=False, min_value=0)
    arr_max = forms.IntegerField(label=_("ARR at most"), required=False, min_value=0)
    industries = forms.CharField(
        label=_("Industries"), required=False, help_text=_("Comma-separated, e.g. 人材, 製造")
    )
    market_segments = forms.MultipleChoiceField(
        label=_("Market segments"),
        required=False,
        choices=MarketSegment.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    lifecycle_statuses = forms.MultipleChoiceField(
        label=_("Lifecycle statuses"),
        required=False,
        choices=LifecycleStatus.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    owners = forms.TypedMultipleChoiceField(label=_("Owners"), required=False, coerce=int)
    renewal_within_days = forms.IntegerField(
        label=_("Renewal within (days)"), required=False, min_value=0
    )

    BUILTIN = [
        "arr_min",
        "arr_max",
        "industries",
        "market_segments",
        "lifecycle_statuses",
        "owners",
        "renewal_within_days",
    ]

    def __init__(self, *args: Any, segment: Segment | None = None, **kwargs: Any) -> None:
        if segment is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(segment)
        super().__init__(*args, **kwargs)
        # Accounts added by hand from the account list stay when the rules are edited here.
        self._include = list((segment.rules or {}).get("include_ids") or []) if segment else []
        self.fields["owners"].choices = [(u.pk, u.full_name or u.email) for u in owner_candidates()]
        for key, rule in segment_rules().items():
            if rule.params:
                for param in rule.params:
                    label = f"{rule.label}: {param.label}"
                    self.fields[f"rule_{key}__{param.name}"] = (
                        forms.IntegerField(
                            label=label,
                            required=False,
                            min_value=param.min_value,
                            max_value=param.max_value,
                        )
                        if param.kind == "int"
                        else forms.CharField(label=label, required=False, max_length=200)
                    )
                self.fields[f"rule_{key}__{rule.params[0].name}"].help_text = rule.help_text
            elif rule.choices is not None:
                self.fields[f"rule_{key}"] = forms.MultipleChoiceField(
                    label=rule.label,
                    required=False,
                    choices=rule.choices(),
                    help_text=rule.help_text,
                    widget=forms.CheckboxSelectMultiple,
                )
            else:
                self.fields[f"rule_{key}"] = forms.CharField(
                    label=rule.label, required=False, help_text=rule.help_text
                )

    @classmethod
    def initial_from(cls, segment: Segment) -> dict[str, Any]:
        initial: dict[str, Any] = {"name": segment.name, "description": segment.description}
        for key, value in (segment.rules or {}).items():
            if key == "industries":
                initial[key] = ", ".join(value)
            elif key in cls.BUILTIN:
                initial[key] = value
            elif key == "include_ids":
                continue
            elif isinstance(value, dict):
                initial.update({f"rule_{key}__{name}": v for name, v in value.items()})
            else:
                initial[f"rule_{key}"] = value
        return initial

    def rules(self) -> dict[str, Any]:
        data = self.cleaned_data
        rules: dict[str, Any] = {}
        for key in self.BUILTIN:
            value = data.get(key)
            if key == "industries":
                value = [
                    v.strip() for v in (value or "").replace("、", ",").split(",") if v.strip()
                ]
            if value not in (None, "", []):
                rules[key] = value
        for name, value in data.items():
            if not name.startswith("rule_") or value in (None, "", []):
                continue
            key, _sep, part = name[5:].partition("__")
            if part:
                rules.setdefault(key, {})[part] = value
            else:
                rules[key] = value
        if self._include:
            rules["include_ids"] = self._include
        return rules

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            try:
                segment_rules_clean(self.rules())
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return cleaned

    def extension_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("rule_")]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=[(k, s.kind.label) for k, s in SPECS.items()])
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, UTF-8 with BOM or Shift_JIS."))
    dry_run = forms.BooleanField(
        label=_("Dry run (check only, change nothing)"), required=False, initial=True
    )

    MAX_BYTES = 50 * 1024 * 1024

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload
