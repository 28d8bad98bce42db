"""One group commit: events and the tasks projection in one transaction, retried and bisected.

A flush COPYs the batch into the connection's temporary staging table, moves it into
``events`` with ``INSERT ... ON CONFLICT DO NOTHING`` (duplicates skipped by the primary key)
and folds the task events it really inserted into ``tasks``, all in one transaction. The task
events are merged per task in Python (``ingest_project.py``) before the transaction starts, so
that PostgreSQL gets one row per task; a resend in the batch makes the merge run again on the
events that were really new. A transient
failure (connection lost, server restart, serialization failure, deadlock, lock timeout)
retries the whole transaction with exponential backoff; when the retries run out the flush
raises :class:`StorageUnavailable` and nothing of it may be acked. A data error (an event
PostgreSQL refuses) splits the batch in halves until the refused events are isolated: they
are reported as rejected and every other event is stored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from typing import cast

import asyncpg
import msgspec
from asyncpg import exceptions as pgx
from asyncpg.exceptions import _base as pgx_base  # pyright: ignore[reportPrivateUsage]

from z4j_brain.db.pool import acquire
from z4j_brain.db.queries import ingest as q
from z4j_brain.db.queries._types import ConnectionLike
from z4j_brain.gateway.ingest_project import (
    STATE_OF,
    MergedTask,
    TaskKey,
    merge_tasks,
)

log = logging.getLogger("z4j.ingest")

Key = tuple[uuid.UUID, dt.datetime, uuid.UUID]
"""The primary key of an event row: (project_id, occurred_at, id)."""

TASK_KINDS = frozenset(STATE_OF)
PROJECTION_PASSES = 3

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    pgx.PostgresConnectionError,  # class 08, incl. connection does not exist
    pgx.OperatorInterventionError,  # 57: admin shutdown, crash, cannot connect now, cancel
    pgx.TransactionRollbackError,  # 40: serialization failure, deadlock
    pgx.InsufficientResourcesError,  # 53: too many connections, out of memory or disk
    pgx.LockNotAvailableError,  # 55P03: lock_timeout
    pgx_base.InterfaceError,  # connection closed under us (DataError is caught first)
    OSError,
    TimeoutError,
)
DATA_ERRORS: tuple[type[BaseException], ...] = (
    pgx.DataError,  # class 22: bad value, untranslatable character
    pgx.IntegrityConstraintViolationError,  # class 23
    pgx.ProgramLimitExceededError,  # class 54: index row too large
    pgx_base.DataError,  # client-side encoding of a parameter failed
    msgspec.DecodeError,  # a payload the projection cannot read as a JSON object
)


class StorageUnavailable(Exception):
    """The batch was not committed; the caller must not ack it (the agent will resend)."""


class _ProjectionRace(Exception):
    """Another transaction kept creating the same tasks; retry the whole flush."""


class PreparedEvent(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A validated event, its data already encoded as the JSON text jsonb will store."""

    project_id: uuid.UUID
    agent_id: uuid.UUID
    id: uuid.UUID
    engine: str
    task_id: str | None
    kind: str
    occurred_at: dt.datetime
    payload: msgspec.Raw

    @property
    def key(self) -> Key:
        """Primary key of the row this event becomes."""
        return (self.project_id, self.occurred_at, self.id)


class FlushOutcome(msgspec.Struct, kw_only=True):
    """What a committed flush stored: inserted keys, and refused positions with the reason."""

    inserted: set[Key] = msgspec.field(default_factory=set[Key])
    rejected: dict[int, str] = msgspec.field(default_factory=dict[int, str])


class Store:
    """Commits batches through a pool with the retry and bisect policy above."""

    def __init__(self, pool: asyncpg.Pool, *, attempts: int = 5, backoff: float = 0.05) -> None:
        self.pool = pool
        self.attempts = attempts
        self.backoff = backoff

    async def flush(self, events: list[PreparedEvent]) -> FlushOutcome:
        """Store ``events``; raise :class:`StorageUnavailable` unless all of it is durable."""
        outcome = FlushOutcome()
        await self._store_part(list(enumerate(events)), outcome)
        return outcome

    async def _store_part(
        self, part: list[tuple[int, PreparedEvent]], outcome: FlushOutcome
    ) -> None:
        try:
            inserted = await self._commit_with_retry([e for _, e in part])
        except DATA_ERRORS as exc:
            if len(part) == 1:
                log.warning("event %s refused by PostgreSQL: %s", part[0][1].id, exc)
                outcome.rejected[part[0][0]] = f"refused by the database: {exc}"
                return
            mid = len(part) // 2
            await self._store_part(part[:mid], outcome)
            await self._store_part(part[mid:], outcome)
            return
        outcome.inserted |= inserted

    async def _commit_with_retry(self, events: list[PreparedEvent]) -> set[Key]:
        last: BaseException | None = None
        for attempt in range(self.attempts):
            try:
                return await self._commit(events)
            except DATA_ERRORS:
                raise
            except (*TRANSIENT_ERRORS, _ProjectionRace) as exc:
                last = exc
                log.warning(
                    "ingest flush of %d events failed (attempt %d/%d): %r",
                    len(events),
                    attempt + 1,
                    self.attempts,
                    exc,
                )
                if attempt + 1 < self.attempts:
                    await asyncio.sleep(self.backoff * 2**attempt)
        raise StorageUnavailable(
            f"events not stored after {self.attempts} attempts: {last!r}"
        ) from last

    async def _commit(self, events: list[PreparedEvent]) -> set[Key]:
        # Everything that does not need the connection is done before taking one.
        rows = [
            q.StageEventsParams(
                project_id=e.project_id,
                occurred_at=e.occurred_at,
                id=e.id,
                agent_id=e.agent_id,
                engine=e.engine,
                task_id=e.task_id,
                kind=e.kind,
                payload=e.payload,
            )
            for e in events
        ]
        keys = {e.key for e in events}
        tasks = merge_tasks(_task_events(events, None if len(keys) == len(events) else keys))
        async with acquire(self.pool) as conn, conn.transaction():
            await q.create_ingest_events_stage(conn)
            await q.stage_events(conn, rows=rows)
            stored = await q.insert_staged_events(conn)
            if stored == len(keys):
                inserted = keys
            else:  # resends: only what this transaction stored counts, and is projected
                inserted = {
                    (r.project_id, r.occurred_at, r.id)
                    for r in await q.staged_events_inserted(conn)
                }
                tasks = merge_tasks(_task_events(events, inserted))
            await _project(conn, tasks)
        return inserted


def _task_events(events: list[PreparedEvent], stored: set[Key] | None) -> list[PreparedEvent]:
    """The task events among ``events`` whose key is in ``stored``, each key once.

    ``None`` stands for "all of them, and no key repeats" (the common case, no checks needed).
    """
    task_events = [e for e in events if e.task_id is not None and e.kind in TASK_KINDS]
    if stored is None:
        return task_events
    out: list[PreparedEvent] = []
    seen: set[Key] = set()  # the same event twice in one batch is folded once
    for e in task_events:
        key = e.key
        if key in stored and key not in seen:
            seen.add(key)
            out.append(e)
    return out


async def _project(conn: ConnectionLike, tasks: dict[TaskKey, MergedTask]) -> None:
    """Fold merged tasks into ``tasks``; again for tasks another transaction created meanwhile."""
    for _ in range(PROJECTION_PASSES):
        if not tasks:
            return
        merged = list(tasks.values())
        at = MergedTask.field_at
        # NULL elements are fine in the arrays; the generated signatures cannot say so.
        missed = await q.project_tasks(
            conn,
            project_ids=[k[0] for k in tasks],
            engines=[k[1] for k in tasks],
            task_ids=[k[2] for k in tasks],
            n_states=[t.n_state for t in merged],
            n_ats=[t.n_at for t in merged],
            t_states=cast("list[str]", [t.t_state for t in merged]),
            t_ats=cast("list[dt.datetime]", [t.t_at for t in merged]),
            r_ats=cast("list[dt.datetime]", [t.r_at for t in merged]),
            received_ats=cast("list[dt.datetime]", [t.received_at for t in merged]),
            started_ats=cast("list[dt.datetime]", [t.started_at for t in merged]),
            retry_counts=cast("list[int]", [t.retry_count for t in merged]),
            docs=[t.doc() for t in merged],
            name_ats=cast("list[dt.datetime]", [at(t, "task_name") for t in merged]),
            queue_ats=cast("list[dt.datetime]", [at(t, "queue") for t in merged]),
            worker_ats=cast("list[dt.datetime]", [at(t, "worker") for t in merged]),
            priority_ats=cast("list[dt.datetime]", [at(t, "priority") for t in merged]),
            tags_ats=cast("list[dt.datetime]", [at(t, "tags") for t in merged]),
            args_ats=cast("list[dt.datetime]", [at(t, "args") for t in merged]),
            kwargs_ats=cast("list[dt.datetime]", [at(t, "kwargs") for t in merged]),
            parent_task_id_ats=cast("list[dt.datetime]", [at(t, "parent_task_id") for t in merged]),
            root_task_id_ats=cast("list[dt.datetime]", [at(t, "root_task_id") for t in merged]),
            result_ats=cast("list[dt.datetime]", [at(t, "result") for t in merged]),
            runtime_ms_ats=cast("list[dt.datetime]", [at(t, "runtime_ms") for t in merged]),
            exception_ats=cast("list[dt.datetime]", [at(t, "exception") for t in merged]),
            exception_message_ats=cast(
                "list[dt.datetime]", [at(t, "exception_message") for t in merged]
            ),
            traceback_ats=cast("list[dt.datetime]", [at(t, "traceback") for t in merged]),
        )
        again = {(r.project_id, r.engine, r.task_id) for r in missed}
        tasks = {k: t for k, t in tasks.items() if k in again}
    if tasks:
        raise _ProjectionRace(f"{len(tasks)} tasks could not be projected")
