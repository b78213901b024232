"""Forms of the health admin pages: the scorecard editor, a new scorecard, alert settings.

The editor turns its forms and formsets into a scorecard definition and lets
`scorecard_definition_validate` (the same rules as the API) judge it before anything is saved.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, MarketSegment
from accounts.selectors import contact_choices, contact_list, segment_list
from cs_platform.forms import model_choices_show
from journeys.selectors import phase_list

from .engine.measures_catalog import MEASURES
from .models import HealthSettings, Scorecard
from .scheme_curve import step_curve
from .services.scorecards import WEIGHT_TOLERANCE, scorecard_definition_validate

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
KEY_HELP = _("Lower-case letters, digits and _; it identifies the history, so keep it.")
WEIGHT_ATTRS = {"step": "1", "inputmode": "numeric", "data-weight": ""}


def _phase_choices() -> list[tuple[str, str]]:
    return [(p.key, p.name) for p in phase_list()]


def _clean_key(value: str) -> str:
    value = (value or "").strip()
    if not KEY_RE.match(value):
        raise ValidationError(_("Use lower-case letters, digits and _ (starting with a letter)."))
    return value


class ScorecardAssignmentForm(forms.Form):
    """Name and which accounts the scorecard applies to."""

    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=100000,
        initial=100,
        help_text=_("When several scorecards match an account, the lowest number wins."),
    )
    phase_keys = forms.MultipleChoiceField(
        label=_("Phases"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every phase."),
    )
    market_segments = forms.MultipleChoiceField(
        label=_("Market segments"),
        required=False,
        choices=MarketSegment.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every segment."),
    )
    segment = forms.ModelChoiceField(
        label=_("Saved segment"),
        queryset=segment_list().none(),
        required=False,
        help_text=_("Only accounts in this segment (optional)."),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive scorecard scores nobody; its history stays."),
    )

    def __init__(self, *args: Any, scorecard: Scorecard | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scorecard = scorecard
        cast(forms.ChoiceField, self.fields["phase_keys"]).choices = _phase_choices()
        cast(forms.ModelChoiceField, self.fields["segment"]).queryset = segment_list()
        if scorecard is not None and scorecard.is_default:
            # The default scorecard catches every account the others leave: always on, for all.
            for name in ("segment", "is_active"):
                del self.fields[name]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Scorecard.objects.filter(name=name)
        if self.scorecard is not None:
            others = others.exclude(pk=self.scorecard.pk)
        if others.exists():
            raise ValidationError(_("Another scorecard already has this name."))
        return name


class BandsForm(forms.Form):
    green = forms.FloatField(
        label=_("Healthy (green) from"), min_value=0, max_value=100, help_text=_("score ≥")
    )
    amber = forms.FloatField(
        label=_("Needs attention (amber) from"),
        min_value=0,
        max_value=100,
        help_text=_("score ≥; below is at risk (red)"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        green, amber = data.get("green"), data.get("amber")
        if green is not None and amber is not None and amber >= green:
            raise ValidationError(_("The amber threshold must be below the green one."))
        return data


class GroupForm(forms.Form):
    key = forms.CharField(label=_("Key"), max_length=40, help_text=KEY_HELP)
    label = forms.CharField(label=_("Label"), max_length=200, required=False)
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs=WEIGHT_ATTRS),
        error_messages={"invalid": _("Use a whole number from 0 to 100.")},
    )

    def clean_key(self) -> str:
        return _clean_key(self.cleaned_data["key"])


MAX_RANGE_ROWS = 30
# htmx keeps these inputs as they are when it swaps in a redrawn scheme (curve, row errors):
# what is typed while the request is under way is not overwritten.
KEEP = {"hx-preserve": "true"}
POINTS_ERROR = _("Points must be 0–100.")


def _float(value: Any) -> float | None:
    """A number typed into the page, or None (blank or not a number)."""
    try:
        number = float(str(value).strip().replace(",", ""))
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class RangeForm(forms.Form):
    """One row of a ranges scheme: from this value up (to the next row), these points."""

    min = forms.FloatField(
        label=_("From value"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", **KEEP}),
    )
    points = forms.FloatField(
        label=_("Points"),
        required=False,
        min_value=0,
        max_value=100,
        error_messages={"min_value": POINTS_ERROR, "max_value": POINTS_ERROR},
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "max": "100", **KEEP}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("DELETE") or self.errors:
            return data
        low, points = data.get("min"), data.get("points")
        if (low is None) != (points is None):
            self.add_error(
                "min" if low is None else "points",
                _("Give both the value and its points, or leave the row empty."),
            )
        return data

    def step(self) -> dict[str, float | int] | None:
        """{min, points} of a filled, kept row; None for an empty or removed one."""
        data = self.cleaned_data
        if data.get("DELETE") or data.get("min") is None or data.get("points") is None:
            return None
        return {"min": _number(data["min"]), "points": _number(data["points"])}


class BaseRangeFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].widget.attrs.update(KEEP)

    def clean(self) -> None:
        """Values go up row by row: each filled row must start above the one before."""
        previous: float | None = None
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.errors or self._should_delete_form(form):
                continue  # its own errors are shown; the rows around it are still checked
            step = cast(RangeForm, form).step()
            if step is None:
                continue
            if previous is not None and step["min"] <= previous:
                form.add_error(
                    "min",
                    _("Must be above the row before (%(previous)s): values go up row by row.")
                    % {"previous": _number(previous)},
                )
                continue
            previous = step["min"]

    def steps(self) -> list[dict[str, float | int]]:
        return [s for s in (cast(RangeForm, f).step() for f in self.forms) if s is not None]


RangeFormSet = forms.formset_factory(
    RangeForm, formset=BaseRangeFormSet, extra=0, can_delete=True, max_num=MAX_RANGE_ROWS
)


class ComponentForm(forms.Form):
    key = forms.CharField(label=_("Key"), max_length=40, help_text=KEY_HELP)
    label = forms.CharField(label=_("Label"), max_length=200, required=False)
    measure = forms.ChoiceField(label=_("Measure"))
    days = forms.IntegerField(
        label=_("Window (days)"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=_("Blank for measures without a window."),
    )
    event = forms.CharField(
        label=_("Event"),
        max_length=100,
        required=False,
        help_text=_("For “Count of an event”: the event name."),
    )
    basis = forms.ChoiceField(
        label=_("Journey progress counts"),
        required=False,
        choices=[
            ("", _("milestones on time")),
            ("attainment", _("milestones whose target score was reached")),
        ],
        help_text=_("For “Journey milestones”: what makes a milestone count."),
    )
    group = forms.ChoiceField(label=_("Group"), required=False)
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs=WEIGHT_ATTRS),
        error_messages={"invalid": _("Use a whole number from 0 to 100.")},
    )
    scheme = forms.ChoiceField(
        label=_("Scheme"),
        initial="ranges",
        choices=[("ranges", _("Ranges → points")), ("rag", _("Red / amber / green thresholds"))],
    )
    rag_green = forms.FloatField(label=_("Green from"), required=False)
    rag_amber = forms.FloatField(label=_("Amber from"), required=False)
    higher_is_better = forms.BooleanField(label=_("Higher is better"), required=False, initial=True)
    missing = forms.FloatField(
        label=_("Points when no data"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Blank: 0 points."),
    )

    def __init__(
        self,
        *args: Any,
        group_choices: list[tuple[str, str]] | None = None,
        ranges_initial: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # A blank first choice: an untouched extra row posts nothing new and is ignored.
        cast(forms.ChoiceField, self.fields["measure"]).choices = [
            ("", "---------"),
            *((m.key, m.label) for m in MEASURES.values()),
        ]
        cast(forms.ChoiceField, self.fields["group"]).choices = [
            ("", _("(no group)")),
            *(group_choices or []),
        ]
        # The ranges table: its own formset, prefixed by this component's prefix. A new
        # component starts with two empty rows; "Add a row" (add_range=<this prefix>) adds one.
        data = self.data if self.is_bound else None
        added = data is not None and data.get("add_range") == self.prefix
        if added:
            data = data.copy()
            total = f"{self.prefix}-ranges-TOTAL_FORMS"
            count = str(data.get(total) or "0")
            if count.isdigit():
                data[total] = str(min(int(count) + 1, MAX_RANGE_ROWS))
        self.ranges = RangeFormSet(
            data,
            initial=ranges_initial if ranges_initial is not None else [{}, {}],
            prefix=f"{self.prefix}-ranges",
        )
        for name in ("scheme", "rag_green", "rag_amber", "higher_is_better", "missing"):
            self.fields[name].widget.attrs.update(KEEP)
        if added and self.ranges.forms:
            # The keyboard lands in the new row: `autofocus` on a plain page; the htmx fragment
            # says `data-autofocus` instead (the editor's script focuses it once), as a kept
            # (hx-preserve) input must not pull the focus back at every later swap.
            self.ranges.forms[-1].fields["min"].widget.attrs["autofocus"] = True

    def focus_for_htmx(self) -> None:
        for row in self.ranges.forms:
            attrs = row.fields["min"].widget.attrs
            if attrs.pop("autofocus", None):
                attrs["data-autofocus"] = ""

    def clean_key(self) -> str:
        return _clean_key(self.cleaned_data["key"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scheme") == "ranges":
            if not self.ranges.is_valid():
                self.add_error(None, _("Correct the ranges marked below."))
            else:
                data["parsed_ranges"] = self.ranges.steps()
                if not data["parsed_ranges"]:
                    self.add_error(None, _("Give at least one range."))
        elif data.get("scheme") == "rag":
            self._clean_thresholds(data)
        if data.get("measure") == "event_count" and not (data.get("event") or "").strip():
            self.add_error("event", _("Name the event to count."))
        return data

    def _clean_thresholds(self, data: dict[str, Any]) -> None:
        for name in ("rag_green", "rag_amber"):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, _("Give both thresholds."))
        green, amber = data.get("rag_green"), data.get("rag_amber")
        if green is None or amber is None:
            return
        if data.get("higher_is_better") and amber > green:
            self.add_error(
                "rag_amber",
                _("Higher is better: amber must start at or below green (%(green)s).")
                % {"green": _number(green)},
            )
        elif not data.get("higher_is_better") and amber < green:
            self.add_error(
                "rag_amber",
                _("Lower is better: amber must start at or above green (%(green)s).")
                % {"green": _number(green)},
            )

    @property
    def curve(self) -> dict[str, Any] | None:
        """The step curve beside the table (`scheme_curve.step_curve`)."""
        return step_curve(self.curve_scheme())

    def curve_scheme(self) -> dict[str, Any] | None:
        """The scheme as the page shows it now (bound or initial), for drawing its curve;
        rows that do not parse are left out rather than refused (the table shows why)."""
        if self["scheme"].value() == "rag":
            green, amber = _float(self["rag_green"].value()), _float(self["rag_amber"].value())
            if green is None or amber is None:
                return None
            return {
                "type": "rag",
                "green": green,
                "amber": amber,
                "higher_is_better": bool(self["higher_is_better"].value()),
            }
        steps = []
        for row in self.ranges.forms:
            if row["DELETE"].value():
                continue
            low, points = _float(row["min"].value()), _float(row["points"].value())
            if low is not None and points is not None and 0 <= points <= 100:
                steps.append({"min": low, "points": points})
        return {"type": "ranges", "ranges": sorted(steps, key=lambda s: s["min"])}

    def component(self, original: dict[str, Any] | None) -> dict[str, Any]:
        """The definition entry; fields the form does not edit are kept from `original`."""
        data = self.cleaned_data
        comp = copy.deepcopy(original) if original else {}
        params = dict(comp.get("params") or {})
        if data.get("days") is None:
            params.pop("days", None)
        else:
            params["days"] = data["days"]
        if data["measure"] == "event_count":
            params["event"] = data["event"].strip()
        else:
            params.pop("event", None)
        if data["measure"] == "journey_progress" and data.get("basis") == "attainment":
            params["basis"] = "attainment"
        else:
            params.pop("basis", None)
        scheme: dict[str, Any] = {"type": data["scheme"]}
        old_scheme = comp.get("scheme") or {}
        if data["scheme"] == "ranges":
            scheme["ranges"] = data["parsed_ranges"]
        else:
            scheme.update(
                green=_number(data["rag_green"]),
                amber=_number(data["rag_amber"]),
                higher_is_better=bool(data["higher_is_better"]),
            )
            if old_scheme.get("type") == "rag" and "points" in old_scheme:
                scheme["points"] = old_scheme["points"]
        if data.get("missing") is not None:
            scheme["missing"] = _number(data["missing"])
        comp.update(
            key=data["key"],
            label=data.get("label") or "",
            measure=data["measure"],
            params=params,
            group=data.get("group") or None,
            weight=_number(data["weight"]),
            scheme=scheme,
        )
        return comp


def _number(value: float) -> float | int:
    """Whole numbers stay ints in the stored JSON (as the API writes them)."""
    return int(value) if float(value).is_integer() else value


def component_initial(comp: dict[str, Any]) -> dict[str, Any]:
    scheme = comp.get("scheme") or {}
    params = comp.get("params") or {}
    return {
        "key": comp.get("key"),
        "label": comp.get("label", ""),
        "measure": comp.get("measure"),
        "days": params.get("days"),
        "event": params.get("event", ""),
        "basis": params.get("basis", ""),
        "group": comp.get("group") or "",
        "weight": comp.get("weight"),
        "scheme": scheme.get("type", "ranges"),
        "rag_green": scheme.get("green"),
        "rag_amber": scheme.get("amber"),
        "higher_is_better": scheme.get("higher_is_better", True),
        "missing": scheme.get("missing"),
    }


def ranges_initial(comp: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a component's ranges table (an empty table for a rag component)."""
    scheme = comp.get("scheme") or {}
    if scheme.get("type", "ranges") != "ranges":
        return []
    return [
        {"min": _number(s["min"]), "points": _number(s["points"])}
        for s in scheme.get("ranges") or []
        if isinstance(s, dict) and "min" in s and "points" in s
    ]


def whole_weights(weights: list[float]) -> list[int]:
    """Whole numbers with the same total (rounded), each as near its share as can be: the
    largest-remainder method, ties to the earlier one. The editor's steppers and sliders move
    in whole numbers; a draft written with fractions (the API, an adopted backtest suggestion)
    is shown this way and saved so."""
    if not weights:
        return []
    total = round(sum(weights))
    floors = [math.floor(w) for w in weights]
    left = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(weights[i] - floors[i]), i))
    for i in order[: max(left, 0)]:
        floors[i] += 1
    return floors


class BaseComponentFormSet(forms.BaseFormSet):
    """Components, each with its own ranges table (`form.ranges`)."""

    def __init__(
        self, *args: Any, ranges_initial: list[list[dict[str, Any]]] | None = None, **kwargs: Any
    ) -> None:
        self.ranges_initial = ranges_initial or []
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.ranges_initial):
            kwargs["ranges_initial"] = self.ranges_initial[index]
        return kwargs


GroupFormSet = forms.formset_factory(GroupForm, extra=1, can_delete=True)
ComponentFormSet = forms.formset_factory(
    ComponentForm, formset=BaseComponentFormSet, extra=1, can_delete=True
)


def _kept(formset: forms.BaseFormSet) -> list[forms.Form]:
    """Rows to keep: existing ones not ticked for deletion, and extra rows filled in."""
    initial = formset.initial_form_count()
    return [
        form
        for i, form in enumerate(formset.forms)
        if (i < initial or form.has_changed()) and not form.cleaned_data.get("DELETE")
    ]


class ScorecardEditor:
    """Assignment, bands, groups and components of one scorecard's draft, edited together.

    `is_valid()` checks every form and then the whole definition (weights summing to 100 …);
    `cleaned_data` is what `services.scorecards.scorecard_update` then writes, in one
    transaction, so an invalid submission saves nothing.
    """

    def __init__(self, scorecard: Scorecard, data: QueryDict | None = None) -> None:
        self.scorecard = scorecard
        draft = scorecard.draft or {}
        self.originals = {c.get("key"): c for c in draft.get("components") or []}
        self.assignment = ScorecardAssignmentForm(
            data,
            scorecard=scorecard,
            initial={
                "name": scorecard.name,
                "description": scorecard.description,
                "priority": scorecard.priority,
                "phase_keys": scorecard.phase_keys,
                "market_segments": scorecard.market_segments,
                "segment": scorecard.segment_id,
                "is_active": scorecard.is_active,
            },
            prefix="card",
        )
        self.bands = BandsForm(data, initial=draft.get("bands") or {}, prefix="bands")
        groups = copy.deepcopy(draft.get("groups") or [])
        components = copy.deepcopy(draft.get("components") or [])
        self.rounded = self._round_weights(groups, components)
        self.groups = GroupFormSet(
            data,
            initial=[
                {"key": g.get("key"), "label": g.get("label", ""), "weight": g.get("weight")}
                for g in groups
            ],
            prefix="groups",
        )
        self.components = ComponentFormSet(
            data,
            initial=[component_initial(c) for c in components],
            prefix="components",
            form_kwargs={"group_choices": self._group_choices(draft, data)},
            ranges_initial=[ranges_initial(c) for c in components],
        )
        self.definition_errors: list[str] = []
        self.definition: dict[str, Any] | None = None
        # What was submitted, once every row parsed (shown with its weight sums if invalid).
        self.attempt: dict[str, Any] | None = None

    @staticmethod
    def _round_weights(groups: list[dict[str, Any]], components: list[dict[str, Any]]) -> bool:
        """Show every weight as a whole number, each set (the top level, each group) keeping
        its total; True if any weight had a fraction."""
        sets: list[list[dict[str, Any]]] = [
            [*groups, *(c for c in components if not c.get("group"))],
            *([c for c in components if c.get("group") == g.get("key")] for g in groups),
        ]
        rounded = False
        for members in sets:
            weights = [_float(m.get("weight")) or 0.0 for m in members]
            for member, weight, whole in zip(members, weights, whole_weights(weights), strict=True):
                rounded = rounded or weight != whole
                member["weight"] = whole
        return rounded

    @staticmethod
    def _group_choices(draft: dict[str, Any], data: QueryDict | None) -> list[tuple[str, str]]:
        """The draft's groups, plus any group typed into this very submission."""
        choices = {g.get("key"): g.get("label") or g.get("key") for g in draft.get("groups") or []}
        if data is not None:
            for name in data:
                value = str(data.get(name, "")).strip()
                if re.fullmatch(r"groups-\d+-key", name) and KEY_RE.match(value):
                    label = str(data.get(name[: -len("key")] + "label", "")).strip()
                    choices[value] = label or value
        return [(key, label) for key, label in choices.items() if key]

    def is_valid(self) -> bool:
        forms_ok = all(
            [
                self.assignment.is_valid(),
                self.bands.is_valid(),
                self.groups.is_valid(),
                self.components.is_valid(),
            ]
        )
        if not forms_ok:
            return False
        definition = self._build()
        self.attempt = definition
        try:
            self.definition = scorecard_definition_validate(definition=definition)
        except ValidationError as exc:
            self.definition_errors = [str(m) for m in exc.message_dict.get("definition", [])]
            return False
        return True

    def _build(self) -> dict[str, Any]:
        draft = copy.deepcopy(self.scorecard.draft or {})
        draft["bands"] = {
            "green": _number(self.bands.cleaned_data["green"]),
            "amber": _number(self.bands.cleaned_data["amber"]),
        }
        draft["groups"] = [
            {
                "key": f.cleaned_data["key"],
                "label": f.cleaned_data.get("label") or "",
                "weight": _number(f.cleaned_data["weight"]),
            }
            for f in _kept(self.groups)
        ]
        draft["components"] = [
            cast(ComponentForm, f).component(self.originals.get(f.cleaned_data["key"]))
            for f in _kept(self.components)
        ]
        return draft

    def preview_definition(self) -> tuple[dict[str, Any] | None, list[str]]:
        """The definition as edited so far, validated, for the live preview (the name and the
        assignment do not change it): (definition, []) or (None, what is wrong)."""
        valid = [self.bands.is_valid(), self.groups.is_valid(), self.components.is_valid()]
        if not all(valid):
            return None, [str(_("Some fields need correcting: they are marked in the form."))]
        try:
            return scorecard_definition_validate(definition=self._build()), []
        except ValidationError as exc:
            return None, [str(m) for m in exc.message_dict.get("definition", exc.messages)]

    def component_form(self, prefix: str) -> ComponentForm | None:
        """The component row with this prefix (e.g. "components-3"), or None."""
        for form in self.components.forms:
            if form.prefix == prefix:
                return cast(ComponentForm, form)
        return None

    def layout(self) -> dict[str, Any]:
        """The page's order: each group with its components (a <details> each), the
        ungrouped components, and the empty rows for a new group or component; with the weight
        sums of what the page shows now (bound or initial)."""
        groups_initial = self.groups.initial_form_count()
        comps_initial = self.components.initial_form_count()

        def value(form: forms.Form, name: str) -> str:
            raw = form[name].value()
            return "" if raw is None else str(raw).strip()

        def kept(form: forms.Form) -> bool:
            return not form["DELETE"].value()

        def total(members: list[forms.Form]) -> float:
            return sum(_float(f["weight"].value()) or 0.0 for f in members if kept(f))

        new_components = [
            f
            for i, f in enumerate(self.components.forms)
            if i >= comps_initial and not value(f, "key")
        ]
        placed = [f for f in self.components.forms if f not in new_components]
        sections, keys = [], []
        new_groups = []
        for i, group in enumerate(self.groups.forms):
            key = value(group, "key")
            if i >= groups_initial and not key:
                new_groups.append(group)
                continue
            members = [f for f in placed if key and value(f, "group") == key]
            keys.append(key)
            sections.append(
                {
                    "form": group,
                    "key": key,
                    "label": value(group, "label") or key,
                    "components": members,
                    "total": _number(total(members)),
                }
            )
        ungrouped = [f for f in placed if value(f, "group") not in keys]
        top = total(ungrouped) + sum(
            _float(s["form"]["weight"].value()) or 0.0 for s in sections if kept(s["form"])
        )
        return {
            "groups": sections,
            "ungrouped": ungrouped,
            "new_groups": new_groups,
            "new_components": new_components,
            "top_total": _number(top),
        }

    @property
    def cleaned_data(self) -> dict[str, Any]:
        """The validated assignment and definition, as `scorecard_update` takes them (the
        editor only validates; the service writes)."""
        assert self.definition is not None, "call is_valid() first"
        return {**self.assignment.cleaned_data, "draft": self.definition}

    @property
    def weight_totals(self) -> dict[str, Any] | None:
        """Top-level and per-group weight sums of the submitted (or saved) rows, for display."""
        if self.assignment.is_bound and self.attempt is None:
            return None
        definition = self.attempt or self.scorecard.draft or {}
        groups = definition.get("groups") or []
        comps = definition.get("components") or []
        top = sum(float(c.get("weight") or 0) for c in comps if not c.get("group")) + sum(
            float(g.get("weight") or 0) for g in groups
        )
        inner = [
            {
                "key": g.get("key"),
                "label": g.get("label") or g.get("key"),
                "total": sum(
                    float(c.get("weight") or 0) for c in comps if c.get("group") == g.get("key")
                ),
            }
            for g in groups
        ]
        for row in inner:
            row["ok"] = abs(row["total"] - 100) <= WEIGHT_TOLERANCE
        return {"top": top, "top_ok": abs(top - 100) <= WEIGHT_TOLERANCE, "groups": inner}


class ScorecardCreateForm(ScorecardAssignmentForm):
    """A new scorecard starts from the default definition, as an unpublished draft."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]


class HealthSettingsForm(forms.ModelForm):
    class Meta:
        model = HealthSettings
        fields = [
            "drop_points",
            "drop_window_days",
            "alert_on_red",
            "task_due_days",
            "milestone_risk_days",
        ]


class SurveyResponseForm(forms.Form):
    """A survey / NPS answer entered by a CSM (0–10, the survey measure's scale)."""

    score = forms.IntegerField(label=_("Score (0–10)"), min_value=0, max_value=10)
    responded_on = forms.DateField(
        label=_("Answered on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    contact = forms.ModelChoiceField(
        label=_("Who answered"), queryset=contact_list().none(), required=False
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contact_list(account=account)  # type: ignore[attr-defined]
        model_choices_show(self.fields["contact"], contact_choices(account=account))  # type: ignore[arg-type]

    def clean_responded_on(self) -> Any:
        day = self.cleaned_data["responded_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The answer cannot be from the future."))
        return day


class KeyEventForm(forms.Form):
    name = forms.CharField(
        label=_("Event name"),
        max_length=100,
        help_text=_("As your product sends it, e.g. card_scanned."),
    )
    label = forms.CharField(label=_("Label"), max_length=200, required=False)


class KeyEventLabelForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=200, required=False)
