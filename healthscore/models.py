"""Usage events, rollups, scorecards, scores, recompute jobs and alerts.

Storage design (see `healthscore/services/ingest.py` for the write path):

- `UsageEvent` lives in `healthscore_usageevent`, a table partitioned by month on
  `occurred_at` (created by a RunSQL migration; the model is `managed = False`). PostgreSQL
  requires the partition key inside every unique index of a partitioned table, so the table has
  no unique index on the idempotency key.
- `EventKey` is a small, non-partitioned table with a primary key `(tenant, idempotency_key)`:
  the ingest statement first inserts the batch's keys there with `ON CONFLICT DO NOTHING` and
  only the events whose key was newly claimed go into the partitioned table. A key is claimed
  by exactly one transaction (the second waits on the unique index, then sees the conflict), so
  the same key sent twice, even concurrently and even with two different timestamps, is stored
  once. Keys older than the retention horizon are deleted with the old partitions.
- `UsageDaily` (events per account, day, event) and `ContactDaily` (the contact keys active per
  account and day) are the rollups the score reads. They are written in the same statement as
  the insert, from the rows the insert RETURNed, so only newly stored events are counted (no
  double count on retry).
- These three tables are written thousands of rows per request, only by that statement, so
  their foreign keys are not database constraints: PostgreSQL would check each new row at
  commit, which cost about a quarter of the ingest time. The ingest statement resolves every
  account id of the tenant in the same transaction; deleting an account or a tenant still
  removes their rows (Django's cascade and `tenant_delete`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact, Segment
from cs_platform.scoping import TenantScopedModel, tenant_foreign_key


class UsageEvent(TenantScopedModel):
    """One raw product-usage event (read-only through the ORM; written by COPY)."""

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey(Account, on_delete=models.DO_NOTHING, related_name="+")
    contact_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    event = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    properties = models.JSONField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        managed = False
        db_table = "healthscore_usageevent"
        verbose_name = _("usage event")
        verbose_name_plural = _("usage events")

    def __str__(self) -> str:
        return f"{self.event} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class EventKey(TenantScopedModel):
    """An idempotency key already stored (de-duplication outside the partitioned table)."""

    # The key itself is the primary key: one B-tree per claimed key, not three.
    pk = models.CompositePrimaryKey("tenant", "idempotency_key")
    tenant = tenant_foreign_key(db_index=False, db_constraint=False)
    idempotency_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event idempotency key")
        verbose_name_plural = _("event idempotency keys")
        # BRIN: nearly free to maintain on an append-only table; serves the retention delete.
        indexes = [BrinIndex(fields=["created_at"], name="eventkey_created_brin")]

    def __str__(self) -> str:
        return self.idempotency_key


class UsageDaily(TenantScopedModel):
    """Events per account, day (in the tenant's time zone) and event name."""

    tenant = tenant_foreign_key(db_constraint=False)
    # The unique index (account, day, event, tenant) serves account lookups: no extra index.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()
    event = models.CharField(max_length=100)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily usage")
        verbose_name_plural = _("daily usage")
        constraints = [
            # Account first: serves the recompute's account-range scans and the FK check
            # when an account is deleted (there is no separate account index).
            models.UniqueConstraint(
                fields=["account", "day", "event", "tenant"], name="usagedaily_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day} {self.event}={self.count}"


class ContactDaily(TenantScopedModel):
    """A user (the event's `contact_id`) was active for an account on a day.

    Presence only, no count: a user's later events that day cost the ingest statement an
    index probe instead of a row update.
    """

    tenant = tenant_foreign_key(db_constraint=False)
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    contact_key = models.CharField(max_length=100)
    day = models.DateField()

    class Meta:
        verbose_name = _("daily active user")
        verbose_name_plural = _("daily active users")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "day", "contact_key", "tenant"], name="contactdaily_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day} {self.contact_key}"


class KeyEvent(TenantScopedModel):
    """An event that counts towards feature breadth."""

    name = models.CharField(_("event name"), max_length=100)
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("key event")
        verbose_name_plural = _("key events")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="keyevent_unique_name"),
        ]

    def __str__(self) -> str:
        return self.label or self.name


class SurveyResponse(TenantScopedModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    responded_on = models.DateField(_("responded on"))
    comment = models.TextField(_("comment"), blank=True)
    # Where an answer came from when another app recorded it (e.g. "seminar-survey:<id>"): a
    # second answer to the same survey replaces the first. NULL for answers entered by hand.
    source_key = models.CharField(  # noqa: DJ001
        _("source"), max_length=200, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-responded_on", "-pk"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=10), name="survey_score_0_10"
            ),
            models.UniqueConstraint(
                fields=["tenant", "source_key"],
                condition=models.Q(source_key__isnull=False),
                name="survey_unique_source_key",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "account", "responded_on"], name="survey_account_idx")
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.score}"


class Scorecard(TenantScopedModel):
    """How accounts are scored. Edited as a draft; `publish` freezes it as a new version.

    Which scorecard applies: the lowest `priority` whose filters match (phase keys and/or
    market segments and/or a saved segment; an empty filter matches everything), else the
    tenant's default scorecard.
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.PositiveIntegerField(_("priority"), default=100)
    is_default = models.BooleanField(_("default"), default=False)
    phase_keys = models.JSONField(_("phases"), default=list, blank=True)
    market_segments = models.JSONField(_("market segments"), default=list, blank=True)
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    draft = models.JSONField(_("draft definition"), default=dict, blank=True)
    current_version = models.ForeignKey(
        "ScorecardVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "pk"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="scorecard_unique_name"),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(is_default=True),
                name="scorecard_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ScorecardVersion(TenantScopedModel):
    """An immutable, published definition. Every stored score points at one."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["scorecard", "-number"]
        verbose_name = _("scorecard version")
        verbose_name_plural = _("scorecard versions")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "scorecard", "number"], name="scorecardversion_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard_id} v{self.number}"


class Band(models.TextChoices):
    GREEN = "green", _("Healthy")
    AMBER = "amber", _("Needs attention")
    RED = "red", _("At risk")


class HealthScore(TenantScopedModel):
    """One score per account and day; a re-run of the day replaces it (upsert)."""

    # Both indexes below lead with tenant: a tenant-only index would be one more write per score.
    tenant = tenant_foreign_key(db_index=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # RESTRICT: a version with scores cannot be deleted, but deleting the tenant still cascades.
    version = models.ForeignKey(ScorecardVersion, on_delete=models.RESTRICT, related_name="+")
    score = models.FloatField()
    band = models.CharField(max_length=8, choices=Band.choices)
    components = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("health score")
        verbose_name_plural = _("health scores")
        constraints = [
            # NOTE: the chart's columns ride in the index (an index-only range of a few
            # pages, not one heap page per day: the days of an account lie apart).
            models.UniqueConstraint(
                fields=["tenant", "account", "day"],
                include=["score", "band", "version"],
                name="healthscore_one_per_day",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "day", "band"], name="healthscore_day_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}: {self.score:.0f}"


class LatestScore(TenantScopedModel):
    """Each account's latest nightly score, kept exact by statement triggers on the scores
    (migration 0022): the account list filters and sorts by band with an index, not with a
    subquery over each account's scores (issue #16). No row: the account was never scored."""

    tenant = tenant_foreign_key(db_index=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    score = models.FloatField()
    band = models.CharField(max_length=8, choices=Band.choices)

    class Meta:
        verbose_name = _("latest health score")
        verbose_name_plural = _("latest health scores")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "account"], name="latestscore_one"),
        ]
        indexes = [models.Index(fields=["tenant", "band"], name="latestscore_band_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}: {self.band}"


class ScoreSample(TenantScopedModel):
    """The Monday rows of `HealthScore`, narrow, for the backtest (which samples Mondays).

    Kept by statement-level triggers on `healthscore_healthscore` (migration 0018): every
    insert, upsert or delete of a Monday score writes or removes its sample in the same
    statement, whoever writes (the recompute, a back-fill, the bench). `points` holds the
    components' points in the order of their keys sorted by code point (`sample_keys`), so a
    year of a version's samples is read without touching a JSON document. Foreign keys are not
    database constraints (as for the rollups): the triggers and Django's cascade keep them.
    """

    tenant = tenant_foreign_key(db_index=False)
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    version = models.ForeignKey(
        ScorecardVersion, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    score = models.FloatField()
    band = models.CharField(max_length=8, choices=Band.choices)
    points = ArrayField(models.FloatField(null=True), default=list)

    class Meta:
        verbose_name = _("score sample")
        verbose_name_plural = _("score samples")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "day"], name="scoresample_one_per_day"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "version", "day"], name="scoresample_version_idx")
        ]


def sample_keys(keys: list[str]) -> list[str]:
    """The order of `ScoreSample.points`: component keys sorted by code point (as PostgreSQL
    sorts them under the "C" collation)."""
    return sorted(keys)


class PortfolioDay(TenantScopedModel):
    """The tenant's scores of one day and scorecard version, summed: what the portfolio charts
    read instead of scanning every account's score (100,000 accounts × 90 days).

    Kept exact by statement-level triggers on `HealthScore`: every insert, upsert and delete
    adds or subtracts its rows, whoever writes them (the recompute, a back-fill, an account
    deleted with its scores), as a `PortfolioDayDelta` row (migration 0021); a day's figures
    are this row plus its deltas (`healthscore.selectors.portfolio`), and compaction folds the
    deltas in. `portfolio_days_rebuild` recounts a tenant from the scores (bulk loads that run
    without triggers)."""

    tenant = tenant_foreign_key(db_index=False)
    day = models.DateField()
    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="+")
    accounts = models.IntegerField(default=0)
    total = models.FloatField(default=0)
    green = models.IntegerField(default=0)
    amber = models.IntegerField(default=0)
    red = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "day", "version"], name="portfolioday_one_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} v{self.version_id}: {self.accounts}"


class PortfolioDayDelta(TenantScopedModel):
    """What one write statement of scores added to (or, negative, took from) a day and
    scorecard version: inserted by the triggers of migration 0021, folded into `PortfolioDay`
    by `portfolio_days_compact` (on read past a threshold, when a recompute job closes, and
    hourly by beat).

    NOTE: insert-only, no unique key: adding to one `PortfolioDay` row from the trigger (0019)
    locked that row until the writing transaction ended, so the recompute chunks of a tenant,
    which all score the same day, committed one after the other."""

    tenant = tenant_foreign_key(db_index=False)
    day = models.DateField()
    version = models.ForeignKey(
        ScorecardVersion, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    accounts = models.IntegerField(default=0)
    total = models.FloatField(default=0)
    green = models.IntegerField(default=0)
    amber = models.IntegerField(default=0)
    red = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="portfoliodelta_tenant_day")]

    def __str__(self) -> str:
        return f"{self.day} v{self.version_id}: {self.accounts:+d}"


class JobStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobTrigger(models.TextChoices):
    NIGHTLY = "nightly", _("Nightly")
    MANUAL = "manual", _("Manual")
    COMMAND = "command", _("Command line")


class RecomputeJob(TenantScopedModel):
    day = models.DateField()
    trigger = models.CharField(max_length=16, choices=JobTrigger.choices)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    chunks = models.JSONField(default=list, blank=True)  # [[first_id, last_id], …]
    completed_chunks = ArrayField(models.IntegerField(), default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("recompute job")
        verbose_name_plural = _("recompute jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "day"],
                condition=models.Q(trigger="nightly"),
                name="recomputejob_one_nightly",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.trigger} {self.done}/{self.total}"


class ChunkState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RecomputeChunk(TenantScopedModel):
    """One chunk of a recompute job and its lease (see `healthscore/services/recompute.py`).

    A worker runs a chunk only under a lease it claimed (`attempt` is the fencing token) and
    keeps it alive with heartbeats; a lease that expires means the worker died, and the beat
    sweep queues the chunk again. `stalls` / `last_stalled_at` keep that story for the job page.
    """

    job = models.ForeignKey(RecomputeJob, on_delete=models.CASCADE, related_name="chunk_rows")
    index = models.PositiveIntegerField()
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    state = models.CharField(max_length=8, choices=ChunkState.choices, default=ChunkState.QUEUED)
    attempt = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How many accounts the chunk scored (set with state "done"): the job's progress is their
    # sum until it closes (healthscore.services.recompute). A default in the database too, so
    # chunk rows planned in SQL (or by a worker of the previous release) start at 0.
    scored = models.PositiveIntegerField(default=0, db_default=0)
    stalls = models.PositiveIntegerField(default=0)
    last_stalled_at = models.DateTimeField(null=True, blank=True)
    stalled_worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["job", "index"]
        verbose_name = _("recompute chunk")
        verbose_name_plural = _("recompute chunks")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "job", "index"], name="recomputechunk_one_per_index"
            ),
        ]
        indexes = [
            # The sweep: running chunks whose lease ran out.
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(state="running"),
                name="recomputechunk_lease_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.index} {self.state}"


class HealthSettings(TenantScopedModel):
    """Per-tenant alert settings (admin-editable)."""

    drop_points = models.PositiveSmallIntegerField(
        _("alert on a drop of (points)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    drop_window_days = models.PositiveSmallIntegerField(
        _("within (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    alert_on_red = models.BooleanField(_("alert when an account turns red"), default=True)
    task_due_days = models.PositiveSmallIntegerField(
        _("task due in (days)"), default=3, validators=[MaxValueValidator(365)]
    )
    milestone_risk_days = models.PositiveSmallIntegerField(
        _("milestone at risk when due within (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A milestone below its target score and due within these days is at risk."),
    )

    class Meta:
        verbose_name = _("health settings")
        verbose_name_plural = _("health settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="healthsettings_one_per_tenant"),
            models.CheckConstraint(
                condition=models.Q(milestone_risk_days__gte=1, milestone_risk_days__lte=365),
                name="healthsettings_risk_days_range",
            ),
            models.CheckConstraint(
                condition=models.Q(task_due_days__lte=365), name="healthsettings_task_due_range"
            ),
        ]

    def __str__(self) -> str:
        return f"drop {self.drop_points} in {self.drop_window_days}d"


class AlertKind(models.TextChoices):
    DROP = "drop", _("Score drop")
    RED = "red", _("Moved into red")


class HealthAlert(TenantScopedModel):
    """One alert episode: opened when the condition starts, resolved when it ends."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=AlertKind.choices)
    episode_key = models.CharField(max_length=100)
    opened_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    score = models.FloatField()
    previous_score = models.FloatField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("health alert")
        verbose_name_plural = _("health alerts")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "episode_key"], name="healthalert_episode"),
            models.UniqueConstraint(
                fields=["tenant", "account", "kind"],
                condition=models.Q(resolved_on__isnull=True),
                name="healthalert_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.opened_on}"


class BacktestRun(TenantScopedModel):
    """One backtest of a scorecard version (or of the draft, `version` empty) against the
    contracts' outcomes, with its result: computed by a Celery task, kept as the cache of
    that version until the data changes (`fingerprint`)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        ScorecardVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    definition = models.JSONField()
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.RUNNING)
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    stage = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("backtest")
        verbose_name_plural = _("backtests")
        constraints = [
            # One computation at a time per version and data: a second request joins it.
            models.UniqueConstraint(
                fields=["tenant", "fingerprint"],
                condition=models.Q(status="running"),
                name="backtestrun_one_running",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__gte=0, progress__lte=100),
                name="backtestrun_progress_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "scorecard", "fingerprint"], name="backtestrun_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard_id} {self.version_id or 'draft'} {self.status}"


class DirtyAccount(TenantScopedModel):
    """An account whose score is stale since something happened to it (event-time scoring).

    A row is a mark: written by the ingest statement (same statement as the events), by the
    journeys timeline (phase change, milestone, meeting, article read …) and by survey answers.
    At most one unclaimed row per account (partial unique index), so marking an account that
    is already marked is an index probe with ON CONFLICT DO NOTHING: no row update, no row lock
    on the ingest hot path. A worker claims rows with a conditional UPDATE (`claim` set), scores
    those accounts and deletes the rows it claimed; a mark that arrives meanwhile inserts a new
    unclaimed row, so it is never lost. A claim older than the lease is taken over (a worker
    died with it).
    """

    id = models.BigAutoField(primary_key=True)
    # No database FK checks: rows are written with the ingest statement (see UsageDaily).
    tenant = tenant_foreign_key(db_index=False, db_constraint=False)
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    marked_at = models.DateTimeField(default=timezone.now)
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("account to rescore")
        verbose_name_plural = _("accounts to rescore")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "tenant"],
                condition=models.Q(claim__isnull=True),
                name="dirtyaccount_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "claim"], name="dirtyaccount_claim_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} marked {self.marked_at:%H:%M:%S}"


class HealthScoreNow(TenantScopedModel):
    """The account's intra-day score ("now"), recomputed minutes after an event.

    One row per account, replaced at each event-time recompute; `day` is the tenant-local day
    it scores (as the nightly run would score that day if it ended at `computed_at`). The
    nightly `HealthScore` stays the authoritative daily history: a "now" row is shown only
    while it is for a later day than the account's latest nightly score.
    """

    tenant = tenant_foreign_key(db_index=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    band = models.CharField(max_length=8, choices=Band.choices)
    components = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("intra-day health score")
        verbose_name_plural = _("intra-day health scores")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "account"], name="healthscorenow_one"),
        ]
        # The newest intra-day score of a tenant keys the portfolio's cached milestones at risk.
        indexes = [models.Index(fields=["tenant", "computed_at"], name="healthscorenow_newest")]

    def __str__(self) -> str:
        return f"{self.account_id} now: {self.score:.0f}"
