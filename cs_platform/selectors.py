"""Reads of the core. Memberships and API keys are looked up across tenants on purpose."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models import QuerySet
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .datacache import page_cached, work_version
from .leanread import lean_columns, lean_json_models, lean_model, lean_rows
from .models import ApiKey, Membership, Tenant, User
from .requestmemo import request_memoized
from .scoping import CurrentTenantId, require_current_tenant
from .tasks import HEARTBEAT_CACHE_KEY


def hash_api_key(raw_key: str) -> str:
    # A high-entropy random key needs no slow password hash: SHA-256 is enough and costs
    # microseconds per request.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def memberships_of(*, user: User) -> list[Membership]:
    """The user's memberships with their workspaces, as `membership_list_for_user`: those read
    with the signed-in user (`user_get_signed_in`) when there, else from the database."""
    read = getattr(user, "membership_list", None)
    return list(read) if read is not None else list(membership_list_for_user(user=user))


@functools.cache
def _select_list(model: type[models.Model], row: str) -> tuple[tuple[models.Field, ...], str]:
    """`model`'s concrete fields, and their columns of the composite column `row`."""
    fields = tuple(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    return fields, ", ".join(f"({row}).{quote(f.column)}" for f in fields)


@functools.cache
def _converters(model: type[models.Model]) -> tuple[tuple[Any, ...], ...]:
    """Each concrete field's database converters, as `_select_list` orders the fields (the
    same for every row: looked up once per process)."""
    return tuple(
        tuple(field.get_db_converters(connection)) for field in model._meta.concrete_fields
    )


def _from_row(model: type[Any], fields: tuple[models.Field, ...], values: tuple) -> Any:
    converted = []
    for field, converters, value in zip(fields, _converters(model), values, strict=True):
        for converter in converters:
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], converted)


# The two-factor devices `junkan_signed_in_user` returns, in its columns' order (0016).
DEVICE_MODELS = (TOTPDevice, StaticDevice)


def _devices(columns: tuple[Any, ...]) -> dict[str, Any]:
    """The user's devices (each column a JSON list of one model's rows) by persistent id."""
    devices = {}
    for model, value in zip(DEVICE_MODELS, columns, strict=True):
        # Django's psycopg2 setup hands jsonb over as text.
        rows = json.loads(value) if isinstance(value, str) else value
        for device in lean_json_models(model, rows or ()):
            devices[device.persistent_id] = device
    return devices


def user_get_signed_in(*, user_id: Any) -> User | None:
    """The user `user_id` (as a session holds it) with their memberships and each one's
    workspace on `user.membership_list` (ordered as `membership_list_for_user`), in one
    statement: every signed-in page view starts with this read (#16), so it is written once,
    by hand, instead of two ORM queries, as a function whose plan PostgreSQL keeps per
    connection (`junkan_signed_in_user`, migration 0014: rows of the three tables). The user's
    two-factor devices come with it (0016), on `user.otp_devices_read` by persistent id, for
    the session's device (`cs_platform.signin.middleware.OTPMiddleware`). None if there is no
    such user."""
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    if not -(2**63) <= pk < 2**63:  # no such id: a bigint parameter would refuse it
        return None
    user_fields, user_columns = _select_list(User, "r.u")
    membership_fields, membership_columns = _select_list(Membership, "r.m")
    tenant_fields, tenant_columns = _select_list(Tenant, "r.t")
    sql = (
        f"SELECT {user_columns}, {membership_columns}, {tenant_columns}, r.totp, r.static"
        " FROM junkan_signed_in_user(%s) r"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        rows = cursor.fetchall()
    if not rows:
        return None
    users, members = len(user_fields), len(membership_fields)
    user = _from_row(User, user_fields, rows[0][:users])
    user.otp_devices_read = _devices(rows[0][-len(DEVICE_MODELS) :])  # type: ignore[attr-defined]
    user.membership_list = []  # type: ignore[attr-defined]
    for row in rows:
        if row[users] is None:  # no membership: the LEFT JOIN's one empty row
            continue
        membership = _from_row(Membership, membership_fields, row[users : users + members])
        membership.tenant = _from_row(
            Tenant, tenant_fields, row[users + members : -len(DEVICE_MODELS)]
        )
        membership.user = user
        user.membership_list.append(membership)  # type: ignore[attr-defined]
    return user


def membership_get(*, user: User, tenant: Tenant) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, tenant=tenant).first()


def member_emails_by_language(*, tenant: Tenant, role: str) -> dict[str, list[str]]:
    """E-mail addresses of the tenant's active members of exactly `role` (e.g. the admins),
    grouped by the language each reads (their setting, else the tenant's):
    {language: [e-mail, …]}, for mail worded once per language."""
    grouped: dict[str, list[str]] = {}
    rows = (
        Membership.objects.filter(tenant=tenant, role=role, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", "user__language")
    )
    for email, language in rows:
        grouped.setdefault(language or tenant.default_language, []).append(email)
    return grouped


def staff_member_list(
    *, roles: Iterable[str] | None = None, active_only: bool = False
) -> QuerySet[User]:
    """The people who work in the tenant in scope (its members), by name; only those of
    `roles` if given, only active users if `active_only`.

    The tenant is read when the query runs, not when it is built, so a form field or a
    serializer may hold this queryset from import time on.
    """
    # One filter(): the tenant and the role must hold for the same membership row.
    membership: dict[str, Any] = {"memberships__tenant_id": CurrentTenantId()}
    if roles is not None:
        membership["memberships__role__in"] = list(roles)
    users = User.objects.filter(**membership)
    if active_only:
        users = users.filter(is_active=True)
    return users.order_by("full_name", "email")


def staff_member_choices() -> list[tuple[int, str]]:
    """(id, name) of `staff_member_list()`, read once per page view (`requestmemo`) and kept
    for page views under the data and work versions: memberships and a member's new name or
    e-mail raise the work version (migration 0011)."""
    return request_memoized(
        ("cs_platform.staff_member_choices", require_current_tenant().pk),
        lambda: page_cached(
            "cs_platform.staff_member_choices", _staff_member_choices, key=str(work_version())
        ),
    )


def _staff_member_choices() -> list[tuple[int, str]]:
    # As SQL (cs_platform.leanread): Account 360's task form reads it on every view.
    rows = lean_rows(
        "SELECT u.id, u.full_name, u.email FROM cs_platform_user u"
        " JOIN cs_platform_membership m ON m.user_id = u.id AND m.tenant_id = %(tenant)s"
        " ORDER BY u.full_name, u.email"
    )
    return [(row["id"], row["full_name"] or row["email"]) for row in rows]


def user_list(*, ids: Iterable[int]) -> QuerySet[User]:
    """Users by id (the staff named on other rows: owners, assignees, organisers)."""
    return User.objects.filter(pk__in=list(ids)).order_by("pk")


def tenant_get(*, pk: int) -> Tenant | None:
    return Tenant.objects.filter(pk=pk).first()


def tenant_list() -> QuerySet[Tenant]:
    """Every tenant (beat entries fan work out per tenant)."""
    return Tenant.objects.order_by("pk")


def tenant_get_by_slug(*, slug: str) -> Tenant | None:
    """The workspace at `slug`, or None: every view of the public site starts with this read
    (TenantMiddleware), so it is written by hand (#16: building the ORM's query was about 6%
    of a Learn & Support page's CPU)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {lean_columns(Tenant, 't')} FROM {Tenant._meta.db_table} t WHERE t.slug = %s",
            [slug],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        names = [column.name for column in cursor.description]
    return lean_model(Tenant, dict(zip(names, row, strict=True)))


def api_key_get_active(*, raw_key: str) -> ApiKey | None:
    return (
        ApiKey.objects.select_related("tenant")
        .filter(hashed_key=hash_api_key(raw_key), revoked_at__isnull=True)
        .first()
    )


def api_key_list(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant).select_related("created_by")


@dataclass(frozen=True)
class WorkerStatus:
    """Whether a Celery worker ran the beat's heartbeat task recently (`last` None: never)."""

    last: dt.datetime | None
    alive: bool

    @property
    def minutes_ago(self) -> int | None:
        if self.last is None:
            return None
        return max(0, int((timezone.now() - self.last).total_seconds() // 60))


def worker_status() -> WorkerStatus:
    """The last worker heartbeat (`cs_platform.heartbeat`, every minute) and whether it is
    fresh. NOTE: a stamp in the future counts as fresh (a worker's clock ahead of ours)."""

    raw = cache.get(HEARTBEAT_CACHE_KEY)
    try:
        last = dt.datetime.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        last = None
    if last is None or last.tzinfo is None:
        return WorkerStatus(last=None, alive=False)
    age = (timezone.now() - last).total_seconds()
    return WorkerStatus(last=last, alive=age <= settings.WORKER_HEARTBEAT_STALE_SECONDS)
