"""The group-commit ingest: dedupe, accounting, the tasks projection, failures, backpressure."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

import asyncpg
import msgspec
import pytest

from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import connect, create_pool
from z4j_brain.gateway import ingest, ingest_store
from z4j_brain.gateway.ingest import IngestBatcher, IngestEvent, StorageUnavailable
from z4j_brain.jobs.partitions import maintain_partitions

PROJECT = uuid.UUID("00000000-0000-4000-8000-000000000001")
AGENT = uuid.UUID("00000000-0000-4000-8000-000000000002")
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)

MakeBatcher = Callable[..., Awaitable[IngestBatcher]]


def at(seconds: float) -> dt.datetime:
    """A moment relative to the start of the test module."""
    return NOW + dt.timedelta(seconds=seconds)


def ev(
    kind: str = "task.started",
    task_id: str | None = "t1",
    when: dt.datetime | None = None,
    *,
    id: uuid.UUID | None = None,
    engine: str = "celery",
    **data: Any,
) -> IngestEvent:
    return IngestEvent(
        project_id=PROJECT,
        agent_id=AGENT,
        id=id or uuid.uuid4(),
        engine=engine,
        task_id=task_id,
        kind=kind,
        occurred_at=when or at(0),
        data=data,
    )


@pytest.fixture
async def pool(db: Dsn) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(db, max_size=4)
    await pool.execute(
        "INSERT INTO projects (id, slug, name) VALUES ($1, 'ingest', 'Ingest')", PROJECT
    )
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def make_batcher(pool: asyncpg.Pool) -> AsyncIterator[MakeBatcher]:
    started: list[IngestBatcher] = []

    async def make(**kw: Any) -> IngestBatcher:
        batcher = IngestBatcher(pool, **kw)
        await batcher.start()
        started.append(batcher)
        return batcher

    yield make
    for batcher in started:
        await batcher.stop()


@pytest.fixture
async def batcher(make_batcher: MakeBatcher) -> IngestBatcher:
    return await make_batcher()


async def task_row(conn: asyncpg.Connection, task_id: str = "t1") -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT * FROM tasks WHERE project_id = $1 AND engine = 'celery' AND task_id = $2",
        PROJECT,
        task_id,
    )
    assert row is not None
    return row


async def count(conn: asyncpg.Connection, table: str = "events") -> int:
    return cast("int", await conn.fetchval(f"SELECT count(*) FROM {table}"))


# -- dedupe and accounting --------------------------------------------------------------------


async def test_a_resent_event_is_stored_once(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    event = ev("task.started")
    first = await batcher.submit([event])
    again = await batcher.submit([event])
    twice = await batcher.submit([event, event])
    assert (first.received, first.accepted, first.rejected) == (1, 1, 0)
    assert (again.received, again.accepted, again.rejected) == (1, 0, 0)
    assert (twice.received, twice.accepted, twice.rejected) == (2, 0, 0)
    fresh = ev("task.succeeded")
    within = await batcher.submit([fresh, fresh])
    assert (within.received, within.accepted, within.rejected) == (2, 1, 0)
    assert await count(conn) == 2


async def test_distinct_events_with_the_same_task_kind_and_time_are_both_stored(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    result = await batcher.submit([ev("task.started", when=at(1)), ev("task.started", when=at(1))])
    assert result.accepted == 2
    assert await count(conn) == 2


async def test_concurrent_submits_are_all_acked_with_exact_counts(
    make_batcher: MakeBatcher, conn: asyncpg.Connection
) -> None:
    batcher = await make_batcher(max_batch_events=300)
    batches = [[ev("task.received", f"c{n}-{i}", at(i)) for i in range(25)] for n in range(40)]
    resends = batches[:10]  # the same frames again, racing their first delivery
    results = await asyncio.gather(*(batcher.submit(b) for b in [*batches, *resends]))
    assert all(r.received == 25 and r.rejected == 0 for r in results)
    assert sum(r.accepted for r in results) == 1000
    assert all(r.accepted == 25 for r in results[10:40])
    assert await count(conn) == 1000
    assert await count(conn, "tasks") == 1000


async def test_an_empty_submit_returns_at_once(batcher: IngestBatcher) -> None:
    result = await batcher.submit([])
    assert (result.received, result.accepted, result.rejected) == (0, 0, 0)


# -- the tasks projection -------------------------------------------------------------------


async def test_started_and_succeeded_in_one_flush(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await batcher.submit([ev("task.started", when=at(1)), ev("task.succeeded", when=at(2))])
    row = await task_row(conn)
    assert row["state"] == "success"
    assert (row["started_at"], row["finished_at"], row["last_event_at"]) == (at(1), at(2), at(2))


async def test_succeeded_before_started_in_one_flush(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await batcher.submit([ev("task.succeeded", when=at(2)), ev("task.started", when=at(1))])
    assert (await task_row(conn))["state"] == "success"


async def test_out_of_order_across_flushes(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await batcher.submit([ev("task.succeeded", when=at(3), result=7)])
    await batcher.submit([ev("task.started", when=at(2), worker="w1")])
    await batcher.submit([ev("task.received", when=at(1), task_name="app.add")])
    row = await task_row(conn)
    assert row["state"] == "success"
    assert (row["received_at"], row["started_at"], row["finished_at"]) == (at(1), at(2), at(3))
    assert (row["name"], row["worker"], row["result"]) == ("app.add", "w1", 7)
    assert row["last_event_at"] == at(3)


async def test_terminal_beats_a_newer_non_terminal(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await batcher.submit([ev("task.failed", when=at(1))])
    await batcher.submit([ev("task.started", when=at(5)), ev("task.received", when=at(4))])
    row = await task_row(conn)
    assert row["state"] == "failure"
    assert row["finished_at"] == at(1)
    assert row["last_event_at"] == at(5)


async def test_an_older_event_never_overwrites_a_newer_one(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await batcher.submit([ev("task.started", "a", at(2))])
    await batcher.submit([ev("task.received", "a", at(1))])
    await batcher.submit([ev("task.revoked", "b", at(5))])
    await batcher.submit([ev("task.succeeded", "b", at(4))])
    assert (await task_row(conn, "a"))["state"] == "started"
    row = await task_row(conn, "b")
    assert (row["state"], row["finished_at"]) == ("revoked", at(5))


async def test_a_newer_retried_reopens_a_failure(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await batcher.submit([ev("task.failed", when=at(1), exception="ValueError")])
    await batcher.submit([ev("task.retried", when=at(2), retry_count=1)])
    row = await task_row(conn)
    assert (row["state"], row["finished_at"], row["retry_count"]) == ("retry", None, 1)
    await batcher.submit([ev("task.started", when=at(3))])
    assert (await task_row(conn))["state"] == "started"
    await batcher.submit([ev("task.succeeded", when=at(4))])
    row = await task_row(conn)
    assert (row["state"], row["finished_at"], row["exception"]) == ("success", at(4), "ValueError")


async def test_a_retried_and_a_new_run_in_one_flush_reopen_a_failure(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await batcher.submit([ev("task.failed", when=at(1))])
    await batcher.submit([ev("task.started", when=at(3)), ev("task.retried", when=at(2))])
    assert (await task_row(conn))["state"] == "started"


async def test_an_older_retried_does_not_reopen(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await batcher.submit([ev("task.failed", when=at(2))])
    await batcher.submit([ev("task.retried", when=at(1))])
    assert (await task_row(conn))["state"] == "failure"
    await batcher.submit([ev("task.retried", "x", at(1)), ev("task.failed", "x", at(2))])
    assert (await task_row(conn, "x"))["state"] == "failure"


async def test_fields_merge_instead_of_being_overwritten(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await batcher.submit(
        [
            ev(
                "task.received",
                when=at(1),
                task_name="app.add",
                queue="q1",
                tags=["a", "b"],
                parent_task_id="p",
            ),
            ev("task.started", when=at(2), args=[1, 2], kwargs={"k": "v"}, worker="w1", priority=5),
        ]
    )
    await batcher.submit([ev("task.succeeded", when=at(3), result={"sum": 3}, runtime_ms=12.5)])
    row = await task_row(conn)
    assert (row["name"], row["queue"], row["worker"], row["priority"]) == (
        "app.add",
        "q1",
        "w1",
        "5",
    )
    assert (row["args"], row["kwargs"], row["result"], row["runtime_ms"]) == (
        [1, 2],
        {"k": "v"},
        {"sum": 3},
        12.5,
    )
    assert (row["tags"], row["parent_task_id"]) == (["a", "b"], "p")
    # An older event does not replace a newer value; it fills a missing one.
    await batcher.submit([ev("task.sent", when=at(0), queue="q0", root_task_id="r")])
    row = await task_row(conn)
    assert (row["queue"], row["root_task_id"], row["state"]) == ("q1", "r", "success")


async def test_failure_fields_and_rq_tracebacks(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    tb = "Traceback (most recent call last):\n  File ...\nValueError: boom"
    await batcher.submit([ev("task.failed", "rq1", at(1), engine="celery", exception=tb)])
    await batcher.submit(
        [
            ev(
                "task.failed",
                "c1",
                at(1),
                exception="ValueError",
                exception_message="boom",
                traceback="tb",
            )
        ]
    )
    row = await task_row(conn, "rq1")
    assert (row["exception"], row["traceback"]) == (tb, tb)
    row = await task_row(conn, "c1")
    assert (row["exception"], row["exception_message"], row["traceback"]) == (
        "ValueError",
        "boom",
        "tb",
    )


async def test_retry_count_keeps_the_maximum(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await batcher.submit([ev("task.retried", when=at(2), retry_count=3)])
    await batcher.submit(
        [ev("task.retried", when=at(1), retry_count=2), ev("task.started", when=at(3))]
    )
    await batcher.submit([ev("task.started", when=at(4), retry_count="bad", runtime_ms="x")])
    row = await task_row(conn)
    assert (row["retry_count"], row["state"]) == (3, "started")


async def test_non_task_events_do_not_touch_tasks(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    result = await batcher.submit(
        [
            ev("worker.online", None, hostname="w1"),
            ev("queue.depth_report", None, depths={"q": 1}),
            ev("schedule.run_started", None),
            ev("unknown", "t9"),
        ]
    )
    assert result.accepted == 4
    assert await count(conn) == 4
    assert await count(conn, "tasks") == 0


# -- refusals -------------------------------------------------------------------------------


async def test_too_old_and_too_far_in_the_future_are_rejected(
    make_batcher: MakeBatcher, conn: asyncpg.Connection
) -> None:
    batcher = await make_batcher(retention_days=30, max_future=dt.timedelta(minutes=10))
    now = dt.datetime.now(dt.UTC)
    result = await batcher.submit(
        [
            ev(when=now - dt.timedelta(days=31)),
            ev(when=now + dt.timedelta(minutes=11)),
            ev(when=now + dt.timedelta(minutes=9)),
            ev(when=now - dt.timedelta(days=29)),
            ev(when=dt.datetime(2026, 1, 1)),  # naive: refused
        ]
    )
    assert (result.received, result.accepted, result.rejected) == (5, 2, 3)
    assert len(result.errors) == 3
    assert "retention" in result.errors[0]
    assert "ahead" in result.errors[1]
    assert "time zone" in result.errors[2]
    assert await count(conn) == 2


async def test_nul_characters_are_replaced_or_rejected(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    data: dict[str, Any] = {"args": ["a\x00b"], "k\x00": "\ud800"}
    result = await batcher.submit(
        [
            ev("task.started", "n1", **data),
            ev("task.started", "bad\x00id"),
        ]
    )
    assert (result.accepted, result.rejected) == (1, 1)
    payload = await conn.fetchval("SELECT payload FROM events")
    assert payload == {"args": ["a\ufffdb"], "k\ufffd": "\ufffd"}
    assert (await task_row(conn, "n1"))["args"] == ["a\ufffdb"]


async def test_an_event_postgres_refuses_does_not_sink_the_batch(
    batcher: IngestBatcher, conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    encode = ingest.check.encode_data

    def leaky(data: dict[str, Any]) -> msgspec.Raw:
        # Bypass the Python-side cleaning so that PostgreSQL itself refuses the row.
        return msgspec.Raw(b'{"x":"\\u0000"}') if "poison" in data else encode(data)

    monkeypatch.setattr(ingest.check, "encode_data", leaky)
    good = [ev("task.started", f"g{i}", at(i)) for i in range(9)]
    bad = ev("task.started", "bad", poison=True)
    results = await asyncio.gather(batcher.submit(good[:5]), batcher.submit([*good[5:], bad]))
    assert [(r.accepted, r.rejected) for r in results] == [(5, 0), (4, 1)]
    assert "refused by the database" in results[1].errors[0]
    assert await count(conn) == 9
    assert await count(conn, "tasks") == 9


# -- partitions -----------------------------------------------------------------------------


async def test_a_day_without_partition_lands_in_default_and_is_deduped(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    await maintain_partitions(conn, retention_days=30)
    old = ev("task.started", when=dt.datetime.now(dt.UTC) - dt.timedelta(days=20))
    recent = ev("task.succeeded", when=dt.datetime.now(dt.UTC))
    assert (await batcher.submit([old, recent])).accepted == 2
    assert (await batcher.submit([old, recent])).accepted == 0
    assert await count(conn, "events_default") == 1
    assert await count(conn) == 2


# -- lifecycle and failures -------------------------------------------------------------------


async def test_stop_flushes_what_is_queued(
    make_batcher: MakeBatcher, conn: asyncpg.Connection
) -> None:
    batcher = await make_batcher(max_delay=3600.0)
    pending = asyncio.create_task(batcher.submit([ev("task.started")]))
    for _ in range(5):  # let the submit reach the queue
        await asyncio.sleep(0)
    assert batcher.pending_events == 1
    await batcher.stop()
    assert (await pending).accepted == 1
    assert await count(conn) == 1
    with pytest.raises(StorageUnavailable):
        await batcher.submit([ev("task.started")])


async def test_a_connection_killed_mid_flush_is_retried_without_loss_or_duplicates(
    batcher: IngestBatcher, db: Dsn, conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = ingest_store.q.project_tasks
    killed: list[int] = []

    async def kill_first(c: Any, **kw: Any) -> list[Any]:
        if not killed:
            pid = c.get_server_pid()
            killed.append(pid)
            killer = await connect(db)
            try:
                await killer.fetchval("SELECT pg_terminate_backend($1)", pid)
            finally:
                await killer.close()
        return await original(c, **kw)

    monkeypatch.setattr(ingest_store.q, "project_tasks", kill_first)
    events = [ev("task.started", f"k{i}", at(i)) for i in range(50)]
    results = await asyncio.gather(batcher.submit(events[:20]), batcher.submit(events[20:]))
    assert killed
    assert [r.accepted for r in results] == [20, 30]
    assert await count(conn) == 50
    assert await count(conn, "tasks") == 50
    assert (await batcher.submit(events)).accepted == 0


async def test_storage_that_stays_down_fails_the_submit(
    make_batcher: MakeBatcher, conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    batcher = await make_batcher()
    batcher.store.backoff = 0.001

    async def down(_c: Any, **_kw: Any) -> list[Any]:
        raise ConnectionResetError("gone")

    monkeypatch.setattr(ingest_store.q, "project_tasks", down)
    with pytest.raises(StorageUnavailable):
        await batcher.submit([ev("task.started")])
    assert await count(conn) == 0  # rolled back: nothing is half-stored
    monkeypatch.undo()
    assert (await batcher.submit([ev("task.started")])).accepted == 1


async def test_backpressure_blocks_submit_until_the_flusher_drains(
    make_batcher: MakeBatcher, conn: asyncpg.Connection
) -> None:
    batcher = await make_batcher(max_pending_events=10, max_delay=0.0)
    order: list[str] = []

    async def submit(name: str, n: int) -> None:
        await batcher.submit([ev("task.started", f"{name}{i}") for i in range(n)])
        order.append(name)

    async with conn.transaction():
        await conn.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")  # the flush waits on it
        first = asyncio.create_task(submit("a", 10))
        for _ in range(5):
            await asyncio.sleep(0)
        assert batcher.pending_events == 10
        second = asyncio.create_task(submit("b", 5))
        for _ in range(50):
            await asyncio.sleep(0)
        assert batcher.pending_events == 10  # b is waiting outside the queue
        assert not second.done()
        assert not first.done()
    await asyncio.gather(first, second)
    assert order == ["a", "b"]
    assert await count(conn) == 15


# -- the Python merge of a flush agrees with the SQL rules ------------------------------------

# The per-event extraction of the former SQL aggregation: what each field is for one event.
_SQL_FIELDS = """
SELECT nullif(p ->> 'task_name', '') IS NOT NULL AS task_name,
       nullif(p ->> 'queue', '') IS NOT NULL AS queue,
       nullif(p ->> 'worker', '') IS NOT NULL AS worker,
       nullif(p ->> 'priority', '') IS NOT NULL AS priority,
       jsonb_typeof(p -> 'tags') = 'array' IS TRUE AS tags,
       nullif(p -> 'args', 'null'::jsonb) IS NOT NULL AS args,
       nullif(p -> 'kwargs', 'null'::jsonb) IS NOT NULL AS kwargs,
       nullif(p ->> 'parent_task_id', '') IS NOT NULL AS parent_task_id,
       nullif(p ->> 'root_task_id', '') IS NOT NULL AS root_task_id,
       s = 'success' AND p -> 'result' IS NOT NULL AS result,
       s = 'success' AND jsonb_typeof(p -> 'runtime_ms') = 'number'
           AND abs((p -> 'runtime_ms')::numeric) < 1e300 IS TRUE AS runtime_ms,
       s = 'failure' AND p ->> 'exception' IS NOT NULL AS exception,
       s = 'failure' AND p ->> 'exception_message' IS NOT NULL AS exception_message,
       s = 'failure' AND coalesce(p ->> 'traceback', CASE WHEN strpos(p ->> 'exception', E'\\n') > 0
           THEN p ->> 'exception' END) IS NOT NULL AS traceback,
       CASE WHEN jsonb_typeof(p -> 'retry_count') = 'number'
                 AND (p -> 'retry_count')::numeric BETWEEN 0 AND 2147483647
            THEN (p -> 'retry_count')::numeric::integer END AS retry_count
FROM (SELECT $1::text::jsonb AS p, z4j_task_state_of($2::text) AS s) AS e
"""

_ODD_VALUES: list[Any] = [
    None,
    "",
    "x",
    "line\nbreak",
    "back\\nslash",
    0,
    -1,
    2.5,
    2147483647,
    2147483648,
    1e300,
    -1e299,
    True,
    [],
    ["a"],
    {},
    {"k": None},
]


async def test_the_python_merge_reads_fields_as_the_sql_rules_do(conn: asyncpg.Connection) -> None:
    from z4j_brain.gateway.ingest_project import FIELDS, merge_tasks
    from z4j_brain.gateway.ingest_store import PreparedEvent
    from z4j_brain.gateway.ingest_validate import encode_data

    for kind in ("task.succeeded", "task.failed", "task.started"):
        for value in _ODD_VALUES:
            for field in (*FIELDS, "retry_count"):
                data = {field: value}
                if field == "traceback":
                    data["exception"] = value
                payload = encode_data(data)
                event = PreparedEvent(
                    project_id=PROJECT,
                    agent_id=AGENT,
                    id=uuid.uuid4(),
                    engine="celery",
                    task_id="t1",
                    kind=kind,
                    occurred_at=at(0),
                    payload=payload,
                )
                (task,) = merge_tasks([event]).values()
                sql = await conn.fetchrow(_SQL_FIELDS, bytes(payload).decode(), kind)
                assert sql is not None
                where = (kind, field, value)
                for name in FIELDS:
                    assert (name in task.values) == sql[name], (*where, name)
                assert task.retry_count == sql["retry_count"], where


async def test_one_flush_and_event_by_event_give_the_same_tasks(
    batcher: IngestBatcher, conn: asyncpg.Connection
) -> None:
    import random

    rng = random.Random(20261123)  # noqa: S311 - reproducible test data
    kinds = list(ingest_store.TASK_KINDS)
    rounds: list[list[IngestEvent]] = [[] for _ in range(6)]
    together: list[IngestEvent] = []
    for n in range(60):
        seconds = rng.sample(range(1, 50), rng.randint(1, 6))
        for i, second in enumerate(sorted(seconds)):
            data = {
                field: rng.choice(_ODD_VALUES)
                for field in ("task_name", "queue", "tags", "args", "result", "exception")
                if rng.random() < 0.5
            }
            if rng.random() < 0.3:
                data["retry_count"] = rng.choice([0, 1, 2.5, 7, -1, "x"])
            kind = rng.choice(kinds)
            one = ev(kind, f"r{n}", at(second), engine="one", **data)
            seq = ev(kind, f"r{n}", at(second), engine="seq", **data)
            together.append(one)
            rounds[i].append(seq)  # event by event, each task's events oldest first
    rng.shuffle(together)
    assert (await batcher.submit(together)).accepted == len(together)
    for events in rounds:
        if events:
            await batcher.submit(events)
    columns = (
        "task_id, name, queue, state, priority, args, kwargs, result, exception,"
        " exception_message, traceback, retry_count, worker, parent_task_id, root_task_id,"
        " tags, received_at, started_at, finished_at, runtime_ms, last_event_at"
    )
    query = f"SELECT {columns} FROM tasks WHERE engine = $1 ORDER BY task_id"
    one = [tuple(r) for r in await conn.fetch(query, "one")]
    seq = [tuple(r) for r in await conn.fetch(query, "seq")]
    assert len(one) == 60
    assert one == seq
