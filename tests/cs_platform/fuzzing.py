"""The contract fuzzing harness: schemathesis against a live server, then a crawl of every page.

Used by tests/cs_platform/test_fuzz.py (so `make test` runs it). Nothing here lists endpoints:
the operations come from /api/schema/ and the pages from the URLconf, so what other apps add
is covered by itself.

Knobs (environment): JUNKAN_FUZZ_SEED (unset: the same deterministic cases every run; set:
seeded random cases), JUNKAN_FUZZ_EXAMPLES (test cases per operation for the admin session;
the other clients get half, at least 1; default 1: every operation, for every client),
JUNKAN_FUZZ_BUDGET (seconds the whole run may take before the test fails; default 1500, a guard
well above what a quiet machine takes), JUNKAN_FUZZ_INCLUDE (a path regex: fuzz only those
operations, for a quick local run).
The six clients run at once, one schemathesis process each, with deterministic generation.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.apps import apps
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from cs_platform.models import ApiKeyScope, Role, Tenant, User
from cs_platform.scoping import TenantScopedModel, tenant_scope
from cs_platform.services import api_key_issue
from tests.cs_platform.discovery import factory_for
from tests.factories import MembershipFactory, UserFactory

# Unset: schemathesis' deterministic mode (the same cases every run); set: seeded random cases.
SEED = os.environ.get("JUNKAN_FUZZ_SEED", "")
EXAMPLES = int(os.environ.get("JUNKAN_FUZZ_EXAMPLES", "1"))
BUDGET_SECONDS = float(os.environ.get("JUNKAN_FUZZ_BUDGET", "1500"))
# A path regex to fuzz only some operations (a quick local run; the suite fuzzes them all).
INCLUDE = os.environ.get("JUNKAN_FUZZ_INCLUDE", "")
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]


@dataclass
class FuzzClient:
    """One kind of API client: its credentials (by security scheme of the schema, so
    schemathesis can take them away to check that the API then refuses), the headers it
    sends besides, and how many examples it gets."""

    name: str
    credentials: dict[str, str]
    headers: dict[str, str]
    examples: int

    def config(self) -> str:
        """schemathesis.toml giving the credentials to their OpenAPI security schemes."""
        return "".join(
            f'[auth.openapi.{scheme}]\napi_key = "{value}"\n'
            for scheme, value in self.credentials.items()
        )


@dataclass
class FuzzResult:
    client: str
    seconds: float
    returncode: int
    output: str

    def _count(self, pattern: str) -> int | None:
        found = re.search(pattern, self.output)
        return int(found[1]) if found else None

    @property
    def tested(self) -> int | None:
        """Operations schemathesis tested (its summary's `Tested: N`)."""
        return self._count(r"Tested: (\d+)")

    @property
    def cases(self) -> int | None:
        return self._count(r"(\d+) generated")

    def summary(self) -> str:
        tail = self.output.strip().splitlines()[-1] if self.output.strip() else ""
        return (
            f"{self.client}: {self.seconds:.0f}s, {self.tested} operations, {self.cases} test "
            f"cases, exit {self.returncode} ({tail.strip('= ')})"
        )


def _session_client(name: str, user: User, tenant: Tenant, examples: int) -> FuzzClient:
    client = Client()
    client.force_login(user)
    # Django accepts the unmasked CSRF secret in the header when it matches the cookie; the
    # CSRF cookie rides with the session cookie (the cookieAuth scheme's value).
    csrf = secrets.token_hex(16)
    session = client.cookies["sessionid"].value
    return FuzzClient(
        name,
        credentials={"cookieAuth": f"{session}; csrftoken={csrf}"},
        headers={"X-CSRFToken": csrf, "X-Tenant": tenant.slug},
        examples=examples,
    )


def _key_client(name: str, tenant: Tenant, scope: str, examples: int) -> FuzzClient:
    raw = api_key_issue(tenant=tenant, name=f"fuzz {scope}", scope=scope).raw_key
    return FuzzClient(
        name, credentials={"ApiKeyAuth": f"Api-Key {raw}"}, headers={}, examples=examples
    )


def fuzz_clients(tenant: Tenant) -> list[FuzzClient]:
    """Admin, CS manager and CSM sessions; write, read and ingest keys."""
    others = max(1, EXAMPLES // 2)
    clients = []
    for role, examples in ((Role.ADMIN, EXAMPLES), (Role.CS_MANAGER, others), (Role.CSM, others)):
        user = UserFactory(email=f"fuzz-{role}@{tenant.slug}.example")
        MembershipFactory(tenant=tenant, user=user, role=role)
        clients.append(_session_client(f"{role} session", user, tenant, examples))
    for scope in (ApiKeyScope.WRITE, ApiKeyScope.READ, ApiKeyScope.INGEST):
        clients.append(_key_client(f"{scope} key", tenant, scope, others))
    return clients


def tenant_owned_models() -> list[type[TenantScopedModel]]:
    return [
        m
        for m in apps.get_models()
        if issubclass(m, TenantScopedModel) and not m._meta.abstract and not m._meta.proxy
    ]


def seed_tenant(tenant: Tenant, rows_per_model: int = 2) -> int:
    """Rows of every tenant-owned model (their factories), so the fuzzer and the crawl meet
    real objects, not only 404s."""
    made = 0
    with tenant_scope(tenant):
        for model in tenant_owned_models():
            model_factory = factory_for(model)
            if model_factory is None:
                continue
            for _ in range(rows_per_model):
                try:
                    with transaction.atomic():
                        model_factory()
                except IntegrityError:
                    break  # one row per tenant (settings), or the factory's own uniques
                made += 1
    return made


def _command(
    *, schema_path: Path, base_url: str, client: FuzzClient, report_dir: Path
) -> list[str]:
    config = report_dir.parent / f"{report_dir.name}.toml"
    config.write_text(client.config())
    command = [
        *SCHEMATHESIS,
        "--config-file",
        str(config),
        "run",
        str(schema_path),
        "--url",
        base_url,
        "--checks",
        "all",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        str(client.examples),
        # (deterministic mode keeps no example database; a seeded run must not keep one either)
        *(
            ["--seed", SEED, "--generation-database", "none"]
            if SEED
            else ["--generation-deterministic"]
        ),
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--no-color",
        "--output-truncate",
        "true",
        # The credentials are this run's throwaway ones: the `curl` lines then reproduce as is.
        "--output-sanitize",
        "false",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]
    for name, value in client.headers.items():
        command += ["--header", f"{name}: {value}"]
    if INCLUDE:
        command += ["--include-path-regex", INCLUDE]
    return command


def run_schemathesis(
    *, schema_path: Path, base_url: str, clients: list[FuzzClient], work_dir: Path, timeout: float
) -> list[FuzzResult]:
    """Every client at once (one schemathesis process each, against the one live server),
    stopped when `timeout` runs out; each result keeps its whole output."""
    running = []
    for client in clients:
        report_dir = work_dir / client.name.replace(" ", "-")
        output = (work_dir / f"{report_dir.name}.out").open("w+")
        command = _command(
            schema_path=schema_path, base_url=base_url, client=client, report_dir=report_dir
        )
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=work_dir,  # schemathesis keeps state in ./.schemathesis
        )
        running.append((client, process, output, time.monotonic()))
    deadline = time.monotonic() + timeout
    results = []
    for client, process, output, started in running:
        try:
            returncode = process.wait(timeout=max(0.0, deadline - time.monotonic()))
            note = ""
        except subprocess.TimeoutExpired:
            process.kill()
            returncode = process.wait()
            returncode, note = -1, f"\n= stopped: JUNKAN_FUZZ_BUDGET ran out ({timeout:.0f}s) ="
        output.seek(0)
        results.append(
            FuzzResult(
                client=client.name,
                seconds=time.monotonic() - started,
                returncode=returncode,
                output=output.read() + note,
            )
        )
        output.close()
    return results


# --- the crawl ----------------------------------------------------------------------------------

# Pages of a tenant: staff pages under /t/<slug>/, the public Learn & Support site and seminars.
_PAGE_PREFIXES = ("t/<slug:tenant_slug>/", "learn/<slug:tenant_slug>/", "seminars/<slug:site>/")
# GETs that change state or end the session are not pages to crawl.
_SKIP = re.compile(r"/(logout|signout)/")
_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_HREF = re.compile(r"""href=["']([^"'#]+)""")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def page_routes() -> list[str]:
    return sorted(
        {route for route in _walk(get_resolver().url_patterns) if route.startswith(_PAGE_PREFIXES)}
    )


def _fill(route: str, tenant: Tenant, value: Any = None) -> str:
    def one(match: re.Match) -> str:
        if match["name"] in ("tenant_slug", "site"):
            return tenant.slug
        if value is not None:
            return str(value)
        return {"int": "999999"}.get(match["converter"] or "str", "x")

    return "/" + _PARAM.sub(one, route)


def _row_ids(tenant: Tenant, per_model: int = 3) -> list[int]:
    """Ids of rows that exist in the tenant (a few per model), for routes no link reached."""
    ids: set[int] = set()
    with tenant_scope(tenant):
        for model in tenant_owned_models():
            ids.update(model.objects.order_by("pk").values_list("pk", flat=True)[:per_model])
    return sorted(i for i in ids if isinstance(i, int))


@dataclass
class CrawlResult:
    visited: dict[str, int] = field(default_factory=dict)  # url → status
    routes_seen: set[str] = field(default_factory=set)

    @property
    def errors(self) -> dict[str, int]:
        return {url: code for url, code in self.visited.items() if code >= 500}


def _links(url: str, body: str) -> list[str]:
    found = []
    for href in _HREF.findall(body):
        target = urlsplit(urljoin(url, href.replace("&amp;", "&")))
        if target.netloc in ("", "testserver"):
            found.append(target.path + (f"?{target.query}" if target.query else ""))
    return found


def _route_of(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.route if match.route.startswith(_PAGE_PREFIXES) else None


def _follow_links(
    client: Client, start: list[str], result: CrawlResult, per_route: int, max_pages: int
) -> None:
    queue, seen, per_route_count = list(start), set(), {}  # type: ignore[var-annotated]
    while queue and len(result.visited) < max_pages:
        url = queue.pop(0)
        route = _route_of(url)
        if url in seen or _SKIP.search(url) or route is None:
            continue
        seen.add(url)
        if per_route_count.get(route, 0) >= per_route:
            continue
        per_route_count[route] = per_route_count.get(route, 0) + 1
        result.routes_seen.add(route)
        response = client.get(url)
        result.visited[url] = max(result.visited.get(url, 0), response.status_code)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            queue += _links(url, response.content.decode("utf-8", "replace"))


def crawl(
    *,
    tenant: Tenant,
    clients: list[Client],
    per_route: int = 4,
    max_pages: int = 1500,
    max_ids_per_route: int = 40,
) -> CrawlResult:
    """GET every page route of the tenant as each client, following links from the pages
    without ids; routes no link reached get the ids of rows that exist. Every status is kept."""
    result = CrawlResult()
    routes = page_routes()
    start = [_fill(route, tenant) for route in routes if "<int:" not in route]
    for client in clients:
        _follow_links(client, start, result, per_route, max_pages)

    # Routes no link led to: the ids of rows that exist (the first that is not a 404 counts).
    ids = _row_ids(tenant)[:max_ids_per_route]
    for route in routes:
        if route in result.routes_seen or "<int:" not in route:
            continue
        for row_id in ids:
            url = _fill(route, tenant, row_id)
            code = clients[0].get(url).status_code
            result.visited[url] = code
            if code != 404:
                result.routes_seen.add(route)
                break
    return result
