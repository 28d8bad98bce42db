"""Readiness: the database answers and the schema is at the newest migration."""

from __future__ import annotations

import asyncio

import asyncpg

from z4j_brain.db.migrate import pending_versions
from z4j_brain.db.pool import acquire
from z4j_brain.db.queries import meta
from z4j_brain.wire.health import Readiness

_TIMEOUT = 3.0


async def readiness(pool: asyncpg.Pool) -> Readiness:
    """Check the database within a few seconds; never raises."""
    try:
        async with asyncio.timeout(_TIMEOUT), acquire(pool) as conn:
            await meta.ping(conn)
            pending = await pending_versions(conn)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return Readiness(
            status="not_ready", database=f"unreachable: {type(exc).__name__}", migrations="unknown"
        )
    if pending:
        return Readiness(
            status="not_ready", database="ok", migrations="pending", pending_migrations=pending
        )
    return Readiness(status="ready", database="ok", migrations="at_head")
