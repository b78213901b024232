"""Throwaway PostgreSQL and Redis servers that a test may stop and start at will.

NEVER stop the shared development servers: each test that takes a service down starts its
own on a free port, in a temporary directory, as scripts/services.sh does (initdb and the
server run as the `postgres` system user when the tests run as root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bindir() -> Path:
    return Path(subprocess.check_output(["pg_config", "--bindir"], text=True).strip())


def _as_pg(args: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own, loaded with a copy of the test database."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="junkan-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.bin = _pg_bindir()
        _as_pg(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "junkan",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ]
        )
        self.start()

    @property
    def url(self) -> str:
        return f"postgres://junkan@127.0.0.1:{self.port}/junkan"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as_pg(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-w",
                "start",
                "-l",
                str(self.dir / "log"),
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        _as_pg([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def load_copy_of_test_database(self) -> None:
        """Schema and rows of the (committed) test database, in a database named junkan."""
        # The owner dumps: every tenant's rows (row-level security hides them from the app).
        db = {**settings.DATABASE_OWNER, "NAME": settings.DATABASES["default"]["NAME"]}
        env = dict(os.environ, PGPASSWORD=db["PASSWORD"] or "")
        dump = subprocess.run(
            [
                str(self.bin / "pg_dump"),
                "--no-owner",
                "--no-privileges",
                "-h",
                db["HOST"],
                "-p",
                str(db["PORT"]),
                "-U",
                db["USER"],
                db["NAME"],
            ],
            check=True,
            capture_output=True,
            env=env,
        ).stdout
        psql = [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "junkan"]
        subprocess.run(
            [*psql, "-d", "postgres", "-c", "CREATE DATABASE junkan"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [*psql, "-d", "junkan", "-v", "ON_ERROR_STOP=1", "-q"],
            input=dump,
            check=True,
            capture_output=True,
        )

    def query(self, sql: str) -> list[tuple]:
        import psycopg2

        with psycopg2.connect(self.url) as conn, conn.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
        conn.close()
        return rows

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class ThrowawayRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def start_on_same_port(self) -> None:
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout}s")


class WebServer:
    """gunicorn serving the app against the given services."""

    def __init__(self, *, database_url: str, redis_url: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log = Path(tempfile.mkstemp(prefix="junkan-web-", suffix=".log")[1])
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    str(gunicorn),
                    "cs_platform.wsgi",
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "-w",
                    "2",
                    "--threads",
                    "2",
                    "--timeout",
                    "60",
                ],
                cwd=settings.BASE_DIR,
                # The given Redis as is, not shifted per pytest-xdist process.
                env=dict(
                    {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},
                    DJANGO_SETTINGS_MODULE="cs_platform.settings.test",
                    DATABASE_URL=database_url,
                    REDIS_URL=redis_url,
                    **env,
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_port(self.port, timeout=60)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        output = self.log.read_text(errors="replace")
        self.log.unlink(missing_ok=True)
        return output
