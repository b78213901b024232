"""The role each accounts action needs: one map for pages and API (cs_platform.permissions)."""

from cs_platform.models import Role

ROLES: dict[str, str] = {
    "account.view": Role.VIEWER,
    "account.create": Role.CSM,
    "account.change": Role.CSM,
    # Deleting a company (or a contract, or a person) takes its history with it.
    "account.delete": Role.CS_MANAGER,
    "account.export": Role.CSM,
    "contact.view": Role.VIEWER,
    "contact.create": Role.CSM,
    "contact.change": Role.CSM,
    "contact.delete": Role.CS_MANAGER,
    "contract.view": Role.VIEWER,
    "contract.create": Role.CSM,
    "contract.change": Role.CSM,
    "contract.delete": Role.CS_MANAGER,
    "contract.renew": Role.CSM,
    "contract.expand": Role.CSM,
    # Saved views of the account list: everyone keeps their own; a CS manager shares one with
    # the team (and may delete a shared one).
    "saved_view.create": Role.VIEWER,
    "saved_view.delete": Role.VIEWER,
    "saved_view.share": Role.CS_MANAGER,
    "segment.view": Role.VIEWER,
    "segment.create": Role.CSM,
    "segment.change": Role.CSM,
    "segment.delete": Role.CSM,
    # An import job lists the rows it refused, with the people's data in them.
    "import_job.view": Role.CSM,
    "import_job.create": Role.CSM,
}
