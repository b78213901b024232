"""What Account 360's own part reads on a first view (the account with its owner, its
contacts and contracts), in one call of `junkan_account_page` (accounts migration 0024,
planned once per connection), read once per page view (issue #16)."""

from __future__ import annotations

from dataclasses import dataclass

from cs_platform.leanread import lean_call, lean_json_model, lean_json_model_or_none
from cs_platform.models import User
from cs_platform.requestmemo import request_memoized

from ..models import Account, Contact, Contract
from .contacts import contacts_of_read


@dataclass(frozen=True)
class AccountPage:
    """The account with its owner (the fields it is shown by, `USER_SHOWN`), its contacts
    in `contacts_of` order and its contracts oldest first, each with the one it renewed or
    expanded (`contract_history_of`)."""

    account: Account
    contacts: list[Contact]
    contracts: list[Contract]


def account_page_read(*, pk: int) -> AccountPage | None:
    """The account's page reads (None: no such account in the tenant), read once per page
    view; its contacts are left for `contacts_of` of the same page view."""
    return request_memoized(("accounts.account_page", pk), lambda: _read(pk))


def _read(pk: int) -> AccountPage | None:
    row = lean_call("SELECT * FROM junkan_account_page(%(tenant)s, %(pk)s)", {"pk": pk})
    shown = row["r_account"]
    if shown is None:
        return None
    account = lean_json_model(Account, shown)
    account.owner = lean_json_model(User, shown, "owner__") if account.owner_id else None
    contacts = [lean_json_model(Contact, c) for c in row["r_contacts"] or ()]
    contacts_of_read(pk, contacts)
    contracts = []
    for pair in row["r_contracts"] or ():
        contract = lean_json_model(Contract, pair["c"])
        contract.previous = lean_json_model_or_none(Contract, pair["p"])
        contracts.append(contract)
    return AccountPage(account=account, contacts=contacts, contracts=contracts)
