"""Durable group-commit ingest: one batcher per process, shared by every agent connection.

Connections call :meth:`IngestBatcher.submit` with the events of one frame. A flusher task
drains what all connections queued, up to ``max_batch_events`` per transaction, waiting at
most ``max_delay`` for more while the queue is not full, and commits events and the tasks
projection together. Up to ``flushers`` transactions run at once on their own connections, so
that Python prepares the next batch while PostgreSQL writes and commits the previous one
(see ``ingest_store.py`` and ``sql/queries/ingest.sql``). ``submit``
returns only after the transaction holding its events committed, so its result can be acked;
if storage fails it raises :class:`StorageUnavailable` and the caller must not ack.

Counting, per submit:

- ``received``: events passed in.
- ``accepted``: events stored by this submit (new rows).
- ``rejected``: events refused; the agent should not resend them. Reasons: ``occurred_at``
  more than ``max_future`` ahead of the brain's clock or older than ``retention_days``
  (never clamped, which would break dedupe of resends), identity strings PostgreSQL cannot
  store, ``data`` that is not JSON, or a row PostgreSQL refused.
- ``received - accepted - rejected``: resends of events already stored (by an earlier submit,
  or earlier in the same batch). They are durable, so they are acked, but not counted again.

NUL characters and lone surrogates in ``data`` are replaced with U+FFFD instead of rejecting
the event (jsonb cannot store them); see ``ingest_validate.py``.

Backpressure: ``submit`` waits while more than ``max_pending_events`` are queued or being
flushed, so a connection reader stops reading its socket when PostgreSQL is slower than the
agents. A single submit larger than the limit still goes through when nothing is pending.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
import msgspec

from z4j_brain.gateway import ingest_validate as check
from z4j_brain.gateway.ingest_store import PreparedEvent, StorageUnavailable, Store

__all__ = ("IngestBatcher", "IngestEvent", "IngestResult", "StorageUnavailable")

log = logging.getLogger("z4j.ingest")

MAX_ERRORS_PER_RESULT = 20


class IngestEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One event from an agent, attributed to its connection and already redacted."""

    project_id: uuid.UUID
    agent_id: uuid.UUID
    id: uuid.UUID
    engine: str
    task_id: str | None
    kind: str
    occurred_at: dt.datetime
    data: dict[str, Any]


class IngestResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of one submit, known only after its events committed."""

    received: int
    accepted: int
    rejected: int
    errors: list[str]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Submit:
    """Bookkeeping of one submit until its last event is committed."""

    __slots__ = (
        "accepted",
        "enqueued_at",
        "errors",
        "events",
        "future",
        "outstanding",
        "received",
        "rejected",
        "taken",
    )

    def __init__(self, events: list[PreparedEvent], received: int, enqueued_at: float) -> None:
        self.events = events
        self.received = received
        self.enqueued_at = enqueued_at
        self.taken = 0
        self.outstanding = len(events)
        self.accepted = 0
        self.rejected = 0
        self.errors: list[str] = []
        self.future: asyncio.Future[IngestResult] = asyncio.get_running_loop().create_future()

    def reject(self, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS_PER_RESULT:
            self.errors.append(reason)

    def result(self) -> IngestResult:
        return IngestResult(
            received=self.received,
            accepted=self.accepted,
            rejected=self.rejected,
            errors=self.errors,
        )


class IngestBatcher:
    """Group-commits the events of every connection of this process (see the module doc)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        max_batch_events: int = 5000,
        max_delay: float = 0.005,
        max_pending_events: int = 50_000,
        retention_days: int = 30,
        max_future: dt.timedelta = dt.timedelta(minutes=10),
        clock: Callable[[], dt.datetime] = _utc_now,
        store: Store | None = None,
        flushers: int = 2,
    ) -> None:
        self.store = store or Store(pool)
        self.max_batch_events = max_batch_events
        self.max_delay = max_delay
        self.max_pending_events = max_pending_events
        self.retention = dt.timedelta(days=retention_days)
        self.max_future = max_future
        self.clock = clock
        self._queue: collections.deque[_Submit] = collections.deque()
        self._queued = 0  # events waiting in the queue
        self._pending = 0  # events queued or in the flush under way
        self._wakeup = asyncio.Event()
        self._space = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._slots = asyncio.Semaphore(max(1, flushers))
        self._flushes: set[asyncio.Task[None]] = set()

    @property
    def pending_events(self) -> int:
        """Events submitted and not yet committed (or failed)."""
        return self._pending

    async def start(self) -> None:
        """Start the flusher task."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="z4j-ingest-flusher")

    async def stop(self) -> None:
        """Flush everything queued, then stop the flusher."""
        self._stopping = True
        self._wakeup.set()
        task, self._task = self._task, None
        if task is not None:
            await task
        async with self._space:
            self._space.notify_all()

    async def submit(self, events: Sequence[IngestEvent]) -> IngestResult:
        """Store ``events``; return after their transaction committed.

        Raises :class:`StorageUnavailable` when they could not be stored durably (then the
        caller must not ack them) or when the batcher is not running.
        """
        now = self.clock()
        oldest = now - self.retention
        prepared: list[PreparedEvent] = []
        errors: list[str] = []
        for e in events:
            try:
                check.check_time(e.occurred_at, now=now, oldest=oldest, max_future=self.max_future)
                check.check_identity(e.engine, e.kind, e.task_id)
                payload = check.encode_data(e.data)
            except check.Rejected as exc:
                errors.append(f"event {e.id}: {exc}")
                continue
            prepared.append(
                PreparedEvent(
                    project_id=e.project_id,
                    agent_id=e.agent_id,
                    id=e.id,
                    engine=e.engine,
                    task_id=e.task_id,
                    kind=e.kind,
                    occurred_at=e.occurred_at,
                    payload=payload,
                )
            )
        if not prepared:
            return IngestResult(
                received=len(events),
                accepted=0,
                rejected=len(errors),
                errors=errors[:MAX_ERRORS_PER_RESULT],
            )
        await self._wait_for_space(len(prepared))
        submit = _Submit(prepared, len(events), asyncio.get_running_loop().time())
        for reason in errors:
            submit.reject(reason)
        self._queue.append(submit)
        self._queued += len(prepared)
        self._pending += len(prepared)
        if len(self._queue) == 1 or self._queued >= self.max_batch_events:
            self._wakeup.set()
        return await asyncio.shield(submit.future)

    async def _wait_for_space(self, n: int) -> None:
        self._check_running()
        if self._pending and self._pending + n > self.max_pending_events:
            async with self._space:
                while self._pending and self._pending + n > self.max_pending_events:
                    if self._stopping:
                        break
                    await self._space.wait()
        self._check_running()

    def _check_running(self) -> None:
        if self._task is None or self._stopping:
            raise StorageUnavailable("the ingest batcher is not running")

    # -- the flusher ---------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while True:
                await self._slots.acquire()  # a free connection slot first: the queue grows
                if not await self._wait_for_batch():
                    self._slots.release()
                    break
                batch, owners = self._take()
                task = asyncio.create_task(self._flush_in_slot(batch, owners))
                self._flushes.add(task)
                task.add_done_callback(self._flushes.discard)
            while self._flushes:
                await asyncio.wait(set(self._flushes))
        except BaseException as exc:
            for task in self._flushes:
                task.cancel()
            self._fail_all(exc)
            raise

    async def _wait_for_batch(self) -> bool:
        """Wait until a batch should be flushed; False when stopping with nothing queued."""
        loop = asyncio.get_running_loop()
        while not self._queue:
            if self._stopping:
                return False
            self._wakeup.clear()
            await self._wakeup.wait()
        # Wait for more only while the queue is short and the oldest submit is young: under
        # load the flushes under way already took longer than max_delay.
        while self._queued < self.max_batch_events and not self._stopping:
            delay = self._queue[0].enqueued_at + self.max_delay - loop.time()
            if delay <= 0:
                break
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), delay)
        return True

    async def _flush_in_slot(self, batch: list[PreparedEvent], owners: list[_Submit]) -> None:
        try:
            await self._flush(batch, owners)
        finally:
            self._slots.release()

    def _take(self) -> tuple[list[PreparedEvent], list[_Submit]]:
        """Up to ``max_batch_events`` events from the head of the queue, with their owners."""
        batch: list[PreparedEvent] = []
        owners: list[_Submit] = []
        room = self.max_batch_events
        while self._queue and room > 0:
            submit = self._queue[0]
            part = submit.events[submit.taken : submit.taken + room]
            submit.taken += len(part)
            batch.extend(part)
            owners.extend([submit] * len(part))
            room -= len(part)
            if submit.taken == len(submit.events):
                self._queue.popleft()
        self._queued -= len(batch)
        return batch, owners

    async def _flush(self, batch: list[PreparedEvent], owners: list[_Submit]) -> None:
        try:
            outcome = await self.store.flush(batch)
        except BaseException as exc:
            if isinstance(exc, StorageUnavailable):
                failure = exc
            else:
                log.exception("ingest flush of %d events failed", len(batch))
                failure = StorageUnavailable(f"events not stored: {exc!r}")
            for submit in dict.fromkeys(owners):
                _fail(submit, failure)
            await self._release(len(batch))
            if not isinstance(exc, Exception):
                raise
            return
        unclaimed = outcome.inserted
        for i, (event, submit) in enumerate(zip(batch, owners, strict=True)):
            reason = outcome.rejected.get(i)
            if reason is not None:
                submit.reject(f"event {event.id}: {reason}")
            elif event.key in unclaimed:
                unclaimed.discard(event.key)
                submit.accepted += 1
            submit.outstanding -= 1
            if submit.outstanding == 0 and not submit.future.done():
                submit.future.set_result(submit.result())
        await self._release(len(batch))

    async def _release(self, n: int) -> None:
        self._pending -= n
        async with self._space:
            self._space.notify_all()

    def _fail_all(self, exc: BaseException) -> None:
        failure = StorageUnavailable(f"the ingest batcher stopped: {exc!r}")
        while self._queue:
            submit = self._queue.popleft()
            _fail(submit, failure)
        self._queued = 0


def _fail(submit: _Submit, failure: StorageUnavailable) -> None:
    if not submit.future.done():
        submit.future.set_exception(failure)
        submit.future.exception()  # mark retrieved: its submitter may have gone away
