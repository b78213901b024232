"""The core: tenants, users, memberships and API keys.

These are the only tables that are not tenant-owned: `Tenant` and `User` are Citus reference
tables; `Membership` and `ApiKey` carry `tenant_id` like every tenant-owned table but are read
across tenants (a user lists their tenants, an API key finds its tenant), so they keep a plain
manager and are always filtered by hand in `cs_platform.selectors`.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .scoping import (  # TenantScopedModel: re-exported
    TenantScopedModel,
    tenant_foreign_key,
    tenant_scope,
)
from .trash.extensions import label_shown

# `cs_platform.audit.services.actor_label` keeps an API key as "API key <name> (<prefix>…)".
_API_KEY_ACTOR = re.compile(r"^API key (?P<name>.*) \((?P<prefix>[^()]*)…\)$")


def actor_label_shown(label: str) -> str:
    """A kept actor label in the active language (an API key's; a person's is their name)."""
    match = _API_KEY_ACTOR.match(label)
    if match is None:
        return label
    return gettext("API key %(name)s (%(prefix)s…)") % match.groupdict()


class ShownLabels:
    """A record that keeps what it names (`label_parts()`: kind, label data, stored text) and
    who acted (`actor_label`), shown in the reader's language: trash, change log, audit log."""

    actor_label: str

    def label_parts(self) -> tuple[str, dict[str, Any], str]:
        return self.model, self.label_data, self.label  # type: ignore[attr-defined]

    @property
    def shown_label(self) -> str:
        """The label in the active language (`trash.extensions.labels_shown`)."""
        return label_shown(self)

    @property
    def shown_actor_label(self) -> str:
        return actor_label_shown(self.actor_label)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class Tenant(models.Model):
    """A SaaS vendor using Junkan to look after its own customers."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_timezone]
    )
    default_language = models.CharField(
        _("default language"),
        max_length=8,
        choices=[("ja", "日本語"), ("en", "English")],
        default="ja",
    )
    currency = models.CharField(_("currency"), max_length=3, default="JPY")
    require_admin_two_factor = models.BooleanField(
        _("admins must use two-factor sign-in"), default=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        # The cascade reads and deletes the tenant's rows: in its own scope, as the database's
        # row-level security requires (cs_platform.services.tenant_delete is the fast path).
        with tenant_scope(self):
            return super().delete(*args, **kwargs)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("Users must have an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: logs in by e-mail, belongs to one or more tenants."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=[("ja", "日本語"), ("en", "English")]
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    CS_MANAGER = "cs_manager", _("CS manager")
    CSM = "csm", _("CSM")
    VIEWER = "viewer", _("Viewer")


# Higher ranks include every right of the lower ones.
ROLE_RANK: dict[str, int] = {Role.VIEWER: 0, Role.CSM: 1, Role.CS_MANAGER: 2, Role.ADMIN: 3}


class Membership(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_tenant_user")
        ]
        ordering = ["tenant__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[minimum]


class ApiKeyScope(models.TextChoices):
    INGEST = "ingest", _("Ingest usage events")
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiKey(models.Model):
    """A machine client's key. Only its SHA-256 is stored; the key is shown once."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    scope = models.CharField(_("scope"), max_length=16, choices=ApiKeyScope.choices)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "hashed_key"], name="apikey_unique_hash"),
        ]
        indexes = [models.Index(fields=["hashed_key"], name="apikey_hash_idx")]
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class TrashEntry(ShownLabels, TenantScopedModel):
    """A deleted object and everything its delete took, kept for `TRASH_RETENTION_DAYS`.

    NOTE: a delete really deletes (every page, selector and SQL query stays as it is, and unique
    constraints stay plain); the rows are kept here as PostgreSQL's own JSON of each row
    (`to_jsonb`), so a restore re-inserts them with `jsonb_populate_recordset`, byte for byte
    and with their old ids, and references that the delete set to NULL are put back
    (`cs_platform.trash.services`).
    """

    model = models.CharField(_("kind"), max_length=100)  # the root's model label, app.model
    object_id = models.BigIntegerField()
    label = models.CharField(_("name"), max_length=300)
    # What the label says, as data, to word it for each reader (`trash.extensions`).
    label_data = models.JSONField(default=dict, db_default={}, blank=True)
    rows = models.JSONField(default=dict)  # {model label: [row, …]}
    links = models.JSONField(default=list)  # [{model, field, pairs: [[pk, old value], …]}]
    counts = models.JSONField(default=dict)  # {model label: number of rows}
    deleted_at = models.DateTimeField(_("deleted at"))
    deleted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("deleted by"), max_length=300, blank=True)

    class Meta:
        ordering = ["-deleted_at", "-id"]
        verbose_name = _("trash entry")
        verbose_name_plural = _("trash")
        indexes = [
            models.Index(fields=["tenant", "-deleted_at"], name="trash_recent_idx"),
            # The purge crosses tenants: it looks for the oldest entries of all of them.
            models.Index(fields=["deleted_at"], name="trash_purge_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id} ({self.label})"


class ChangeAction(models.TextChoices):
    DELETED = "deleted", _("Deleted")
    RESTORED = "restored", _("Restored")
    PURGED = "purged", _("Purged for good")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")
    ARCHIVED = "archived", _("Archived")


class ChangeRecord(ShownLabels, TenantScopedModel):
    """What happened to an object, by whom and when: deletes, restores, purges, publishing."""

    action = models.CharField(_("action"), max_length=16, choices=ChangeAction.choices)
    model = models.CharField(_("kind"), max_length=100)
    object_id = models.BigIntegerField()
    label = models.CharField(_("name"), max_length=300)
    # See TrashEntry.label_data.
    label_data = models.JSONField(default=dict, db_default={}, blank=True)
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        indexes = [
            models.Index(fields=["tenant", "-at"], name="change_recent_idx"),
            models.Index(fields=["tenant", "model", "object_id"], name="change_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.model} {self.object_id}"


class AuditEvent(ShownLabels, TenantScopedModel):
    """One line of the audit log: who did what to which object, what changed, from where.

    Append-only: a database trigger refuses UPDATE and DELETE (migration 0004), except inside
    the two named paths that may delete, the retention purge and `tenant_delete`
    (`cs_platform.audit.services`). Written only by services, through
    `cs_platform.audit.services.audit_record` (one INSERT) or `audit_record_many` (one
    multi-row INSERT); the actor, IP and user agent come from the audit context that each entry
    point sets (`cs_platform.audit.context`).

    NOTE: no foreign key here is a database constraint, and none cascades: deleting a user, an
    API key or a tenant through the ORM must not try to UPDATE or DELETE audit rows (the trigger
    would refuse it), and an audit line outlives what it names (hence the labels). `tenant` is
    NULL only for sign-in attempts that name no known member.
    """

    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    at = models.DateTimeField(_("when"))
    action = models.CharField(_("action"), max_length=64)
    actor_user = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=300, blank=True)
    target_type = models.CharField(_("kind"), max_length=100, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_label = models.CharField(_("object"), max_length=300, blank=True)
    # What the label says, as data, to word it for each reader (`trash.extensions`).
    target_label_data = models.JSONField(default=dict, db_default={}, blank=True)
    # {field: [before, after]}; nested JSON fields as dotted paths ("draft.weights.usage").
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    # Which entry point: web, api, task:<name>, command:<name> (empty: none, e.g. a shell).
    source = models.CharField(pgettext_lazy("audit", "source"), max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["tenant", "-at", "-id"], name="audit_recent_idx"),
            models.Index(fields=["tenant", "action", "-at"], name="audit_action_idx"),
            models.Index(fields=["tenant", "target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["tenant", "actor_user", "-at"], name="audit_actor_idx"),
            # The retention purge crosses tenants: it looks for the oldest events of all.
            models.Index(fields=["at"], name="audit_purge_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id or ''}".strip()

    def label_parts(self) -> tuple[str, dict[str, Any], str]:
        return self.target_type, self.target_label_data, self.target_label


class DataVersion(TenantScopedModel):
    """The base of a tenant's data version (`cs_platform.datacache`): the version is this
    number plus the tenant's `DataVersionBump` rows, one per statement that wrote a table a
    page's cache depends on (whoever runs it: a page, the API, an import, the recompute, a
    restore from the trash). Cached page data is keyed by it, so a change is never served
    stale. Compaction folds the bumps into `version` in one statement (the sum stays).

    NOTE: the triggers only add bumps for a tenant whose row exists (created when first read):
    a tenant deletion, which deletes this table before others, leaves no bump behind itself."""

    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="dataversion_one_per_tenant")
        ]


class DataVersionBump(TenantScopedModel):
    """One write statement of a tenant to a watched table (inserted by the triggers of
    migration 0008). Inserting never waits for another writer, where raising one counter row
    made every writer of the tenant wait for the previous one's commit.

    NOTE: no foreign-key constraint, so a write takes no lock on the tenant row for it; the
    tenant's deletion deletes its bumps like any tenant table's rows."""

    tenant = tenant_foreign_key(db_constraint=False)

    def __str__(self) -> str:
        return f"{self.tenant_id}: +1"


class TouchVersion(TenantScopedModel):
    """The base of a tenant's touch version (`cs_platform.datacache.touch_version`): the same
    mechanism as `DataVersion`, a second channel raised by the tables touches come from
    (`junkan_touch_version_watch`, migration 0010). Only what reads touches (the touch
    planner's measured reach and value) keys by it, so a Learn & Support read or a sent
    e-mail refreshes the planner without computing every other cached page again."""

    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="touchversion_one_per_tenant")
        ]


class TouchVersionBump(TenantScopedModel):
    """One write statement of a tenant to a table the touch channel watches (as
    `DataVersionBump`; no foreign-key constraint for the same reason)."""

    tenant = tenant_foreign_key(db_constraint=False)

    def __str__(self) -> str:
        return f"{self.tenant_id}: +1"


class WorkVersion(TenantScopedModel):
    """The base of a tenant's work version (`cs_platform.datacache.work_version`): the same
    mechanism as `DataVersion`, a third channel raised by the rows Account 360's journeys
    panels show besides the watched ones (tasks, action steps, journey maps and templates,
    the timeline, contacts), by memberships and by a member's rename (migration 0011). Only
    My Work keys by it (those panels by `AccountVersion` since 0012), so a ticked task does
    not make every cached page compute again."""

    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="workversion_one_per_tenant")
        ]


class WorkVersionBump(TenantScopedModel):
    """One write statement of a tenant to a table the work channel watches (as
    `DataVersionBump`; no foreign-key constraint for the same reason)."""

    tenant = tenant_foreign_key(db_constraint=False)

    def __str__(self) -> str:
        return f"{self.tenant_id}: +1"


# `AccountVersion.account_id` of the row every account's version includes: the tenant's base,
# raised by writes that change what every account's page shows (a member renamed, a template).
EVERY_ACCOUNT = 0


class AccountVersion(TenantScopedModel):
    """The base of one account's version (`cs_platform.datacache.account_version`): as
    `WorkVersion`, but per account, so a ticked task or a timeline entry of one account does
    not make every account's kept Account 360 panels compute again (migration 0012).

    An account's version is its row plus the tenant's `EVERY_ACCOUNT` row plus their bumps.
    The `EVERY_ACCOUNT` row is made (at a random number) on the first read; the triggers only
    add bumps for a tenant whose row exists. An account's own row is made by compaction.
    `account_id` is a plain number: cs_platform sits below accounts."""

    account_id = models.BigIntegerField()
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account_id"], name="accountversion_one_per_account"
            )
        ]


class AccountVersionBump(TenantScopedModel):
    """One write statement to an account's rows in a table the account channel watches (or to
    a table whose rows every account's page shows: `EVERY_ACCOUNT`); no foreign-key
    constraint, as `DataVersionBump`."""

    tenant = tenant_foreign_key(db_constraint=False)
    account_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "account_id"], name="accountversionbump_acct")]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.account_id}: +1"


class AccountScoreVersion(TenantScopedModel):
    """The base of one account's score version (`cs_platform.datacache.account_score_version`):
    as `AccountVersion`, but moved only by the account's scores (nightly and intra-day) and
    alerts, and its `EVERY_ACCOUNT` row by the tenant's latest scored day (migration 0015).
    Only the Account 360 parts that show scores key by it (beside the account's version), so
    the nightly recompute keeps every other part of the page."""

    account_id = models.BigIntegerField()
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account_id"], name="accountscoreversion_one_per_account"
            )
        ]


class AccountScoreVersionBump(TenantScopedModel):
    """One write statement to an account's scores or alerts (or one that moved the tenant's
    latest scored day: `EVERY_ACCOUNT`); no foreign-key constraint, as `DataVersionBump`."""

    tenant = tenant_foreign_key(db_constraint=False)
    account_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "account_id"], name="accountscoreversionbump_acct")
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.account_id}: +1"
