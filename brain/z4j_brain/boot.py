"""``z4j serve``: resolve settings, bring up the database, migrate, then hand over to granian.

Everything that can fail because of the operator's setup happens here, before the server
starts, and fails as a ConfigError (one line, exit 2).
"""

from __future__ import annotations

import asyncio
import errno
import socket
import sys
import time
from collections.abc import Mapping

import asyncpg

from z4j_brain import __version__
from z4j_brain.db import migrate
from z4j_brain.db.dsn import Dsn
from z4j_brain.db.embedded import EmbeddedPostgres
from z4j_brain.db.pool import connect
from z4j_brain.errors import ConfigError
from z4j_brain.jobs.partitions import maintain_partitions
from z4j_brain.runtime import Runtime
from z4j_brain.settings import Settings, load_settings

MIN_SERVER_VERSION = 150000


def say(message: str) -> None:
    """Boot progress goes to stderr, so stdout stays clean for scripts."""
    print(f"z4j: {message}", file=sys.stderr, flush=True)


def check_port_free(host: str, port: int) -> None:
    """Fail early and clearly instead of letting granian die with a bind error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    "--port",
                    f"{host}:{port} is already in use",
                    "stop the other server or pick another port with --port / Z4J_BIND_PORT",
                ) from None
            raise ConfigError(
                "--host",
                f"cannot listen on {host}:{port}: {exc.strerror}",
                "use an address of this machine, e.g. 0.0.0.0 or 127.0.0.1",
            ) from None


async def _check_external(dsn: Dsn) -> str:
    """Connect once to an external server; returns a description with its version."""
    try:
        try:
            conn = await connect(dsn, connect_timeout=10)
        except asyncpg.InvalidCatalogNameError:
            # dbmate creates the database; the server itself must answer now.
            conn = await connect(dsn.with_database("postgres"), connect_timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            "Z4J_DATABASE_URL",
            f"cannot connect to {dsn.describe()}: {detail}",
            "check host, port, credentials and that PostgreSQL is running",
        ) from None
    try:
        server = conn.get_server_version()
    finally:
        await conn.close()
    if server.major * 10000 < MIN_SERVER_VERSION:
        raise ConfigError(
            "Z4J_DATABASE_URL",
            f"PostgreSQL {server.major} is too old; z4j needs 15 or newer",
            "upgrade the server or unset Z4J_DATABASE_URL for the embedded PostgreSQL 18",
        )
    return f"external PostgreSQL {server.major}.{server.minor} at {dsn.describe()}"


async def _prepare_schema(dsn: Dsn, settings: Settings) -> None:
    conn = await connect(dsn)
    try:
        await maintain_partitions(conn, retention_days=settings.event_retention_days)
    finally:
        await conn.close()


class Boot:
    """The parent process of ``z4j serve``: owns the embedded server, if any."""

    def __init__(self, overrides: Mapping[str, object]) -> None:
        self.overrides = overrides
        self.embedded: EmbeddedPostgres | None = None

    def prepare(self) -> Runtime:
        """Settings, database, migrations and partitions; returns what the workers need."""
        started = time.monotonic()
        settings = load_settings(self.overrides)
        check_port_free(settings.bind_host, settings.bind_port)
        if settings.database_url:
            dsn = Dsn(url=settings.database_url)
            where = asyncio.run(_check_external(dsn))
        else:
            self.embedded = EmbeddedPostgres(settings.pgdata, log=say)
            dsn = self.embedded.start()
            where = f"embedded PostgreSQL 18 in {settings.pgdata}"
        applied = migrate.migrate_up(dsn)
        if applied:
            say(f"applied {len(applied)} migration(s): {', '.join(applied)}")
        asyncio.run(_prepare_schema(dsn, settings))
        runtime = Runtime(settings=settings, dsn=dsn, embedded=self.embedded is not None)
        workers = "worker" if settings.workers == 1 else "workers"
        say(
            f"z4j {__version__} starting on {settings.public_url} "
            f"(listening on {settings.bind_host}:{settings.bind_port}, "
            f"{settings.workers} {workers})"
        )
        say(f"database: {where}")
        say(f"data directory: {settings.home}")
        ready_url = f"{settings.public_url}/api/v1/health/ready"
        say(f"prepared in {time.monotonic() - started:.2f}s; readiness at {ready_url}")
        return runtime

    def serve(self, runtime: Runtime) -> None:
        """Run granian until SIGINT/SIGTERM; the app factory reads the exported runtime."""
        from granian.constants import Interfaces
        from granian.log import LogLevels
        from granian.server import Server

        runtime.export()
        settings = runtime.settings
        Server(
            "z4j_brain.app:create_app_from_env",
            address=settings.bind_host,
            port=settings.bind_port,
            interface=Interfaces.ASGI,
            workers=settings.workers,
            factory=True,
            log_level=LogLevels(settings.log_level),
            websockets=True,
        ).serve()

    def shutdown(self) -> None:
        """Stop the embedded server if this process started it."""
        if self.embedded is not None:
            self.embedded.stop()
