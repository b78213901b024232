"""Where each account is on its journey, what we did with it, and what comes next.

Phases and transitions, journey maps (Sansan: milestones with a target score and an action
plan), the timeline of activities, high-touch meetings, tasks, and the voice of the customer.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from cs_platform.scoping import TenantScopedModel

from .extensions import task_descriptions, task_titles

# A template milestone is due at most this many days after its map is created (10 years).
MAX_DUE_AFTER_DAYS = 3650


class Phase(TenantScopedModel):
    """A stage of the customer journey (契約 → 導入 → 活用 → 継続 by default)."""

    key = models.SlugField(_("key"), max_length=40)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="phase_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "ja")[:2]
        return (self.name_ja if lang == "ja" else self.name_en) or self.name_ja or self.name_en


class AccountPhase(TenantScopedModel):
    """The phase an account is in now (one row per account; missing means the first phase)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    phase = models.ForeignKey(Phase, on_delete=models.RESTRICT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("account phase")
        verbose_name_plural = _("account phases")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "account"], name="accountphase_unique"),
        ]
        indexes = [models.Index(fields=["tenant", "phase"], name="accountphase_phase_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} → {self.phase}"


class PhaseTransition(TenantScopedModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    from_phase = models.ForeignKey(
        Phase,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
    )
    to_phase = models.ForeignKey(
        Phase, verbose_name=_("to"), on_delete=models.RESTRICT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("phase transition")
        verbose_name_plural = _("phase transitions")
        indexes = [
            models.Index(fields=["tenant", "account", "occurred_at"], name="transition_acct_idx")
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_phase_id} → {self.to_phase_id}"


class JourneyTemplate(TenantScopedModel):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("journey template")
        verbose_name_plural = _("journey templates")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="journeytemplate_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateMilestone(TenantScopedModel):
    template = models.ForeignKey(JourneyTemplate, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    target_score = models.PositiveSmallIntegerField(
        _("target health score"), default=60, validators=[MaxValueValidator(100)]
    )
    due_after_days = models.PositiveIntegerField(
        _("due after (days)"),
        default=30,
        validators=[MaxValueValidator(MAX_DUE_AFTER_DAYS)],
        help_text=_("Days after the map is created."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("template milestone")
        verbose_name_plural = _("template milestones")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_score__lte=100), name="templatemilestone_score_range"
            ),
            models.CheckConstraint(
                condition=models.Q(due_after_days__lte=MAX_DUE_AFTER_DAYS),
                name="templatemilestone_due_after_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class JourneyMap(TenantScopedModel):
    """The road to one customer's success, co-written with the customer."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(
        JourneyTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The customer's success plan on Learn & Support shows the map, and of it only the
    # milestones and steps shared too (content.plan_views); nothing is shared by default.
    shared_with_customer = models.BooleanField(_("shared with the customer"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("journey map")
        verbose_name_plural = _("journey maps")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account"], name="journeymap_one_per_account"
            ),
        ]

    def __str__(self) -> str:
        return self.title or str(self.account_id)


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")


class Milestone(TenantScopedModel):
    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="milestones")
    # Denormalised from the map so progress per account is one GROUP BY.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    customer_goal = models.TextField(
        _("customer's goal"), blank=True, help_text=_("In the customer's own words.")
    )
    target_score = models.PositiveSmallIntegerField(
        _("target health score"), default=60, validators=[MaxValueValidator(100)]
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    shared_with_customer = models.BooleanField(_("shared with the customer"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "due_date", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_score__lte=100), name="milestone_score_range"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "account", "status"], name="milestone_acct_idx")]

    def __str__(self) -> str:
        return self.title


class ActionStep(TenantScopedModel):
    """A concrete step of a milestone's action plan, owned by a CSM or a customer contact."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="steps")
    description = models.CharField(_("description"), max_length=500)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (staff)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_contact = models.ForeignKey(
        Contact,
        verbose_name=_("owner (customer)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    shared_with_customer = models.BooleanField(_("shared with the customer"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "due_date", "pk"]
        verbose_name = _("action step")
        verbose_name_plural = _("action steps")
        constraints = [
            models.CheckConstraint(
                condition=~(
                    models.Q(owner_user__isnull=False) & models.Q(owner_contact__isnull=False)
                ),
                name="actionstep_one_owner",
            ),
        ]
        # My Work: a person's open steps, soonest due first, read from the index (issue #16).
        indexes = [
            models.Index(
                fields=["tenant", "owner_user", "done", "due_date", "id"], name="step_owner_due_idx"
            )
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def owner(self) -> object | None:
        return self.owner_user or self.owner_contact


class ActionStepComment(TenantScopedModel):
    """A comment on an action step, written by a customer contact on the shared success plan."""

    step = models.ForeignKey(ActionStep, on_delete=models.CASCADE, related_name="comments")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("step comment")
        verbose_name_plural = _("step comments")

    def __str__(self) -> str:
        return self.body[:60]


class ActivityKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    NOTE = "note", _("Note")
    PHASE_CHANGE = "phase_change", _("Phase change")
    MILESTONE_CHANGE = "milestone_change", _("Milestone change")
    TASK = "task", _("Task")
    SEMINAR_ATTENDANCE = "seminar_attendance", _("Seminar attendance")
    CONTENT_VIEW = "content_view", _("Content view")
    HEALTH_ALERT = "health_alert", _("Health alert")
    TIER_CHANGE = "tier_change", _("Tier change")
    FEEDBACK = "feedback", _("Feedback")
    SUCCESS_PLAN = "success_plan", _("Success plan")


class Activity(TenantScopedModel):
    """One entry of an account's timeline. Apps above journeys write here via the services."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=32, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    # NULL, not "": the partial unique index and ON CONFLICT only apply to keyed rows.
    source_key = models.CharField(  # noqa: DJ001
        _("source key"), max_length=200, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source_key"],
                condition=models.Q(source_key__isnull=False),
                name="activity_unique_source_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "account", "-occurred_at"], name="activity_timeline_idx"
            ),
            models.Index(fields=["tenant", "kind", "occurred_at"], name="activity_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class MeetingType(models.TextChoices):
    ONSITE = "onsite", _("Onsite")
    ONLINE = "online", _("Online")
    CALL = "call", _("Call")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Meeting(TenantScopedModel):
    """A high-touch meeting a CSM logged."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField(_("date and time"), default=timezone.now)
    meeting_type = models.CharField(
        _("type"), max_length=16, choices=MeetingType.choices, default=MeetingType.ONLINE
    )
    agenda = models.TextField(_("agenda"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    next_steps = models.JSONField(_("next steps"), default=list, blank=True)
    sentiment = models.CharField(
        _("customer sentiment"), max_length=16, choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    contacts = models.ManyToManyField(
        Contact, through="MeetingContact", related_name="+", blank=True
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="MeetingStaff", related_name="+", blank=True
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # NOTE: the id of a touch programme of an app above journeys (touchmodel), a plain integer
    # validated against `journeys.extensions.meeting_program_choices()` when logged, so that
    # journeys never depends on that app's tables.
    program_id = models.BigIntegerField(_("programme"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    location = models.CharField(_("place or meeting URL"), max_length=300, blank=True)
    # The iCalendar SEQUENCE of the invitations customers got: raised on every change of time
    # or place they were sent, and on the cancellation (RFC 5545 3.8.7.4).
    ical_sequence = models.PositiveIntegerField(default=0, editable=False)
    # The customer attendees were sent a calendar invitation: changes and the cancellation
    # follow it.
    invites_customers = models.BooleanField(_("calendar invitations sent"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [
            models.Index(fields=["tenant", "account", "occurred_at"], name="meeting_acct_idx"),
            models.Index(
                fields=["tenant", "program_id"],
                condition=models.Q(program_id__isnull=False),
                name="meeting_program_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.occurred_at:%Y-%m-%d}"


class MeetingContact(TenantScopedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "meeting", "contact"], name="meetingcontact_unique"
            ),
        ]


class MeetingStaff(TenantScopedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="staff_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "meeting", "user"], name="meetingstaff_unique"
            ),
        ]


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Task(TenantScopedModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    # What created the task (e.g. "rule:42", "alert:…"); rules arrive with touchmodel.
    origin = models.CharField(_("origin"), max_length=100, null=True, blank=True)  # noqa: DJ001
    # NULL, not "": the partial unique index and ON CONFLICT only apply to keyed rows.
    source_key = models.CharField(  # noqa: DJ001
        _("source key"), max_length=200, null=True, blank=True
    )
    # What happened, for tasks an app generates (e.g. "health_alert" + {"kind", "score",
    # "previous"}): the app words the title in the reader's language from it
    # (journeys.extensions.register_task_titles); "" for tasks written by hand.
    kind = models.CharField(_("kind"), max_length=40, blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def shown_title(self) -> str:
        """The title in the active language (see `journeys.extensions.tasks_titled`)."""
        cached = getattr(self, "_shown_title", None)
        if cached is None or getattr(self, "_shown_language", None) != get_language():
            cached = task_titles([self])[self.pk]
            self._shown_title, self._shown_language = cached, get_language()
        return cached

    @property
    def shown_description(self) -> str:
        """The description in the active language (see `journeys.extensions.tasks_titled`)."""
        text, language = getattr(self, "_shown_description", (None, None))
        if text is None or language != get_language():
            text, language = task_descriptions([self])[self.pk], get_language()
            self._shown_description = (text, language)
        return text

    class Meta:
        ordering = ["status", "due_date", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source_key"],
                condition=models.Q(source_key__isnull=False),
                name="task_unique_source_key",
            ),
        ]
        indexes = [
            # My Work: a person's open tasks, soonest due first, read from the index (#16).
            models.Index(
                fields=["tenant", "assignee", "status", "due_date", "id"],
                name="task_assignee_due_idx",
            ),
            models.Index(fields=["tenant", "account", "status"], name="task_account_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class FeedbackKind(models.TextChoices):
    PAIN_POINT = "pain_point", _("Pain point")
    GAIN_POINT = "gain_point", _("Gain point")
    REQUEST = "request", _("Request")
    QUESTION = "question", _("Question")


class Department(models.TextChoices):
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    PRODUCT = "product", _("Product")


class FeedbackStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


class FeedbackItem(TenantScopedModel):
    """The voice of the customer, shared back with sales, marketing and product."""

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FeedbackKind.choices)
    category = models.CharField(_("category"), max_length=100, blank=True)
    quote = models.TextField(_("quote"))
    source = models.CharField(_("source"), max_length=100, blank=True)
    shared_with = ArrayField(
        models.CharField(max_length=16, choices=Department.choices),
        verbose_name=_("shared with"),
        default=list,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("feedback item")
        verbose_name_plural = _("feedback items")
        indexes = [
            models.Index(fields=["tenant", "kind", "status"], name="feedback_kind_idx"),
            models.Index(fields=["tenant", "account"], name="feedback_account_idx"),
        ]

    def __str__(self) -> str:
        return self.quote[:60]

    @property
    def shared_with_labels(self) -> list[str]:
        return [str(Department(d).label) for d in self.shared_with if d in Department.values]
