"""Gateway housekeeping jobs: command deadlines and workers of dead brain processes."""

from __future__ import annotations

import datetime as dt
import logging

from z4j_brain.db.queries import agents as aq
from z4j_brain.db.queries import commands as cq
from z4j_brain.db.queries import workers as wq
from z4j_brain.db.queries._types import ConnectionLike

log = logging.getLogger("z4j.jobs.gateway")


async def expire_commands(conn: ConnectionLike) -> int:
    """Mark commands past their deadline as timed out; returns how many."""
    expired = await cq.timeout_commands(conn)
    if expired:
        log.info("timed out %d command(s)", len(expired))
    return len(expired)


async def offline_stale_workers(conn: ConnectionLike, *, silent_for: dt.timedelta) -> int:
    """Workers still marked online though nothing was heard from them for ``silent_for``.

    A live session refreshes ``last_seen_at`` on every heartbeat, and an idle one is closed by
    its brain process; rows that stay silent belong to a brain process that died.
    """
    async with conn.transaction():
        agents = set(
            await wq.mark_stale_workers_offline(
                conn, silent_since=dt.datetime.now(dt.UTC) - silent_for
            )
        )
        for agent_id in agents:
            await aq.mark_agent_offline_if_idle(conn, id=agent_id)
    return len(agents)
