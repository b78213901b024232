"""Customer companies (accounts), their people (contacts), contracts and saved segments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cs_platform.scoping import TenantScopedModel, tenant_foreign_key

from .phones import MAX_LENGTH as MAX_PHONE_LENGTH
from .phones import validate_phone


class MarketSegment(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    MID_MARKET = "mid_market", _("Mid-market")
    SMB = "smb", _("SMB")


class LifecycleStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CHURNED = "churned", _("Churned")


class BusinessPotential(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class MaturityStage(models.IntegerChoices):
    """Interview-based maturity curve (Marketo's health check sheet)."""

    NOT_STARTED = 0, _("Not started")
    GOALS_SET = 1, _("Goals set")
    PROCESSES_CONNECTED = 2, _("Processes connected")
    TOOLS_CONNECTED = 3, _("Tools connected")
    OPTIMISING = 4, _("Optimising")


# What a person may write on an account (form, API, service), in the order forms show it;
# written once here.
ACCOUNT_FIELDS = (
    "name",
    "external_id",
    "owner",
    "domain",
    "industry",
    "employee_count",
    "market_segment",
    "licensed_seats",
    "lifecycle_status",
    "business_potential",
    "potential_arr",
    "maturity_stage",
)


# The list keys' keyset orders, ascending and descending (issue #16).
LIST_KEY_INDEXES = [
    # Phase and tier are read group by group in (name, id) order both ways (`KeysetGroups`):
    # one index each.
    ("list_phase_id", "phase"),
    ("list_health_rank", "health"),
    ("-list_health_rank", "health_desc"),
    ("list_tier", "tier"),  # grouped too: touchmodel 0016
]


class Account(TenantScopedModel):
    name = models.CharField(_("name"), max_length=200)
    external_id = models.CharField(
        _("external id"), max_length=100, help_text=_("The id your own product uses.")
    )
    domain = models.CharField(_("domain"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    market_segment = models.CharField(
        _("market segment"), max_length=16, choices=MarketSegment.choices, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner CSM"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    licensed_seats = models.PositiveIntegerField(_("licensed seats"), default=0)
    lifecycle_status = models.CharField(
        _("lifecycle status"),
        max_length=16,
        choices=LifecycleStatus.choices,
        default=LifecycleStatus.ACTIVE,
    )
    business_potential = models.CharField(
        _("business potential"),
        max_length=8,
        choices=BusinessPotential.choices,
        default=BusinessPotential.MEDIUM,
    )
    potential_arr = models.BigIntegerField(
        _("potential ARR (minor units)"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("How far the contract can grow, in the tenant's currency's minor units."),
    )
    maturity_stage = models.PositiveSmallIntegerField(
        _("maturity stage"), choices=MaturityStage.choices, default=MaturityStage.NOT_STARTED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The sum of the active contracts' ARR and their first renewal date, kept exact by the
    # database (migration 0009: a statement trigger on the contracts writes them; any other
    # write to them is undone), so the account list sorts and filters on indexed columns.
    current_arr = models.BigIntegerField(_("ARR (minor units)"), db_default=0, editable=False)
    next_renewal_date = models.DateField(_("next renewal"), null=True, blank=True, editable=False)
    # The sort keys of the account list's columns that the apps above accounts own, kept exact
    # by their triggers (the same way as the two above: accounts 0012 undoes any other write,
    # and the owning app's migration writes them): journeys the current phase's id (0
    # without a phase row, which means the first phase; the phases' order is read from the
    # phases, so reordering them writes no account: accounts 0014), healthscore the latest
    # score's band as a rank (1 red, 2 amber, 3 green; NULL never scored), touchmodel the
    # touch tier ('' where no rule or override placed the account: the tenant's default, read
    # from the settings, so changing it writes no account: touchmodel 0016). A sort
    # by phase, band or tier reads an index in its keyset order, not a value per account.
    list_phase_id = models.BigIntegerField(
        _("current phase"), null=True, db_default=0, editable=False
    )
    list_health_rank = models.SmallIntegerField(_("health rank"), null=True, editable=False)
    list_tier = models.CharField(_("touch tier"), max_length=8, db_default="", editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"], name="account_unique_external_id"
            ),
            models.CheckConstraint(
                condition=models.Q(potential_arr__gte=0), name="account_potential_arr_nonneg"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "name"], name="account_tenant_name_idx"),
            # An owner's accounts by name (My Work's first rows, the list filtered by owner).
            models.Index(fields=["tenant", "owner", "name", "id"], name="account_owner_name_idx"),
            # The account list's keyset orders (selectors.ACCOUNT_ORDERINGS), both directions:
            # a page reads its own rows from the index, also with a renewal window.
            models.Index(fields=["tenant", "current_arr", "name", "id"], name="account_arr_idx"),
            models.Index(
                fields=["tenant", "-current_arr", "name", "id"], name="account_arr_desc_idx"
            ),
            models.Index(
                fields=["tenant", "next_renewal_date", "name", "id"], name="account_renewal_idx"
            ),
            models.Index(
                fields=["tenant", "-next_renewal_date", "name", "id"],
                name="account_renewal_desc_idx",
            ),
            # The list filtered by market segment (one of three) and sorted by ARR, the team's
            # usual view: read from the index in order, not found among all accounts by ARR.
            models.Index(
                fields=["tenant", "market_segment", "current_arr", "name", "id"],
                name="account_segment_arr_idx",
            ),
            models.Index(
                fields=["tenant", "market_segment", "-current_arr", "name", "id"],
                name="account_segment_arr_desc_idx",
            ),
            *(
                models.Index(fields=["tenant", key, "name", "id"], name=f"account_{short}_idx")
                for key, short in LIST_KEY_INDEXES
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AccountNameGram(TenantScopedModel):
    """One n-gram of an account's name: the search index that works under row-level security.

    PostgreSQL will not use the trigram GIN index for `name ILIKE …` or `name % …` as the app
    role: those operators are not leakproof, so they may not run before the tenant policy, and
    every account of the tenant was read (issue #16). Here the candidates come from `=` and
    range lookups on a bigint (leakproof), then the real operators recheck those few rows.

    Kept exact by triggers on the accounts (migration 0011), whoever writes: an insert adds
    the grams of each new name, a rename replaces them, a delete removes them (by their exact
    keys: the grams are a function of the name). `gram` holds, per account, the distinct
    - padded trigrams of `lower(name)`, each code point in 21 bits (`accounts_padded_trigrams`):
      every character starts one, so 1- and 2-character queries are a range over their prefix;
    - trigrams as pg_trgm sees the name (`show_trgm`), as negative numbers
      (`accounts_trgm_grams`): what `name % q` and its similarity count.
    Foreign keys are not database constraints (the triggers keep them), so that writes do
    not check every gram against its account and tenant.
    """

    tenant = tenant_foreign_key(db_index=False, db_constraint=False)
    account = models.ForeignKey(
        Account,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    gram = models.BigIntegerField()
    # How many trigrams pg_trgm finds in the name, on its pg_trgm grams (0 on the padded
    # trigrams: migration 0019): with it, the grams in common with a search text tell its
    # similarity exactly, and the index reads only the names whose count can be similar.
    name_trigrams = models.PositiveSmallIntegerField()
    # The account's name (the same on each row of an account): the search orders its matches
    # by it and checks `ILIKE` on it without reading the accounts (migration 0019).
    name = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("account name gram")
        verbose_name_plural = _("account name grams")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "gram", "name_trigrams", "name", "account"],
                name="account_name_gram_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.gram}"


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RENEWED = "renewed", _("Renewed")
    EXPANDED = "expanded", _("Expanded")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class Contract(TenantScopedModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contracts")
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    plan = models.CharField(_("plan"), max_length=100)
    arr = models.BigIntegerField(
        _("ARR (minor units)"),
        help_text=_("Annual recurring revenue in minor units (yen: yen)."),
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, default="JPY")
    start_date = models.DateField(_("start date"))
    renewal_date = models.DateField(_("renewal date"))
    status = models.CharField(
        _("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="successors",
        verbose_name=_("renews or expands"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The account's owner, copied here and kept exact by the database (accounts 0018): set
    # from the account on every insert and on any write to it or to `account`, and rewritten
    # when the account's owner changes. My Work's renewals read an owner's renewing
    # contracts from `contract_owner_renewal_idx` in date order, not the tenant's window.
    account_owner_id = models.BigIntegerField(_("account owner"), null=True, editable=False)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~models.Q(external_id=""),
                name="contract_unique_external_id",
            ),
            models.CheckConstraint(condition=models.Q(arr__gte=0), name="contract_arr_nonneg"),
            models.CheckConstraint(
                condition=models.Q(renewal_date__gte=models.F("start_date")),
                name="contract_renewal_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "renewal_date"], name="contract_renewal_idx"),
            models.Index(fields=["tenant", "account", "status"], name="contract_account_idx"),
            models.Index(
                fields=["tenant", "account_owner_id", "renewal_date", "id"],
                name="contract_owner_renewal_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.plan}"


class RelationshipLevel(models.TextChoices):
    FIELD = "field", _("Field user")
    MANAGER = "manager", _("Manager")
    EXECUTIVE = "executive", _("Executive")


# The UI languages (settings.LANGUAGES) as choices, so forms, the API and the CSV import accept
# exactly the languages the platform can write in.
ContactLanguage = models.TextChoices(  # type: ignore[call-overload]  # stubs lack labels here
    "ContactLanguage", [(code.upper(), (code, label)) for code, label in settings.LANGUAGES]
)


# What a person may write on a contact (form, API, service), in the order forms show it; written
# once here. `last_met_at` also moves with logged meetings (`contact_mark_met`).
CONTACT_FIELDS = (
    "name",
    "email",
    "title",
    "phone",
    "external_id",
    "relationship_level",
    "is_decision_maker",
    "is_champion",
    "language",
    "last_met_at",
)


class Contact(TenantScopedModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    phone = models.CharField(
        _("phone"), max_length=MAX_PHONE_LENGTH, blank=True, validators=[validate_phone]
    )
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    relationship_level = models.CharField(
        _("relationship level"),
        max_length=16,
        choices=RelationshipLevel.choices,
        default=RelationshipLevel.FIELD,
    )
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    is_champion = models.BooleanField(_("champion"), default=False)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=ContactLanguage.choices,
        blank=True,
        help_text=_("The language of e-mails to this contact; blank uses the workspace's."),
    )
    last_met_at = models.DateTimeField(_("last met"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~models.Q(external_id=""),
                name="contact_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "account", "relationship_level"], name="contact_level_idx"
            ),
            models.Index(fields=["tenant", "email"], name="contact_email_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Segment(TenantScopedModel):
    """A saved, rule-based filter over accounts that the rest of the platform can target.

    `rules` is a JSON object; see `accounts.segments` for the keys it understands.
    """

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="segment_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SavedView(TenantScopedModel):
    """A named account-list view: its query string (filters, search, sort). Its owner sees it;
    a shared view (set by a CS manager) is offered to the whole team."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("owner"),
    )
    query = models.CharField(_("query"), max_length=2000, blank=True)
    shared = models.BooleanField(_("shared with the team"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "owner", "name"], name="savedview_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")
    CONTRACTS = "contracts", _("Contracts")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


def import_upload_to(instance: ImportJob, filename: str) -> str:
    return f"imports/{instance.tenant.slug}/{filename}"


class ImportJob(TenantScopedModel):
    """One CSV import (dry run or real), run by the `accounts.import_csv` task."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Lease of the run (cs_platform/leases.py): `attempts` is the fencing token; `stalls`
    # counts workers that died holding it (the beat sweep started the import again).
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    stalls = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["tenant", "-created_at"], name="importjob_recent_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name or self.file.name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def progress_percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))
