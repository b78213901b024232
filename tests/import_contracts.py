"""An import-linter contract type of Junkan's (pyproject.toml `contract_types`): an app's public
parts. Loaded by `lint-imports` (it puts the repository root on sys.path).

`public_parts`: a module of one app may import from another of the listed `apps` only that
app's public parts: the first-level submodules named in `public` (e.g. `accounts.selectors`,
`accounts.services.contacts`). Everything else of an app is its own. Importers under
`exempt_importers` (the demo seeding) are not checked; `ignore_imports` lists the remaining
exceptions one by one as "importer -> imported".
"""

from __future__ import annotations

from typing import Any

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class PublicPartsContract(Contract):
    type_name = "public_parts"

    apps = fields.ListField(subfield=fields.StringField())
    public = fields.ListField(subfield=fields.StringField())
    exempt_importers = fields.ListField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        apps = set(self.apps)  # type: ignore[call-overload]
        public = set(self.public)  # type: ignore[call-overload]
        exempt = set(self.exempt_importers or [])  # type: ignore[call-overload]
        ignored = {
            tuple(part.strip() for part in line.split("->"))
            for line in (self.ignore_imports or [])  # type: ignore[attr-defined]
        }
        illegal: list[dict[str, Any]] = []
        used: set[tuple[str, ...]] = set()
        for importer in sorted(graph.modules):
            importer_app = importer.split(".")[0]
            if importer_app in exempt:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                parts = imported.split(".")
                if parts[0] not in apps or parts[0] == importer_app:
                    continue
                if len(parts) > 1 and parts[1] in public:
                    continue
                if (importer, imported) in ignored:
                    used.add((importer, imported))
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                illegal.append(
                    {
                        "importer": importer,
                        "imported": imported,
                        "lines": [d["line_number"] for d in details],
                    }
                )
        warnings = [
            f"No longer needed, remove it: ignore_imports {a} -> {b}"
            for a, b in sorted(ignored - used)
        ]
        return ContractCheck(
            kept=not illegal and not warnings,
            metadata={"illegal": illegal},
            warnings=warnings,
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["illegal"]:
            lines = ", ".join(map(str, item["lines"]))
            output.print_error(
                f"- {item['importer']} -> {item['imported']} (l.{lines}): import the app's "
                f"{' / '.join(self.public)} instead",  # type: ignore[call-overload]
                bold=False,
            )
        for warning in check.warnings:
            output.print_error(f"- {warning}", bold=False)
