"""Gateway housekeeping: command deadlines and workers of dead brain processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import asyncpg

from z4j_brain.db.queries import agents as aq
from z4j_brain.db.queries import projects as pq
from z4j_brain.db.queries import workers as wq
from z4j_brain.jobs.gateway import expire_commands, offline_stale_workers
from z4j_brain.services.agents import mint_agent
from z4j_brain.services.commands import issue_command

SECRET = "jobs-secret-" + "j" * 40


async def _agent(conn: asyncpg.Connection) -> tuple[uuid.UUID, uuid.UUID]:
    project = await pq.create_project(
        conn, slug=f"p-{uuid.uuid4().hex[:8]}", name="p", description=""
    )
    assert project is not None
    minted = await mint_agent(conn, secret=SECRET, project_id=project.id, name="a")
    return project.id, minted.agent_id


async def test_unanswered_commands_time_out_and_answered_ones_do_not(
    conn: asyncpg.Connection,
) -> None:
    project_id, agent_id = await _agent(conn)
    quick = await issue_command(
        conn,
        project_id=project_id,
        agent_id=agent_id,
        action="cancel_task",
        target={},
        parameters={},
        timeout_seconds=1,
    )
    slow = await issue_command(
        conn,
        project_id=project_id,
        agent_id=agent_id,
        action="cancel_task",
        target={},
        parameters={},
        timeout_seconds=3600,
    )
    assert await expire_commands(conn) == 0
    await asyncio.sleep(1.2)
    assert await expire_commands(conn) == 1
    rows: list[Any] = await conn.fetch(
        "SELECT id, status::text, error FROM commands ORDER BY issued_at"
    )
    by_id = {r["id"]: r for r in rows}
    assert by_id[quick.id]["status"] == "timeout"
    assert "within 1 s" in by_id[quick.id]["error"]
    assert by_id[slow.id]["status"] == "pending"


async def test_silent_workers_of_a_dead_brain_go_offline(conn: asyncpg.Connection) -> None:
    project_id, agent_id = await _agent(conn)
    for worker_id in ("w1", "w2"):
        await wq.connect_worker(
            conn,
            agent_id=agent_id,
            worker_id=worker_id,
            project_id=project_id,
            role="task",
            framework="bare",
            pid=1,
            started_at=None,
            host={},
            session_id=uuid.uuid4(),
            brain_node="dead-node",
        )
    await aq.mark_agent_connected(
        conn,
        id=agent_id,
        protocol_version="2",
        agent_version=None,
        framework="bare",
        engines=["rq"],
        schedulers=[],
        capabilities={},
        host={},
    )
    await conn.execute(
        "UPDATE agent_workers SET last_seen_at = now() - interval '10 minutes' "
        "WHERE worker_id = 'w1'"
    )
    assert await offline_stale_workers(conn, silent_for=dt.timedelta(minutes=5)) == 1
    states = {
        r["worker_id"]: r["state"]
        for r in await conn.fetch("SELECT worker_id, state::text FROM agent_workers")
    }
    assert states == {"w1": "offline", "w2": "online"}
    assert await conn.fetchval("SELECT state::text FROM agents WHERE id = $1", agent_id) == "online"
    await conn.execute("UPDATE agent_workers SET last_seen_at = now() - interval '10 minutes'")
    await offline_stale_workers(conn, silent_for=dt.timedelta(minutes=5))
    assert (
        await conn.fetchval("SELECT state::text FROM agents WHERE id = $1", agent_id) == "offline"
    )
