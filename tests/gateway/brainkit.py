"""Helpers for gateway tests: start a brain, mint agents, query its database."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from support import Z4J, Served, admin_sql, free_port, serve_env

from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import connect
from z4j_brain.db.queries import projects as pq
from z4j_brain.services.agents import MintedAgent, mint_agent

SECRET = "gateway-test-secret-" + "x" * 40


class Brain(msgspec.Struct, kw_only=True):
    """A running brain process and what tests need to reach it."""

    served: Any
    dsn: Dsn
    secret: str

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.served.port}/ws/agent"


def start_brain(
    pg_server: Dsn, template_db: str, home: Path, dsn: Dsn | None = None, **env: str
) -> Brain:
    """Start `z4j serve` on ``dsn`` (a fresh clone of the template when None)."""
    if dsn is None:
        name = f"z4j_gw_{secrets.token_hex(5)}"
        admin_sql(pg_server, f"CREATE DATABASE {name} TEMPLATE {template_db} STRATEGY FILE_COPY")
        dsn = pg_server.with_database(name)
    port = free_port()
    log = home.parent / f"brain-{port}.log"
    home.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [Z4J, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=serve_env(
                home, Z4J_DATABASE_URL=dsn.url, Z4J_SECRET=SECRET, Z4J_SESSION_SECRET=SECRET, **env
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # so kill_brain can take granian's workers down with it
        )
    served = Served(proc, port, log)
    served.wait_ready()
    return Brain(served=served, dsn=dsn, secret=SECRET)


async def mint(brain: Brain, *, slug: str | None = None) -> MintedAgent:
    """A new project (unless ``slug`` exists) with a freshly minted agent."""
    conn = await connect(brain.dsn)
    try:
        project = await pq.get_project_by_slug(conn, slug=slug) if slug else None
        if project is None:
            project = await pq.create_project(
                conn, slug=slug or f"p-{uuid.uuid4().hex[:10]}", name="test", description=""
            )
        assert project is not None
        return await mint_agent(
            conn, secret=brain.secret, project_id=project.id, name=uuid.uuid4().hex[:12]
        )
    finally:
        await conn.close()


async def query(brain: Brain, sql: str, *args: object) -> list[Any]:
    """Rows of a read-only query against the brain's database."""
    conn = await connect(brain.dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def eventually(check: Callable[[], Any], timeout: float = 10) -> Any:
    """Poll an async check until it returns something truthy."""
    async with asyncio.timeout(timeout):
        while True:
            value = await check()
            if value:
                return value
            await asyncio.sleep(0.05)


def kill_brain(brain: Brain) -> None:
    """SIGKILL the brain and its granian workers at once (a crash, not a shutdown)."""
    brain.served.kill()
