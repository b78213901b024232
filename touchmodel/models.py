"""The touch model: tiers, programs, capacity, playbook rules and their firings, e-mail,
seminars, user groups and champions.

Phases live in journeys, which is migrated in parallel with this app; rows here refer to a
phase by its id (`*_phase_id`, a plain integer validated against `journeys.selectors`) rather
than a foreign key, so this app's migrations never depend on the shape of journeys' tables.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact, Segment
from cs_platform.dns_verify import DnsVerifiedDomain, verification_token_new
from cs_platform.scoping import TenantScopedModel


def _localised(obj: object, field: str) -> str:
    ja, en = getattr(obj, f"{field}_ja"), getattr(obj, f"{field}_en")
    lang = (get_language() or "ja")[:2]
    return (ja if lang == "ja" else en) or ja or en


class Tier(models.TextChoices):
    HIGH = "high", _("High touch")
    LOW = "low", _("Low touch")
    TECH = "tech", _("Tech touch")


TIER_ORDER = [Tier.HIGH, Tier.LOW, Tier.TECH]


class HealthBand(models.TextChoices):
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")


class TouchSettings(TenantScopedModel):
    """Per-tenant settings of the touch model (one row per tenant)."""

    default_tier = models.CharField(
        _("default tier"), max_length=8, choices=Tier.choices, default=Tier.TECH
    )
    hours_high = models.DecimalField(
        _("CSM hours per high-touch account per month"),
        max_digits=6,
        decimal_places=2,
        default=4,
        validators=[MinValueValidator(0)],
    )
    hours_low = models.DecimalField(
        _("CSM hours per low-touch account per month"),
        max_digits=6,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
    )
    hours_tech = models.DecimalField(
        _("CSM hours per tech-touch account per month"),
        max_digits=6,
        decimal_places=2,
        default=0.1,
        validators=[MinValueValidator(0)],
    )
    default_csm_hours = models.DecimalField(
        _("default CSM hours per month"),
        max_digits=6,
        decimal_places=1,
        default=120,
        validators=[MinValueValidator(0)],
    )
    email_from = models.CharField(
        _("sender address"),
        max_length=200,
        blank=True,
        help_text=_(
            "Name <address>. The address is used only at a sender domain you verified below; "
            "otherwise e-mails go from Junkan's address with your name."
        ),
    )

    class Meta:
        verbose_name = _("touch model settings")
        verbose_name_plural = _("touch model settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="touchsettings_one"),
            models.CheckConstraint(
                condition=models.Q(
                    hours_high__gte=0, hours_low__gte=0, hours_tech__gte=0, default_csm_hours__gte=0
                ),
                name="touchsettings_hours_not_negative",
            ),
        ]

    def __str__(self) -> str:
        hours = (float(h) for h in (self.hours_high, self.hours_low, self.hours_tech))
        return "high {:g}h · low {:g}h · tech {:g}h".format(*hours)

    def hours_for(self, tier: str) -> float:
        return float({"high": self.hours_high, "low": self.hours_low}.get(tier, self.hours_tech))


# NOTE: migration 0007 names it as the token's default; new rows use the shared one.
sender_domain_token = verification_token_new


class SenderDomain(DnsVerifiedDomain):
    """A domain the tenant's e-mails may be sent from (the address of `email_from`), once the
    tenant proved it controls it: the token in the DNS TXT record `_junkan-verify.<domain>`
    (cs_platform.dns_verify, as for the Learn & Support custom domains). A verified domain
    also covers its subdomains."""

    class Meta:
        ordering = ["domain"]
        verbose_name = _("sender domain")
        verbose_name_plural = _("sender domains")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "domain"], name="senderdomain_unique"),
        ]


# What staff write on a tier rule and a touch program (page and API): written once.
TIER_RULE_FIELDS = (
    "name",
    "position",
    "tier",
    "arr_min",
    "arr_max",
    "business_potentials",
    "market_segments",
    "phase_ids",
    "health_bands",
    "segment",
    "is_active",
)
TOUCH_PROGRAM_FIELDS = (
    "name_ja",
    "name_en",
    "kind",
    "tier",
    "value_per_customer",
    "reach_per_month",
    "cost_hours_per_month",
    "description",
    "is_active",
)


class TierRule(TenantScopedModel):
    """A condition over account fields; rules are tried by `position`, the first match wins.

    Empty conditions match everything. `arr_*` are in the tenant currency's minor units.
    """

    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    arr_min = models.BigIntegerField(
        _("ARR at least"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    arr_max = models.BigIntegerField(
        _("ARR below"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    business_potentials = models.JSONField(_("business potential is"), default=list, blank=True)
    market_segments = models.JSONField(_("market segment is"), default=list, blank=True)
    phase_ids = models.JSONField(_("phase is"), default=list, blank=True)
    health_bands = models.JSONField(_("health band is"), default=list, blank=True)
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("in segment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")
        indexes = [models.Index(fields=["tenant", "position"], name="tierrule_pos_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(arr_min__isnull=True) | models.Q(arr_min__gte=0))
                & (models.Q(arr_max__isnull=True) | models.Q(arr_max__gte=0)),
                name="tierrule_arr_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TierSource(models.TextChoices):
    RULE = "rule", _("Rule")
    DEFAULT = "default", _("Default")
    MANUAL = "manual", _("Manual override")


class AccountTier(TenantScopedModel):
    """The current tier of one account; a manual override wins over the rules until cleared."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    source = models.CharField(_("source"), max_length=8, choices=TierSource.choices)
    rule = models.ForeignKey(
        TierRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    override_reason = models.TextField(_("reason"), blank=True)
    override_at = models.DateTimeField(_("overridden at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("account tier")
        verbose_name_plural = _("account tiers")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "account"], name="accounttier_unique"),
        ]
        indexes = [models.Index(fields=["tenant", "tier"], name="accounttier_tier_idx")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.tier}"


class ProgramKind(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("1:1 meetings")
    SEMINAR_SERIES = "seminar_series", _("Seminar series")
    CONTENT_TRACK = "content_track", _("Content track")
    EMAIL_CAMPAIGN = "email_campaign", _("E-mail campaign")


class TouchProgram(TenantScopedModel):
    """A way of touching customers, placed on value per customer × reach."""

    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ProgramKind.choices)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    value_per_customer = models.PositiveSmallIntegerField(
        _("value per customer (1–5)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    reach_per_month = models.PositiveIntegerField(_("customers reached per month"), default=10)
    cost_hours_per_month = models.DecimalField(
        _("cost in CSM hours per month"),
        max_digits=7,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tier", "-value_per_customer", "name_ja"]
        verbose_name = _("touch program")
        verbose_name_plural = _("touch programs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value_per_customer__gte=1, value_per_customer__lte=5),
                name="touchprogram_value_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(cost_hours_per_month__gte=0),
                name="touchprogram_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self, "name")


class CsmCapacity(TenantScopedModel):
    """Hours a CSM has for customers each month (the rest goes to meetings, admin, leave)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    hours_per_month = models.DecimalField(
        _("hours per month"),
        max_digits=6,
        decimal_places=1,
        default=120,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("CSM capacity")
        verbose_name_plural = _("CSM capacities")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="csmcap_unique"),
            models.CheckConstraint(
                condition=models.Q(hours_per_month__gte=0), name="csmcap_hours_not_negative"
            ),
        ]


class Trigger(models.TextChoices):
    PHASE_ENTERED = "phase_entered", _("Entered a phase")
    PHASE_STUCK = "phase_stuck", _("More than N days in a phase")
    HEALTH_BELOW = "health_below", _("Health score below X")
    HEALTH_DROPPED = "health_dropped", _("Health score dropped N points")
    NO_ACTIVITY = "no_activity", _("No activity for N days")
    RENEWAL_DUE = "renewal_due", _("Renewal in N days")
    MILESTONE_OVERDUE = "milestone_overdue", _("Milestone overdue")
    CONTENT_READ = "content_read", _("Content read")
    SEMINAR_ATTENDED = "seminar_attended", _("Seminar attended")
    SEMINAR_MISSED = "seminar_missed", _("Seminar missed")
    EXECUTIVE_CONTACT = "executive_contact", _("New executive-level contact")


# The settings (`Rule.params`) each trigger reads (touchmodel.selectors.triggers): the rule form
# shows only these, the rule page words only these, and saving drops the others.
TRIGGER_PARAMS: dict[str, tuple[str, ...]] = {
    Trigger.PHASE_ENTERED: ("phase_id", "days"),
    Trigger.PHASE_STUCK: ("phase_id", "days"),
    Trigger.HEALTH_BELOW: ("threshold",),
    Trigger.HEALTH_DROPPED: ("points", "days"),
    Trigger.NO_ACTIVITY: ("days",),
    Trigger.RENEWAL_DUE: ("days",),
    Trigger.MILESTONE_OVERDUE: (),
    Trigger.CONTENT_READ: ("article", "section", "days"),
    Trigger.SEMINAR_ATTENDED: ("days",),
    Trigger.SEMINAR_MISSED: ("days",),
    Trigger.EXECUTIVE_CONTACT: ("days",),
}


# The numbers a rule's trigger takes (`Rule.params`) and their bounds; the rule form, the API
# and `full_clean()` share them. A day count feeds date arithmetic: unbounded, it overflowed.
RULE_PARAM_BOUNDS: dict[str, tuple[int, int]] = {
    "phase_id": (1, 2**31 - 1),
    "days": (0, 3650),
    "threshold": (0, 100),
    "points": (1, 100),
}


def validate_rule_params(value: Any) -> None:
    """Each numeric parameter within RULE_PARAM_BOUNDS (the shape is the serializer's)."""
    if not isinstance(value, dict):
        return
    for name, (low, high) in RULE_PARAM_BOUNDS.items():
        item = value.get(name)
        if isinstance(item, int) and not isinstance(item, bool) and not low <= item <= high:
            raise ValidationError(
                _("%(name)s must lie between %(min)s and %(max)s."),
                code="max_value" if item > high else "min_value",
                params={"name": name, "min": low, "max": high},
            )


class Rule(TenantScopedModel):
    """A playbook: when `trigger` happens to an account that meets the conditions, act by tier.

    `params`: phase_id (phase triggers), days (stuck, no activity, renewal, drop window,
    lookback), threshold (health below), points (health dropped).
    """

    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    message_ja = models.TextField(_("message (Japanese)"), blank=True)
    message_en = models.TextField(_("message (English)"), blank=True)
    trigger = models.CharField(_("trigger"), max_length=24, choices=Trigger.choices)
    params = models.JSONField(
        _("trigger parameters"), default=dict, blank=True, validators=[validate_rule_params]
    )
    tiers = models.JSONField(_("only for tiers"), default=list, blank=True)
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("only in segment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    act_high = models.BooleanField(_("high touch: task for the owner CSM"), default=True)
    act_low = models.BooleanField(_("low touch: invite to the next seminar"), default=True)
    act_tech = models.BooleanField(_("tech touch: e-mail recommended articles"), default=True)
    due_in_days = models.PositiveSmallIntegerField(
        _("task due in days"), default=7, validators=[MaxValueValidator(365)]
    )
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    program = models.ForeignKey(
        TouchProgram,
        verbose_name=_("program"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rules",
    )
    is_active = models.BooleanField(_("on"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_ja", "pk"]
        verbose_name = _("playbook rule")
        verbose_name_plural = _("playbook rules")
        indexes = [models.Index(fields=["tenant", "trigger"], name="rule_trigger_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(due_in_days__lte=365), name="rule_due_range")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self, "name")

    @property
    def message(self) -> str:
        return _localised(self, "message")


class FiringStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class RuleFiring(TenantScopedModel):
    """One rule firing for one account in one episode; the unique key makes it happen once."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    episode_key = models.CharField(_("episode"), max_length=200)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices, blank=True)
    action = models.CharField(_("action"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=FiringStatus.choices, default=FiringStatus.CLAIMED
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    fired_at = models.DateTimeField(_("fired at"), default=timezone.now)

    class Meta:
        ordering = ["-fired_at", "-pk"]
        verbose_name = _("rule firing")
        verbose_name_plural = _("rule firings")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "rule", "account", "episode_key"], name="rulefiring_once"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-fired_at"], name="rulefiring_recent_idx"),
            models.Index(fields=["tenant", "account"], name="rulefiring_account_idx"),
        ]

    @property
    def source_key(self) -> str:
        return f"touchmodel:firing:{self.pk}"


class RuleEvaluation(TenantScopedModel):
    """The nightly rule evaluation of one tenant and day, run under a lease
    (touchmodel/services/evaluations.py): claimed once per day, started again by the beat sweep
    when the worker running it died."""

    day = models.DateField()
    status = models.CharField(max_length=8, default="pending")  # pending, running, done
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    stalls = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rule evaluation")
        verbose_name_plural = _("rule evaluations")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "day"], name="ruleevaluation_one_per_day"),
        ]


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SUPPRESSED = "suppressed", _("Suppressed (opted out)")
    # The worker died between handing the message to SMTP and recording the answer: it may
    # have gone out, so it is never re-sent automatically (a duplicate is worse than asking).
    UNCONFIRMED = "unconfirmed", _("Unconfirmed (the worker stopped during the send)")


class OutboundEmail(TenantScopedModel):
    """One message to one address. `message_key` is unique: the same message is never queued
    (and so never sent) twice."""

    message_key = models.CharField(_("message key"), max_length=200)
    to_email = models.EmailField(_("to"))
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8, default="ja")
    template = models.CharField(_("template"), max_length=60)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    firing = models.ForeignKey(
        RuleFiring, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    program = models.ForeignKey(
        TouchProgram, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True)
    # The send's lease and intent (touchmodel/services/email.py): `message_id` is the same
    # Message-ID header on every attempt; `smtp_started_at` is committed before the message is
    # handed to SMTP, so a worker that dies afterwards leaves a trace that forbids a resend.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    smtp_started_at = models.DateTimeField(null=True, blank=True)
    # An iCalendar invitation (RFC 5545/5546) attached as invite.ics, rendered when queued so
    # every attempt sends the same bytes; `ics_method` is its METHOD (REQUEST or CANCEL).
    ics = models.TextField(_("calendar attachment"), blank=True)
    ics_method = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "message_key"], name="email_unique_key"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="email_status_idx"),
            models.Index(fields=["tenant", "to_email"], name="email_to_idx"),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(status="sending"),
                name="email_lease_idx",
            ),
        ]


class EmailOptOut(TenantScopedModel):
    email = models.EmailField(_("e-mail"))
    reason = models.CharField(_("reason"), max_length=20, default="unsubscribe")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail opt-out")
        verbose_name_plural = _("e-mail opt-outs")
        constraints = [models.UniqueConstraint(fields=["tenant", "email"], name="optout_unique")]


class SeminarKind(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding seminar")
    WEBINAR = "webinar", _("Webinar")
    HANDS_ON = "hands_on", _("Hands-on")
    USER_GROUP = "user_group", _("User group meeting")


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    ADVANCED = "advanced", _("Advanced")


class UserGroup(TenantScopedModel):
    """A community of customers' people around a shared problem (分科会)."""

    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_online = models.BooleanField(_("online"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_ja"]
        verbose_name = _("user group")
        verbose_name_plural = _("user groups")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self, "name")


class UserGroupMember(TenantScopedModel):
    group = models.ForeignKey(UserGroup, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    is_leader = models.BooleanField(_("leader"), default=False)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("user group member")
        verbose_name_plural = _("user group members")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "group", "contact"], name="ugmember_unique"),
        ]


# What staff write on a seminar (page and API), in the order the form shows it: written once.
SEMINAR_FIELDS = (
    "title_ja",
    "title_en",
    "kind",
    "level",
    "target_phase_id",
    "capacity",
    "starts_at",
    "duration_minutes",
    "is_online",
    "venue",
    "description",
    "user_group",
    "program",
    "is_published",
)


class Seminar(TenantScopedModel):
    """An event: onboarding seminar, webinar, hands-on, or a user group's meeting."""

    title_ja = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=SeminarKind.choices)
    level = models.CharField(
        _("level"), max_length=10, choices=Level.choices, default=Level.BEGINNER
    )
    target_phase_id = models.BigIntegerField(_("phase target"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=30)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    is_online = models.BooleanField(_("online"), default=True)
    venue = models.CharField(_("venue or meeting URL"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    user_group = models.ForeignKey(
        UserGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    program = models.ForeignKey(
        TouchProgram, null=True, blank=True, on_delete=models.SET_NULL, related_name="seminars"
    )
    is_published = models.BooleanField(_("on the public page"), default=True)
    # The iCalendar SEQUENCE of the invitations sent: raised on every change of time or place
    # and on the cancellation (RFC 5545 3.8.7.4).
    ical_sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("seminar")
        verbose_name_plural = _("seminars")
        indexes = [models.Index(fields=["tenant", "starts_at"], name="seminar_starts_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _localised(self, "title")


class RegistrationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    REGISTERED = "registered", _("Registered")
    CANCELLED = "cancelled", _("Cancelled")


class Attendance(models.TextChoices):
    UNKNOWN = "unknown", _("Not recorded")
    ATTENDED = "attended", _("Attended")
    MISSED = "missed", _("Missed")


class RegistrationSource(models.TextChoices):
    CSM = "csm", _("By a CSM")
    PUBLIC = "public", _("Public page")
    RULE = "rule", _("Playbook invitation")


def _signup_nonce() -> str:
    return secrets.token_hex(16)


class SeminarRegistration(TenantScopedModel):
    seminar = models.ForeignKey(Seminar, on_delete=models.CASCADE, related_name="registrations")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    company = models.CharField(_("company"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.REGISTERED,
    )
    source = models.CharField(
        _("source"), max_length=8, choices=RegistrationSource.choices, default="csm"
    )
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    firing = models.ForeignKey(
        RuleFiring, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    survey_rating = models.PositiveSmallIntegerField(
        _("rating (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    survey_comment = models.TextField(_("comment"), blank=True)
    survey_answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registered_at", "pk"]
        verbose_name = _("seminar registration")
        verbose_name_plural = _("seminar registrations")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seminar", "email"], name="semreg_unique"),
        ]
        indexes = [models.Index(fields=["tenant", "account"], name="semreg_account_idx")]


class SeminarSignup(TenantScopedModel):
    """A registration from the public page that waits for its address to confirm (double
    opt-in). It holds no contact, no account and no seat: only the confirmation turns it into
    a `SeminarRegistration` (`seminar_signup_confirm`). Unconfirmed ones expire
    (`expires_at`; the hourly beat task deletes them, and a late click is refused anyway)."""

    seminar = models.ForeignKey(Seminar, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    language = models.CharField(max_length=8, default="ja")
    # A new request for the same address replaces the nonce: only the latest link works.
    nonce = models.CharField(max_length=32, default=_signup_nonce)
    requested_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pending seminar registration")
        verbose_name_plural = _("pending seminar registrations")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seminar", "email"], name="semsignup_unique"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="semsignup_expires_idx")]


class ChampionCriterion(models.TextChoices):
    COMMUNITY = "community", _("Community contribution")
    RESULTS = "results", _("Results achieved")
    MASTERY = "mastery", _("Product mastery")


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    AWARDED = "awarded", _("Awarded")
    DECLINED = "declined", _("Declined")


class ChampionNomination(TenantScopedModel):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    criterion = models.CharField(_("criterion"), max_length=12, choices=ChampionCriterion.choices)
    reason = models.TextField(_("reason"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NominationStatus.choices,
        default=NominationStatus.NOMINATED,
    )
    award_title = models.CharField(_("award"), max_length=200, blank=True)
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("champion nomination")
        verbose_name_plural = _("champion nominations")
        indexes = [models.Index(fields=["tenant", "status"], name="nomination_status_idx")]
