"""Our brain's side of the compatibility tests: is ``/ws/agent`` served, agent credentials, SQL.

``mint_agent`` goes through the brain's service layer (as the REST API will); everything
else here only speaks HTTP/WebSocket or reads the database.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import asyncpg
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import connect as connect_db
from z4j_brain.db.queries import projects as pq
from z4j_brain.services.agents import mint_agent as services_mint
from z4j_brain.services.commands import issue_command

T = TypeVar("T")

#: HTTP answers to the upgrade that mean "no such endpoint yet" rather than "endpoint says no".
NOT_SERVED = frozenset({404, 405})


class AgentCredentials(NamedTuple):
    """What an operator hands a 1.x agent: ``Z4J_TOKEN``, ``Z4J_HMAC_SECRET``, and the project."""

    token: str
    hmac_secret: str
    project_id: uuid.UUID


def mint_agent(dsn: Dsn, project_slug: str, agent_name: str, *, secret: str) -> AgentCredentials:
    """Create project ``project_slug`` (if missing) and an agent in it, through the service layer.

    ``secret`` is the brain's ``Z4J_SECRET`` (the token hash and project key derive from it).
    Returns the plaintext token, the base64url project signing key and the project UUID.
    """

    async def go() -> AgentCredentials:
        conn = await connect_db(dsn)
        try:
            project = await pq.get_project_by_slug(conn, slug=project_slug)
            if project is None:
                project = await pq.create_project(
                    conn, slug=project_slug, name=project_slug, description=""
                )
            assert project is not None
            minted = await services_mint(
                conn, secret=secret, project_id=project.id, name=agent_name
            )
        finally:
            await conn.close()
        return AgentCredentials(minted.token, minted.hmac_secret, minted.project_id)

    return asyncio.run(go())


def agent_socket_missing(ws_url: str, timeout: float = 10.0) -> str | None:
    """Why ``/ws/agent`` is not served, or ``None`` when it is.

    A bogus bearer token is sent: a served endpoint either upgrades (and then closes 4401, as
    z4j 1.x does) or refuses with 401/403; a missing route answers 404/405.
    """
    try:
        with connect(
            ws_url,
            additional_headers={"Authorization": "Bearer compat-probe-not-a-token"},
            open_timeout=timeout,
        ):
            return None
    except InvalidStatus as exc:
        status = exc.response.status_code
        if status in NOT_SERVED:
            return f"upgrade refused with HTTP {status}"
        if status in (401, 403):
            return None
        raise AssertionError(f"unexpected answer to the /ws/agent upgrade: HTTP {status}") from exc


def fetch(dsn: Dsn, sql: str, *args: object) -> list[dict[str, Any]]:
    """Rows of one query, as dicts, on a short-lived connection."""

    async def run() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(dsn.url)
        try:
            return [dict(row) for row in await conn.fetch(sql, *args)]
        finally:
            await conn.close()

    return asyncio.run(run())


def poll(probe: Callable[[], T], done: Callable[[T], bool], *, timeout: float, what: str) -> T:
    """Call ``probe`` until ``done(result)``; raise with the last result after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {result!r}")
        time.sleep(0.25)


def issue_retry(
    dsn: Dsn, project_id: uuid.UUID, agent_name: str, task_id: str, task_name: str
) -> uuid.UUID:
    """Issue ``retry_task`` for an RQ job through the brain's command service, as the API will."""

    async def go() -> uuid.UUID:
        conn = await connect_db(dsn)
        try:
            found = await conn.fetchval(
                "SELECT id FROM agents WHERE project_id = $1 AND name = $2", project_id, agent_name
            )
            assert isinstance(found, uuid.UUID), f"no agent {agent_name!r}"
            agent_id = found
            issued = await issue_command(
                conn,
                project_id=project_id,
                agent_id=agent_id,
                action="retry_task",
                target={"type": "task", "id": f"rq:{task_id}", "engine": "rq"},
                parameters={
                    "engine": "rq",
                    "task_id": task_id,
                    "task_name": task_name,
                    "args": None,
                    "kwargs": None,
                    "override_args": None,
                    "override_kwargs": None,
                    "eta_seconds": None,
                    "priority": "normal",
                },
            )
            return issued.id
        finally:
            await conn.close()

    return asyncio.run(go())
