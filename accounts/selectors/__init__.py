"""Reads of accounts, contacts, contracts and segments. Set-based: one query per question.

Other apps import from here (`from accounts.selectors import …`), not from the modules.
"""

from .accounts import (
    ACCOUNT_ORDERINGS,
    MIN_SIMILARITY_QUERY,
    ILikeContains,
    account_active_ids,
    account_filter,
    account_get,
    account_get_by_external_id,
    account_industries,
    account_list_annotated,
    account_search,
    account_webhook_refs,
    owner_candidates,
    owner_is_member,
)
from .contacts import (
    AccountCoverage,
    LevelCoverage,
    contact_executive_rows_since,
    contact_get_by_external_id,
    contact_list,
    relationship_coverage,
)
from .contracts import (
    OUTCOME_CHURNED,
    OUTCOME_DOWNSOLD,
    OUTCOME_EXPANDED,
    OUTCOME_RENEWED,
    ArrMovements,
    arr_movements,
    contract_history,
    contract_history_rows,
    contract_outcome_rows,
    contract_renewing_rows,
    contract_term_rows,
)
from .segments import import_job_list, segment_accounts, segment_list

__all__ = [
    "ACCOUNT_ORDERINGS",
    "MIN_SIMILARITY_QUERY",
    "OUTCOME_CHURNED",
    "OUTCOME_DOWNSOLD",
    "OUTCOME_EXPANDED",
    "OUTCOME_RENEWED",
    "AccountCoverage",
    "ArrMovements",
    "ILikeContains",
    "LevelCoverage",
    "account_active_ids",
    "account_filter",
    "account_get",
    "account_get_by_external_id",
    "account_industries",
    "account_list_annotated",
    "account_search",
    "account_webhook_refs",
    "arr_movements",
    "contact_executive_rows_since",
    "contact_get_by_external_id",
    "contact_list",
    "contract_history",
    "contract_history_rows",
    "contract_outcome_rows",
    "contract_renewing_rows",
    "contract_term_rows",
    "import_job_list",
    "owner_candidates",
    "owner_is_member",
    "relationship_coverage",
    "segment_accounts",
    "segment_list",
]
