"""The floor: what every request pays, in CPU milliseconds, on the cheapest pages (issue #16).

Uses the bench tenant of bench/bench_pages.py (built by it; `--accounts` picks which) and
its signed-in clients. Two measurements per page:

1. End to end as bench_pages serves it: gunicorn with one sync worker (DEBUG off, the bench
   settings of http_harness), `--requests` requests one after another; the CPU time of the
   worker process and of its PostgreSQL backend (from /proc), per request.
2. Where a request's CPU goes: the same settings in a child process that calls Django's WSGI
   handler directly with the environ gunicorn would give it. Each middleware's own CPU (its
   time less the time of what it calls), and, inside them, the session's load, the user's
   load (auth), the tenant's resolution, the context processors, the top bar, the template,
   the view, plus the SQL statements and Redis round trips per request. What gunicorn itself
   costs (HTTP parsing, the socket, the response's bytes) is the worker's CPU less the
   handler's.

The machine is shared: CPU time, not wall time, is what this compares; the load average is
printed with the figures.

    python bench/bench_floor.py [--accounts 10000] [--requests 300]
        [--pages "phase funnel,L&S article"]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROLE_CHILD = "--child"


def _proc_cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 (1-based) of the whole line; 12, 13 after ")".
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


# --- the child: Django's handler with every part timed -----------------------------------------


class _Clock:
    """CPU time (process_time) per label; nested labels are inclusive."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)

    def wrap(self, label: str, func):
        total = self.total

        def timed(*args, **kwargs):
            started = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                total[label] += time.process_time() - started

        timed.__wrapped__ = func  # type: ignore[attr-defined]
        return timed


def _child(pages: dict[str, list[str]], cookie: str, requests: int) -> None:  # noqa: C901
    import django
    from django.core.handlers import base as handler_base

    django.setup()
    clock = _Clock()
    # Each middleware's own time: its call less the call of the next one it wraps.
    stack: list[float] = []
    own: dict[str, float] = defaultdict(float)
    original_convert = handler_base.convert_exception_to_response

    def convert(get_response):
        label = (
            type(get_response).__name__
            if not hasattr(get_response, "__func__")
            else "view (URL resolving, process_view, the view, rendering)"
        )
        inner = original_convert(get_response)

        def timed(request):
            started = time.process_time()
            stack.append(0.0)
            try:
                return inner(request)
            finally:
                spent = time.process_time() - started
                children = stack.pop()
                own[label] += spent - children
                if stack:
                    stack[-1] += spent

        return timed

    handler_base.convert_exception_to_response = convert

    from django.contrib import auth
    from django.contrib.sessions.backends import cached_db
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.template import Template, engines
    from redis.connection import AbstractConnection

    from cs_platform import middleware as tenant_middleware
    from cs_platform import topbar

    handler = WSGIHandler()
    cached_db.SessionStore.load = clock.wrap("  session load", cached_db.SessionStore.load)
    auth.get_user = clock.wrap("  user (auth.get_user)", auth.get_user)
    from django.contrib.auth import middleware as auth_middleware

    auth_middleware.auth.get_user = auth.get_user
    tenant_middleware.TenantMiddleware._resolve = clock.wrap(
        "  tenant resolution", tenant_middleware.TenantMiddleware._resolve
    )
    topbar.topbar_html = clock.wrap("  top bar", topbar.topbar_html)
    from cs_platform.templatetags import tenancy as tenancy_tags

    if hasattr(tenancy_tags, "topbar_html"):
        tenancy_tags.topbar_html = topbar.topbar_html
    engine = engines["django"].engine
    engine.template_context_processors = tuple(
        clock.wrap(f"  context processor {p.__module__}.{p.__name__}", p)
        for p in engine.template_context_processors
    )
    Template.render = clock.wrap("  templates (with the top bar)", Template.render)
    roundtrips = [0]
    original_read = AbstractConnection.read_response

    def read_response(self, *args, **kwargs):
        roundtrips[0] += 1
        return original_read(self, *args, **kwargs)

    AbstractConnection.read_response = read_response
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    def environ(path: str) -> dict:
        path, _, query = path.partition("?")
        return {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "50000",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "HTTP_ACCEPT_LANGUAGE": "ja",
            "HTTP_USER_AGENT": "bench",
            "HTTP_CONNECTION": "close",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }

    def call(path: str) -> int:
        status = []
        body = handler(environ(path), lambda s, h, e=None: status.append(s))
        size = sum(len(chunk) for chunk in body)
        if hasattr(body, "close"):
            body.close()
        assert status[0].startswith("200"), (path, status[0])
        return size

    results = {}
    for name, urls in pages.items():
        for i in range(20):
            call(urls[i % len(urls)])
        clock.total.clear()
        own.clear()
        queries[0] = roundtrips[0] = 0
        with connection.execute_wrapper(count):
            started = time.process_time()
            for i in range(requests):
                size = call(urls[i % len(urls)])
            spent = time.process_time() - started
        results[name] = {
            "handler_ms": spent * 1000 / requests,
            "own": {k: v * 1000 / requests for k, v in own.items()},
            "parts": {k: v * 1000 / requests for k, v in clock.total.items()},
            "queries": queries[0] / requests,
            "redis": roundtrips[0] / requests,
            "kb": size / 1024,
        }
    print(json.dumps(results))


# --- the parent ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--pages", default="phase funnel,L&S article")
    parser.add_argument(ROLE_CHILD, default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        job = json.loads(Path(args.child).read_text())
        _child(job["pages"], job["cookie"], job["requests"])
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_pages  # sets Django up (http_harness)
    from django.db import connection
    from http_harness import ROOT, server_env, start_gunicorn, stop

    from cs_platform.models import Tenant

    tenant = Tenant.objects.get(slug=bench_pages.SLUG, name=bench_pages._name(args.accounts))
    wanted = [p.strip() for p in args.pages.split(",")]
    pages = {k: v for k, v in bench_pages._pages(tenant).items() if k in wanted}
    # The client keeps the cookies the server sets (the CSRF cookie), as bench_pages does.
    jar = bench_pages._jar(bench_pages._sessions(tenant, 1)[0])
    connection.close()
    env = server_env()
    load_before = os.getloadavg()

    # 1. End to end: gunicorn, one sync worker.
    server, port = start_gunicorn(env, 1)
    end_to_end = {}
    try:
        for name, urls in pages.items():
            for i in range(20):
                assert bench_pages._get(port, urls[i % len(urls)], jar)[1] == 200, name
            (worker,) = _children(server.pid)
            backends = _backends(env)
            cpu = _proc_cpu_ms(worker)
            db = sum(_proc_cpu_ms(b) for b in backends)
            for i in range(args.requests):
                bench_pages._get(port, urls[i % len(urls)], jar)
            end_to_end[name] = (
                (_proc_cpu_ms(worker) - cpu) / args.requests,
                (sum(_proc_cpu_ms(b) for b in backends) - db) / args.requests,
            )
    finally:
        stop(server)

    # 2. The breakdown, in a child process with the server's settings.
    job = Path(env["PYTHONPATH"].split(os.pathsep)[0], "floor_job.json")
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    job.write_text(json.dumps({"pages": pages, "cookie": cookie, "requests": args.requests}))
    out = subprocess.run(
        [sys.executable, __file__, ROLE_CHILD, str(job)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    breakdown = json.loads(out.strip().splitlines()[-1])
    load_after = os.getloadavg()

    for name in pages:
        worker_ms, db_ms = end_to_end[name]
        b = breakdown[name]
        print(f"\n{name} ({args.accounts:,} accounts, {args.requests} requests)")
        print(f"RESULT {name}: gunicorn worker {worker_ms:.1f} ms CPU per request")
        print(f"  its PostgreSQL backend       {db_ms:6.1f} ms CPU")
        print(f"  Django's handler (in-process) {b['handler_ms']:5.1f} ms CPU")
        print(f"  so gunicorn (HTTP, socket)    {worker_ms - b['handler_ms']:5.1f} ms CPU")
        print(f"  {b['queries']:.1f} SQL statements, {b['redis']:.1f} Redis round trips,")
        print(f"  {b['kb']:.1f} KB per request")
        print("  own CPU of each middleware (ms):")
        for label, ms in b["own"].items():
            print(f"    {ms:6.2f}  {label}")
        print("  parts (inclusive, ms):")
        for label, ms in sorted(b["parts"].items(), key=lambda kv: -kv[1]):
            print(f"    {ms:6.2f}  {label.strip()}")
    print(
        f"\nload average before {load_before[0]:.1f}, after {load_after[0]:.1f}"
        f" ({os.cpu_count()} cores)"
    )


def _backends(env: dict[str, str]) -> list[int]:
    """The PostgreSQL backends of the worker's role and database (the worker's own)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND usename = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["USER"]],
        )
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return [p for p in pids if Path(f"/proc/{p}/stat").exists()]


if __name__ == "__main__":
    main()
