"""Forms of the journeys pages (they post back and redirect; no JavaScript needed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.selectors import contact_choices, contact_get, contact_list
from cs_platform.forms import model_choices_show
from cs_platform.models import User
from cs_platform.selectors import staff_member_choices, staff_member_list

from .extensions import meeting_program_choices
from .models import (
    Department,
    FeedbackKind,
    FeedbackStatus,
    JourneyTemplate,
    MeetingType,
    MilestoneStatus,
    Phase,
    Sentiment,
)
from .selectors import phase_list


def tenant_members() -> QuerySet[User]:
    return staff_member_list()


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value: Any) -> str | None:
        if hasattr(value, "strftime"):
            # DateTimeField.prepare_value already turned it into naive local time.
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class PhaseMoveForm(forms.Form):
    to_phase = forms.ModelChoiceField(
        label=_("Move to"), queryset=Phase.objects.order_by("order", "pk"), empty_label=None
    )
    reason = forms.CharField(label=_("Why"), required=False, max_length=1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        phases = [(p.pk, str(p)) for p in phase_list()]
        model_choices_show(self.fields["to_phase"], phases)  # type: ignore[arg-type]


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    customer_goal = forms.CharField(
        label=_("Customer's goal (in their words)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    target_score = forms.IntegerField(
        label=_("Target health score"), min_value=0, max_value=100, initial=60
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)


class MilestoneStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MilestoneStatus.choices)


class ActionStepForm(forms.Form):
    """The owner is one choice over staff and the account's contacts ("user:1", "contact:2")."""

    description = forms.CharField(label=_("Step"), max_length=500)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = [(f"user:{pk}", name) for pk, name in staff_member_choices()]
        contacts = [(f"contact:{pk}", name) for pk, name in contact_choices(account=account)]
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            (_("Our team"), staff),
            (_("Customer"), contacts),
        ]

    def owner_objects(self) -> dict[str, Any]:
        kind, _sep, pk = (self.cleaned_data.get("owner") or "").partition(":")
        if kind == "user":
            return {"owner_user": tenant_members().get(pk=pk)}
        if kind == "contact":
            return {"owner_contact": contact_get(pk=pk)}
        return {}


class MeetingForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("Date and time"), widget=DateTimeInput, initial=timezone.now
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=24 * 60, initial=60, required=False
    )
    meeting_type = forms.ChoiceField(label=_("Type"), choices=MeetingType.choices)
    location = forms.CharField(label=_("Place or meeting URL"), max_length=300, required=False)
    contacts = forms.ModelMultipleChoiceField(
        label=_("Customer attendees"),
        queryset=contact_list().none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    staff = forms.ModelMultipleChoiceField(
        label=_("Our attendees"),
        queryset=staff_member_list().none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agenda = forms.CharField(label=_("Agenda"), max_length=2000)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_steps = forms.CharField(
        label=_("Next steps (one per line; each becomes a task)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    sentiment = forms.ChoiceField(
        label=_("Customer sentiment"), choices=Sentiment.choices, initial=Sentiment.NEUTRAL
    )
    program = forms.TypedChoiceField(
        label=_("Programme"), required=False, coerce=int, empty_value=None
    )
    send_invitations = forms.BooleanField(
        label=_("E-mail the customer attendees a calendar invitation (if it lies ahead)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programs = meeting_program_choices()
        if programs:
            self.fields["program"].choices = [("", "—"), *programs]  # type: ignore[attr-defined]
        else:
            del self.fields["program"]
        self.fields["contacts"].queryset = contact_list(account=account)  # type: ignore[attr-defined]
        self.fields["staff"].queryset = tenant_members()  # type: ignore[attr-defined]
        model_choices_show(self.fields["contacts"], contact_choices(account=account))  # type: ignore[arg-type]
        model_choices_show(self.fields["staff"], staff_member_choices())  # type: ignore[arg-type]

    def clean_duration_minutes(self) -> int:
        return self.cleaned_data["duration_minutes"] or 60

    def clean_next_steps(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["next_steps"].splitlines() if line.strip()
        ]


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=staff_member_list().none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = tenant_members()  # type: ignore[attr-defined]
        model_choices_show(self.fields["assignee"], staff_member_choices())  # type: ignore[arg-type]


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FeedbackKind.choices)
    quote = forms.CharField(
        label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 2})
    )
    category = forms.CharField(label=_("Category"), max_length=100, required=False)
    shared_with = forms.MultipleChoiceField(
        label=_("Share with"),
        choices=Department.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class FeedbackFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *FeedbackKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *FeedbackStatus.choices], required=False
    )
    shared_with = forms.ChoiceField(
        label=_("Shared with"), choices=[("", _("All")), *Department.choices], required=False
    )
    category = forms.CharField(label=_("Category"), required=False)


class FeedbackStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FeedbackStatus.choices)


class BasePhaseFormSet(forms.BaseModelFormSet):
    def clean(self) -> None:
        super().clean()
        keys = [
            f.cleaned_data.get("key")
            for f in self.forms
            if f.has_changed() or f.instance.pk
            if getattr(f, "cleaned_data", None)
        ]
        keys = [k for k in keys if k]
        if len(keys) != len(set(keys)):
            raise forms.ValidationError(_("Each phase needs its own key."))


PhaseFormSet = forms.modelformset_factory(
    Phase,
    fields=["key", "name_ja", "name_en", "order"],
    formset=BasePhaseFormSet,
    extra=1,
    can_delete=False,
)


class JourneyTemplateForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TemplateMilestoneForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Milestone"), max_length=200)
    description = forms.CharField(
        label=_("Prompt for the customer's goal"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    target_score = forms.IntegerField(
        label=_("Target health score"), min_value=0, max_value=100, initial=60
    )
    due_after_days = forms.IntegerField(
        label=_("Due after (days)"), min_value=0, max_value=3650, initial=30
    )


class BaseTemplateMilestoneFormSet(forms.BaseFormSet):
    def milestones(self) -> list[dict[str, Any]]:
        """Kept rows in their ORDER (blank extra rows skipped), for `journey_template_save`."""
        return [
            {k: v for k, v in form.cleaned_data.items() if k not in ("ORDER", "DELETE")}
            for form in self.ordered_forms
        ]


TemplateMilestoneFormSet: type[BaseTemplateMilestoneFormSet] = forms.formset_factory(  # type: ignore[assignment]
    TemplateMilestoneForm,
    formset=BaseTemplateMilestoneFormSet,
    extra=3,
    can_order=True,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


class ApplyTemplateForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Journey template"), queryset=JourneyTemplate.objects.order_by("name")
    )


class ChecklistItemForm(forms.Form):
    index = forms.IntegerField(min_value=0)
    done = forms.BooleanField(required=False)


class TaskEditForm(forms.Form):
    """Reassign a task, move its due date, reword it."""

    title = forms.CharField(label=_("Task"), max_length=300)
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=staff_member_list().none(), required=False
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = tenant_members()  # type: ignore[attr-defined]


class MeetingEditForm(forms.Form):
    """A logged meeting's corrections (attendees and next steps stay as logged)."""

    occurred_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=24 * 60, required=False
    )
    meeting_type = forms.ChoiceField(label=_("Type"), choices=MeetingType.choices)
    location = forms.CharField(label=_("Place or meeting URL"), max_length=300, required=False)
    agenda = forms.CharField(label=_("Agenda"), max_length=2000)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    sentiment = forms.ChoiceField(label=_("Customer sentiment"), choices=Sentiment.choices)


TOUCH_CHOICES = [
    ("note", _("Note")),
    ("call", _("Call")),
    ("email", _("E-mail")),
]


class TouchForm(forms.Form):
    """A note, call or e-mail for the timeline."""

    kind = forms.ChoiceField(label=_("Kind"), choices=TOUCH_CHOICES)
    title = forms.CharField(label=_("Summary"), max_length=300)
    body = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    occurred_at = forms.DateTimeField(
        label=_("Date and time"), widget=DateTimeInput, initial=timezone.now
    )
    contact = forms.ModelChoiceField(
        label=_("With"), queryset=contact_list().none(), required=False
    )

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contact_list(account=account)  # type: ignore[attr-defined]
        model_choices_show(self.fields["contact"], contact_choices(account=account))  # type: ignore[arg-type]
