"""Heartbeat and agent_status side channels: worker liveness, buffer state, queue depths."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import msgspec
from z4j_core.frames import AgentStatus, HeartbeatPayload

from z4j_brain.db.pool import acquire
from z4j_brain.db.queries import agents as aq
from z4j_brain.db.queries import workers as wq

if TYPE_CHECKING:
    from z4j_brain.gateway.session import AgentSession

log = logging.getLogger("z4j.gateway")

MAX_QUEUES_PER_ENGINE = 1000
_json = msgspec.json.Decoder()


def queue_depths(adapter_health: dict[str, Any]) -> dict[str, dict[str, int]]:
    """``{engine: {queue: depth}}`` from the ``<engine>.queue_depths`` JSON strings.

    Agents encode nested values as JSON strings in this flat map; anything malformed is
    skipped (a heartbeat is never refused for its side channel).
    """
    found: dict[str, dict[str, int]] = {}
    for key, value in adapter_health.items():
        engine, _, name = key.rpartition(".")
        if name != "queue_depths" or not engine:
            continue
        try:
            decoded = _json.decode(value) if isinstance(value, str | bytes) else value
        except msgspec.DecodeError:
            continue
        if not isinstance(decoded, dict):
            continue
        items = cast("dict[object, object]", decoded).items()
        depths = {
            str(queue): depth
            for queue, depth in list(items)[:MAX_QUEUES_PER_ENGINE]
            if isinstance(depth, int) and not isinstance(depth, bool) and depth >= 0
        }
        if depths:
            found[engine[:64]] = depths
    return found


async def record_heartbeat(session: AgentSession, payload: HeartbeatPayload) -> None:
    """Store the worker's liveness, buffer state, adapter health and queue depths."""
    health = {
        str(k)[:200]: v if isinstance(v, str) else str(v) for k, v in payload.adapter_health.items()
    }
    async with acquire(session.gateway.pool) as conn, conn.transaction():
        await wq.record_heartbeat(
            conn,
            agent_id=session.agent_id,
            worker_id=session.worker_id,
            session_id=session.session_id,
            buffer_size=_int_or_none(payload.buffer_size),
            dropped_events=_int_or_none(payload.dropped_events),
            adapter_health=health,
        )
        await aq.touch_agent(conn, id=session.agent_id)
        for engine, depths in queue_depths(health).items():
            await wq.upsert_queue_depths(
                conn,
                project_id=session.project_id,
                engine=engine,
                reported_by=session.agent_id,
                names=list(depths),
                depths=list(depths.values()),
            )


async def record_status(session: AgentSession, frame: AgentStatus) -> None:
    """Store the last agent_status payload on the worker."""
    status = msgspec.to_builtins(frame.payload)
    async with acquire(session.gateway.pool) as conn:
        await wq.record_agent_status(
            conn,
            agent_id=session.agent_id,
            worker_id=session.worker_id,
            session_id=session.session_id,
            status=status,
        )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
