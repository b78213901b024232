"""Phases: per-tenant defaults and moving an account from one phase to the next."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from cs_platform.models import User
from cs_platform.scoping import require_current_tenant
from cs_platform.writes import model_create, model_update

from ..models import AccountPhase, ActivityKind, Phase, PhaseTransition
from . import webhook_events
from .activities import activity_record

# Wantedly's four phases (seed 000): (key, ja, en).
DEFAULT_PHASES: list[tuple[str, str, str]] = [
    ("contract", "契約", "Contract"),
    ("onboarding", "導入", "Onboarding"),
    ("adoption", "活用", "Adoption"),
    ("renewal", "継続", "Renewal"),
]


def phases_seed_defaults() -> list[Phase]:
    """Create the default phases of the tenant in scope if it has none (idempotent)."""
    tenant = require_current_tenant()
    if not Phase.objects.exists():
        Phase.objects.bulk_create(
            [
                Phase(tenant=tenant, key=key, name_ja=ja, name_en=en, order=(i + 1) * 10)
                for i, (key, ja, en) in enumerate(DEFAULT_PHASES)
            ],
            ignore_conflicts=True,
        )
    return list(Phase.objects.order_by("order", "pk"))


def _first_phase() -> Phase:
    phase = Phase.objects.order_by("order", "pk").first()
    return phase if phase is not None else phases_seed_defaults()[0]


@transaction.atomic
def phase_transition(
    *,
    account: Account,
    to_phase: Phase,
    actor: User | None,
    reason: str = "",
    occurred_at: dt.datetime | None = None,
) -> PhaseTransition:
    """Move `account` to `to_phase`: the current phase row, the transition, a timeline entry."""
    if to_phase.tenant_id != account.tenant_id:
        raise ValidationError({"to_phase": _("Refers to an object of another tenant.")})
    when = occurred_at or timezone.now()
    current = AccountPhase.objects.select_for_update().filter(account=account).first()
    from_phase = current.phase if current is not None else _first_phase()
    if from_phase.pk == to_phase.pk:
        raise ValidationError({"to_phase": _("The account is already in this phase.")})
    if current is None:
        AccountPhase.objects.create(account=account, phase=to_phase, entered_at=when)
    else:
        current.phase = to_phase
        current.entered_at = when
        current.save(update_fields=["phase", "entered_at"])
    transition = PhaseTransition.objects.create(
        account=account,
        from_phase=from_phase,
        to_phase=to_phase,
        actor=actor,
        reason=reason,
        occurred_at=when,
    )
    activity_record(
        account=account,
        kind=ActivityKind.PHASE_CHANGE,
        title=f"{from_phase.name} → {to_phase.name}",
        body=reason,
        actor=actor,
        occurred_at=when,
        data={"from_phase": from_phase.pk, "to_phase": to_phase.pk, "transition": transition.pk},
        source_key=f"phase_transition:{transition.pk}",
    )
    webhook_events.phase_changed(transition=transition)
    return transition


def phase_create(*, data: dict[str, Any]) -> Phase:
    """A new phase of the journey (configuration: key, names, order)."""
    return model_create(model=Phase, data=data)


def phase_update(*, phase: Phase, data: dict[str, Any]) -> Phase:
    """Rename or reorder a phase."""
    return model_update(instance=phase, data=data)
