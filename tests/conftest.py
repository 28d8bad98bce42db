"""Shared fixtures: a real PostgreSQL through the real migrations, cloned per test.

The server is the embedded PostgreSQL 18 (one per xdist worker), or the one named by
``Z4J_TEST_DATABASE_URL`` (a maintenance database URL, e.g. the machine's PostgreSQL 15).
A template database is migrated once with dbmate; each test gets a ``FILE_COPY`` clone.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from support import Z4J, Served, admin_sql, free_port, serve_env

from z4j_brain.db import migrate
from z4j_brain.db.dsn import Dsn
from z4j_brain.db.embedded import EmbeddedPostgres
from z4j_brain.db.pool import connect


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dsn]:
    """Maintenance-database URL of the test server."""
    external = os.environ.get("Z4J_TEST_DATABASE_URL")
    if external:
        yield Dsn(url=external)
        return
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "pgdata")
    server.start()
    try:
        yield server.dsn.with_database("postgres")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def template_db(pg_server: Dsn) -> Iterator[str]:
    """A database migrated to head with dbmate; cloned by ``db``."""
    name = f"z4j_tpl_{os.getpid()}_{secrets.token_hex(3)}"
    migrate.migrate_up(pg_server.with_database(name))
    try:
        yield name
    finally:
        admin_sql(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def db(pg_server: Dsn, template_db: str) -> Iterator[Dsn]:
    """A fresh, fully migrated database for one test."""
    name = f"z4j_t_{secrets.token_hex(6)}"
    admin_sql(pg_server, f"CREATE DATABASE {name} TEMPLATE {template_db} STRATEGY FILE_COPY")
    try:
        yield pg_server.with_database(name)
    finally:
        admin_sql(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def conn(db: Dsn) -> AsyncIterator[asyncpg.Connection]:
    """A connection (with the brain's JSON codecs) to the test's database."""
    connection = await connect(db)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start ``z4j serve`` subprocesses; all are stopped at the end of the test."""
    started: list[Served] = []

    def start(*args: str, env: dict[str, str] | None = None, port: int | None = None) -> Served:
        port = port or free_port()
        log = tmp_path / f"serve-{len(started)}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [Z4J, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
                env=env if env is not None else serve_env(tmp_path / "home"),
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # stop() reaches granian's workers through the group
            )
        served = Served(proc, port, log)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()
