"""Background jobs run in exactly one process at a time and fail over."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg

from z4j_brain.db.dsn import Dsn
from z4j_brain.jobs.leader import LeaderJob, lock_key


async def _until(predicate: Any) -> None:
    async with asyncio.timeout(10):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_one_leader_and_failover(db: Dsn) -> None:
    runs: dict[str, int] = {"a": 0, "b": 0}

    def work_for(name: str) -> Any:
        async def work(conn: asyncpg.Connection) -> None:
            assert await conn.fetchval("SELECT 1") == 1
            runs[name] += 1

        return work

    a = LeaderJob("test", db, work_for("a"), interval=0.05, retry=0.05)
    b = LeaderJob("test", db, work_for("b"), interval=0.05, retry=0.05)
    task_a = asyncio.create_task(a.run())
    await _until(lambda: runs["a"] >= 2)
    task_b = asyncio.create_task(b.run())
    await asyncio.sleep(0.3)
    assert a.is_leader
    assert not b.is_leader
    assert runs["b"] == 0
    task_a.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task_a
    b.wake()
    await _until(lambda: runs["b"] >= 2)
    assert b.is_leader
    task_b.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task_b


def test_lock_keys_are_stable_and_distinct() -> None:
    assert lock_key("partitions") == lock_key("partitions")
    assert lock_key("partitions") != lock_key("retention")
    assert -(2**63) <= lock_key("partitions") < 2**63
