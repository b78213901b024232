"""The API keeps its contract under fuzzing, and every value it accepted can still be shown.

schemathesis (all checks, seeded, bounded) runs against a live server over every operation of
/api/schema/ as each kind of client at once: admin, CS manager and CSM sessions, write, read
and ingest keys. Then every staff and public page of the fuzzed tenant is crawled: none may
answer 500. See tests/cs_platform/fuzzing.py for the knobs (seed, examples, time budget) and
docs/api-contract.md for the rules. A failure prints, per client, schemathesis' report: the
operation, the check that failed, and a `curl` line that reproduces it.
"""

from __future__ import annotations

import json
import resource
import time

import pytest
from django.test import Client

from cs_platform.models import User
from tests.cs_platform import fuzzing
from tests.factories import TenantFactory

pytestmark = pytest.mark.slow


def _report(result: fuzzing.FuzzResult) -> str:
    """From schemathesis' FAILURES section on: each failing operation, its check and curl."""
    output = result.output.strip()
    failures = output.find("=== FAILURES ===")
    lines = output[output.rfind("\n", 0, failures) + 1 :] if failures >= 0 else output
    return f"--- {result.summary()}\n" + "\n".join(lines.splitlines()[-400:])


def _cpu_seconds() -> tuple[float, float]:
    """CPU time of this process (the live server) and of its finished children (schemathesis)."""
    me, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def test_the_api_keeps_its_contract_under_fuzzing_and_every_page_still_answers(
    live_server, tmp_path, request, capsys
):
    started = time.monotonic()
    tenant = TenantFactory(slug="fuzzed", name="ファズ株式会社")
    seeded = fuzzing.seed_tenant(tenant)
    clients = fuzzing.fuzz_clients(tenant)

    admin = Client(raise_request_exception=False)
    admin.force_login(User.objects.get(email=f"fuzz-admin@{tenant.slug}.example"))
    schema = admin.get("/api/schema/?format=json", HTTP_X_TENANT=tenant.slug)
    assert schema.status_code == 200
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(schema.json()))
    operations = sum(len(methods) for methods in schema.json()["paths"].values())

    cpu_before = _cpu_seconds()
    results = fuzzing.run_schemathesis(
        schema_path=schema_path,
        base_url=live_server.url,
        clients=clients,
        work_dir=tmp_path,
        timeout=fuzzing.BUDGET_SECONDS - (time.monotonic() - started),
    )
    server_cpu, fuzzer_cpu = (a - b for a, b in zip(_cpu_seconds(), cpu_before, strict=True))
    fuzz_seconds = time.monotonic() - started

    crawl_started = time.monotonic()
    result = fuzzing.crawl(tenant=tenant, clients=[admin, Client(raise_request_exception=False)])
    crawl_seconds = time.monotonic() - crawl_started

    # Written to the terminal (not captured) so every run shows what it cost and covered.
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    with capsys.disabled():
        terminal.write_line(
            f"\nfuzz: seed {fuzzing.SEED or 'deterministic'}, {operations} operations, "
            f"{seeded} seeded rows, "
            f"{len(clients)} clients ({', '.join(f'{c.name} ×{c.examples}' for c in clients)}) "
            f"in {fuzz_seconds:.0f}s (CPU: server {server_cpu:.0f}s, schemathesis "
            f"{fuzzer_cpu:.0f}s); crawl: "
            f"{len(result.visited)} pages, {len(result.routes_seen)}/"
            f"{len(fuzzing.page_routes())} routes in {crawl_seconds:.0f}s"
        )
        for fuzz_result in results:
            terminal.write_line(f"  {fuzz_result.summary()}")

    failed = [r for r in results if r.returncode != 0]
    assert not failed, "\n\n".join(_report(r) for r in failed)
    if not fuzzing.INCLUDE:  # every operation, for every client
        assert {r.client: r.tested for r in results} == {c.name: operations for c in clients}
    assert result.errors == {}, f"pages answering ≥ 500 after fuzzing: {result.errors}"
