"""Leader election with a PostgreSQL session advisory lock.

Every brain process runs the same jobs; the one whose dedicated connection holds
``pg_try_advisory_lock(key)`` does the work. When that process dies its connection closes,
PostgreSQL releases the lock, and another process takes over on its next attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import connect
from z4j_brain.db.queries import meta

log = logging.getLogger("z4j.jobs")

Work = Callable[["asyncpg.Connection"], Awaitable[None]]


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for a job name."""
    return int.from_bytes(
        hashlib.sha256(f"z4j.job.{name}".encode()).digest()[:8], "big", signed=True
    )


class LeaderJob:
    """Runs ``work`` every ``interval`` seconds while this process holds the job's lock."""

    def __init__(
        self, name: str, dsn: Dsn, work: Work, *, interval: float, retry: float = 5.0
    ) -> None:
        self.name = name
        self.key = lock_key(name)
        self._dsn = dsn
        self._work = work
        self._interval = interval
        self._retry = retry
        self.is_leader = False
        self.runs = 0
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Run the work now instead of at the end of the current interval (tests, admin)."""
        self._wake.set()

    async def run(self) -> None:
        """Loop until cancelled, reconnecting after database errors."""
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await connect(self._dsn)
                await self._lead(conn)
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning(
                    "job %s: database error, retrying in %.0fs: %s", self.name, self._retry, exc
                )
            except Exception:
                # A bug in one job must not end the loop for good; the next pass may succeed.
                log.exception("job %s failed; retrying in %.0fs", self.name, self._retry)
            finally:
                self.is_leader = False
                if conn is not None:
                    conn.terminate()
            await self._sleep(self._retry)

    async def _lead(self, conn: asyncpg.Connection) -> None:
        while True:
            if not self.is_leader:
                self.is_leader = bool(await meta.try_advisory_lock(conn, lock_key=self.key))
                if self.is_leader:
                    log.info("job %s: this process is the leader", self.name)
            if self.is_leader:
                await self._work(conn)
                self.runs += 1
                await self._sleep(self._interval)
            else:
                await self._sleep(min(self._interval, 30.0))

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()
