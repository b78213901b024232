"""What the HTTP benches share: Django set up for a bench script, a throwaway bench tenant
with accounts and an ingest key, the app served by gunicorn as in production (DEBUG off, the
ingest throttle off), and client threads that post pre-built bodies for a number of seconds.

Import it first thing in a bench script (it sets Django up), then the app's modules.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from accounts.models import Account  # noqa: E402
from cs_platform.models import Tenant  # noqa: E402
from cs_platform.scoping import tenant_scope  # noqa: E402
from cs_platform.services import api_key_issue, tenant_create, tenant_delete  # noqa: E402

SETTINGS = """
from cs_platform.settings.dev import *  # noqa
DEBUG = False
HEALTH_INGEST_THROTTLE_RATE = None
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"handlers": [], "level": "WARNING"}}
"""


@contextlib.contextmanager
def bench_tenant(*, slug: str, name: str, accounts: int) -> Iterator[tuple[Tenant, str]]:
    """A fresh tenant with `accounts` accounts (external ids bench-0 …) and an ingest key;
    removed afterwards, and first if a previous run left it behind."""
    for stale in Tenant.objects.filter(slug=slug):
        tenant_delete(tenant=stale)
    tenant = tenant_create(name=name, slug=slug)
    try:
        with tenant_scope(tenant):
            Account.objects.bulk_create(
                [Account(name=f"Bench {i}", external_id=f"bench-{i}") for i in range(accounts)]
            )
        yield tenant, api_key_issue(tenant=tenant, name="bench", scope="ingest").raw_key
    finally:
        tenant_delete(tenant=tenant)


def server_env(*, extra_settings: str = "", **extra: str) -> dict[str, str]:
    """The environment of a process that runs the app with the bench settings (and
    `extra_settings`, Python lines appended to them)."""
    settings_dir = tempfile.mkdtemp(prefix="junkan-bench-")
    Path(settings_dir, "junkan_bench_settings.py").write_text(SETTINGS + extra_settings)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "junkan_bench_settings",
        "PYTHONPATH": os.pathsep.join([settings_dir, str(ROOT)]),
        **extra,
    }


# `--rls off` of a bench: gunicorn's workers log in as the owner (no policy applies to it)
# and send no row-level-security settings with their statements.
RLS_OFF_GUNICORN_CONFIG = """
def post_worker_init(worker):
    from django.db.backends.signals import connection_created
    from cs_platform.rls import SCOPE_WRAPPER_UID
    connection_created.disconnect(dispatch_uid=SCOPE_WRAPPER_UID)
"""


def rls_off_server(env: dict[str, str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The environment and gunicorn arguments of a server without row-level security."""
    config = Path(tempfile.mkdtemp(prefix="junkan-bench-"), "rls_off.py")
    config.write_text(RLS_OFF_GUNICORN_CONFIG)
    owner = os.environ.get("DATABASE_OWNER_URL") or env["DATABASE_URL"]
    return {**env, "DATABASE_URL": owner}, ("--config", str(config))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    env: dict[str, str], workers: int, extra_args: tuple[str, ...] = ()
) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free local port, once it accepts connections: (process, port)."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "cs_platform.wsgi:application",
            *("--workers", str(workers), "--bind", f"127.0.0.1:{port}"),
            *("--timeout", "120", "--log-level", "warning"),
            *extra_args,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            if time.monotonic() > deadline:
                stop(process)
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def drive(*, count: int, threads: int, seconds: float, send: Callable[[int], None]) -> float:
    """Call `send(i)` for i = 0 … count-1 from `threads` threads until all are sent or
    `seconds` have passed; returns the seconds it took. `send` counts its own results."""
    todo = iter(range(count))
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < stop_at:
            with lock:
                index = next(todo, None)
            if index is None:
                return
            send(index)

    started = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return time.monotonic() - started
