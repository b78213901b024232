"""Writes of accounts, contacts, contracts and segments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from cs_platform.models import User
from cs_platform.scoping import require_current_tenant
from cs_platform.trash.services import Actor, trash_delete

from .models import (
    ACCOUNT_FIELDS,
    CONTACT_FIELDS,
    Account,
    Contact,
    Contract,
    ContractStatus,
    SavedView,
    Segment,
)
from .phones import phone_normalise
from .segments import segment_rules_clean
from .selectors import owner_is_member

CONTRACT_FIELDS = {"external_id", "plan", "arr", "currency", "start_date", "renewal_date", "status"}


def _assign(instance: Any, data: dict[str, Any], allowed: Collection[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown field(s): {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(instance, name, value)


def _save(instance: Any) -> None:
    if instance.tenant_id is None:
        instance.tenant = require_current_tenant()
    instance.full_clean()
    instance.save()


def _check_owner(owner: User | None) -> None:
    if owner is not None and not owner_is_member(user=owner):
        raise ValidationError({"owner": _("The owner must be a member of this workspace.")})


# --- accounts ---------------------------------------------------------------------------------


@transaction.atomic
def account_create(*, name: str, external_id: str, **fields: Any) -> Account:
    account = Account()
    _assign(account, {"name": name, "external_id": external_id, **fields}, ACCOUNT_FIELDS)
    _check_owner(account.owner)
    _save(account)
    return account


@transaction.atomic
def account_update(*, account: Account, **fields: Any) -> Account:
    _assign(account, fields, ACCOUNT_FIELDS)
    if "owner" in fields:
        _check_owner(account.owner)
    _save(account)
    return account


# --- contacts ---------------------------------------------------------------------------------


@transaction.atomic
def contact_create(*, account: Account, name: str, **fields: Any) -> Contact:
    if "phone" in fields:
        fields["phone"] = phone_normalise(fields["phone"])
    contact = Contact(account=account)
    _assign(contact, {"name": name, **fields}, CONTACT_FIELDS)
    _save(contact)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, **fields: Any) -> Contact:
    if "phone" in fields:
        fields["phone"] = phone_normalise(fields["phone"])
    _assign(contact, fields, CONTACT_FIELDS)
    _save(contact)
    return contact


def contact_delete(*, contact: Contact, actor: Actor = None) -> None:
    """Into the trash: restorable for 30 days with what the delete took."""
    trash_delete(obj=contact, actor=actor)


def contact_mark_met(*, contact: Contact, met_at: dt.datetime) -> bool:
    """Record a meeting: `last_met_at` only moves forward (a re-run or an older meeting logged
    late never moves it back). Returns whether it changed."""
    if timezone.is_naive(met_at):
        raise ValueError("met_at must be timezone-aware.")
    changed = (
        Contact.objects.filter(pk=contact.pk)
        .exclude(last_met_at__gte=met_at)
        .update(last_met_at=met_at)
    )
    if changed:
        contact.last_met_at = met_at
    return bool(changed)


def contact_set_champion(*, contact_id: int, is_champion: bool = True) -> bool:
    """Mark (or unmark) the contact as a champion on the relationship map: the one flag the
    champion programme (touchmodel) sets on a contact. One UPDATE, no other field touched;
    returns whether the contact exists in the tenant in scope."""
    return bool(Contact.objects.filter(pk=contact_id).update(is_champion=is_champion))


# --- contracts --------------------------------------------------------------------------------


@transaction.atomic
def contract_create(
    *,
    account: Account,
    plan: str,
    arr: int,
    start_date: dt.date,
    renewal_date: dt.date,
    **fields: Any,
) -> Contract:
    contract = Contract(account=account, currency=require_current_tenant().currency)
    _assign(
        contract,
        {
            "plan": plan,
            "arr": arr,
            "start_date": start_date,
            "renewal_date": renewal_date,
            **fields,
        },
        CONTRACT_FIELDS | {"previous"},
    )
    _save(contract)
    return contract


def _check_contract_terms(contract: Contract) -> None:
    """Field errors in words; the database constraints would only name themselves."""
    errors: dict[str, str] = {}
    if contract.arr is not None and contract.arr < 0:
        errors["arr"] = _("ARR must not be negative.")
    if (
        contract.start_date is not None
        and contract.renewal_date is not None
        and contract.renewal_date < contract.start_date
    ):
        errors["renewal_date"] = _("The renewal date must not be before the start date.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contract_update(*, contract: Contract, **fields: Any) -> Contract:
    _assign(contract, fields, CONTRACT_FIELDS)
    _check_contract_terms(contract)
    _save(contract)
    return contract


def contract_delete(*, contract: Contract, actor: Actor = None) -> None:
    """Delete a contract entered by mistake (into the trash); its successors keep their own
    history."""
    trash_delete(obj=contract, actor=actor)


def _close(contract: Contract, status: str) -> None:
    """Close an active contract exactly once (a double submit or a re-run is refused)."""
    closed = Contract.objects.filter(pk=contract.pk, status=ContractStatus.ACTIVE).update(
        status=status
    )
    if not closed:
        raise ValidationError({"status": _("Only an active contract can be renewed or expanded.")})
    contract.status = status


@transaction.atomic
def contract_renew(
    *,
    contract: Contract,
    arr: int | None = None,
    plan: str | None = None,
    renewal_date: dt.date | None = None,
    external_id: str = "",
) -> Contract:
    """Renew for another term: the new contract starts when the old one ends and, unless told
    otherwise, runs as long as the old one did."""
    _close(contract, ContractStatus.RENEWED)
    start = contract.renewal_date
    return contract_create(
        account=contract.account,
        plan=plan or contract.plan,
        arr=contract.arr if arr is None else arr,
        start_date=start,
        renewal_date=renewal_date or start + (contract.renewal_date - contract.start_date),
        currency=contract.currency,
        external_id=external_id,
        previous=contract,
    )


@transaction.atomic
def contract_expand(
    *,
    contract: Contract,
    arr: int,
    plan: str | None = None,
    start_date: dt.date | None = None,
    external_id: str = "",
) -> Contract:
    """Upsell mid-term: a new contract at the higher ARR from `start_date` (today), co-termed
    with the old one's renewal date."""
    if arr <= contract.arr:
        raise ValidationError({"arr": _("An expansion must raise the ARR.")})
    start = start_date or timezone.localdate()
    if not contract.start_date <= start <= contract.renewal_date:
        raise ValidationError(
            {"start_date": _("The expansion must start within the current contract's term.")}
        )
    _close(contract, ContractStatus.EXPANDED)
    return contract_create(
        account=contract.account,
        plan=plan or contract.plan,
        arr=arr,
        start_date=start,
        renewal_date=contract.renewal_date,
        currency=contract.currency,
        external_id=external_id,
        previous=contract,
    )


# --- segments ---------------------------------------------------------------------------------


@transaction.atomic
def segment_create(
    *,
    name: str,
    rules: dict[str, Any] | None = None,
    description: str = "",
    created_by: User | None = None,
) -> Segment:
    segment = Segment(
        name=name,
        description=description,
        rules=segment_rules_clean(rules or {}),
        created_by=created_by,
    )
    _save(segment)
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, **fields: Any) -> Segment:
    _assign(segment, fields, {"name", "description", "rules"})
    if "rules" in fields:
        segment.rules = segment_rules_clean(fields["rules"])
    _save(segment)
    return segment


def segment_delete(*, segment: Segment, actor: Actor = None) -> None:
    trash_delete(obj=segment, actor=actor)


# --- saved views of the account list -----------------------------------------------------------

# Query parameters a saved view keeps (the list's filters, search and sort; never the page).
_VIEW_DROPPED = {"page", "after", "before", "csrfmiddlewaretoken"}


def _view_query(query: str) -> str:

    params = QueryDict(query, mutable=True)
    for key in _VIEW_DROPPED:
        params.pop(key, None)
    return params.urlencode()[:2000]


@transaction.atomic
def saved_view_save(*, owner: User, name: str, query: str, shared: bool = False) -> SavedView:
    """Save (or overwrite, by name) one of `owner`'s views; `shared` offers it to the team
    (the page lets CS managers set it)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the view.")})
    view, _created = SavedView.objects.update_or_create(
        owner=owner, name=name[:100], defaults={"query": _view_query(query), "shared": shared}
    )
    return view


def saved_view_set_shared(*, view: SavedView, shared: bool) -> SavedView:
    view.shared = shared
    view.save(update_fields=["shared"])
    return view


def saved_view_delete(*, view: SavedView, actor: User) -> None:
    """Saved views are shortcuts, deleted for good (the accounts they show are untouched)."""
    view.delete()


# --- bulk changes from the account list ---------------------------------------------------------


def account_bulk_assign_owner(*, accounts: Any, owner: User | None) -> int:
    """One UPDATE: the accounts of `accounts` (a queryset) now belong to `owner`."""
    if owner is not None and not owner_is_member(user=owner):
        raise ValidationError({"owner": _("The owner must be a member of this workspace.")})
    return Account.objects.filter(pk__in=accounts.values("pk")).update(owner=owner)


@transaction.atomic
def segment_include_accounts(*, segment: Segment, accounts: Any) -> int:
    """Add accounts to a segment by hand: they belong to it whatever its rules say (the
    `include_ids` rule). Returns how many were not included yet."""
    rules = dict(segment.rules or {})
    included = set(rules.get("include_ids") or [])
    new_ids = set(accounts.values_list("pk", flat=True).order_by()) - included
    if new_ids:
        rules["include_ids"] = sorted(included | new_ids)
        segment.rules = segment_rules_clean(rules)
        segment.save(update_fields=["rules", "updated_at"])
    return len(new_ids)
