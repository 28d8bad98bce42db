"""Ingest throughput on a fresh embedded PostgreSQL: the COPY ceiling against the batcher.

(a) raw binary COPY of realistic events into ``events`` (no dedupe, no projection): the ceiling;
(a') the batcher's event insert alone (binary COPY into the connection's temporary staging
     table + INSERT ... SELECT ... ON CONFLICT DO NOTHING, no tasks projection), and its full
     flush (insert + Python merge + projection), one transaction at a time;
(b) IngestBatcher with many concurrent submitters of 500-event batches;
(c) IngestBatcher with 256 concurrent submitters of 1 event each.
Prints events/s and p50/p99 submit-to-commit latency.
Usage: uv run python tests/bench/ingest_db.py [--events N] [--submitters N] [--batch N]
       [--flushers N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from z4j_brain.db import migrate
from z4j_brain.db.embedded import EmbeddedPostgres
from z4j_brain.db.pool import acquire, create_pool
from z4j_brain.db.queries import events as eq
from z4j_brain.db.queries import ingest as q
from z4j_brain.gateway.ingest import IngestBatcher, IngestEvent
from z4j_brain.gateway.ingest_store import PreparedEvent, Store
from z4j_brain.gateway.ingest_validate import encode_data
from z4j_brain.jobs.partitions import maintain_partitions

PROJECT = uuid.uuid4()
AGENT = uuid.uuid4()
KINDS = ("task.received", "task.started", "task.succeeded")


def make_events(n: int) -> list[IngestEvent]:
    """Lifecycles of n/3 tasks (received, started, succeeded) with realistic data."""
    now = dt.datetime.now(dt.UTC)
    out: list[IngestEvent] = []
    for i in range(n):
        task, step = divmod(i, 3)
        kind = KINDS[step]
        data: dict[str, Any] = {
            "task_name": f"app.tasks.process_order_{task % 50}",
            "queue": "default",
            "worker": f"celery@worker-{task % 8}",
        }
        if kind != "task.succeeded":
            data |= {"args": [task, "order", {"sku": "X-1"}], "kwargs": {"priority": "high"}}
        else:
            data |= {"result": {"ok": True, "total": 42.5}, "runtime_ms": 12.3}
        out.append(
            IngestEvent(
                project_id=PROJECT,
                agent_id=AGENT,
                id=uuid.uuid4(),
                engine="celery",
                task_id=f"t-{task}",
                kind=kind,
                occurred_at=now
                - dt.timedelta(seconds=60)
                + dt.timedelta(microseconds=i * 10 + step),
                data=data,
            )
        )
    return out


def prepare(events: list[IngestEvent]) -> list[PreparedEvent]:
    return [
        PreparedEvent(
            project_id=e.project_id,
            agent_id=e.agent_id,
            id=e.id,
            engine=e.engine,
            task_id=e.task_id,
            kind=e.kind,
            occurred_at=e.occurred_at,
            payload=encode_data(e.data),
        )
        for e in events
    ]


async def reset(pool: asyncpg.Pool) -> None:
    async with acquire(pool) as conn:
        await conn.execute("TRUNCATE events, tasks")
        await conn.execute("VACUUM ANALYZE events")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def bench_copy(pool: asyncpg.Pool, events: list[IngestEvent], batch: int) -> float:
    rows = [
        eq.InsertEventsParams(
            project_id=e.project_id,
            occurred_at=e.occurred_at,
            id=e.id,
            agent_id=e.agent_id,
            engine=e.engine,
            task_id=e.task_id or "",
            kind=e.kind,
            payload=e.data,
        )
        for e in events
    ]
    await reset(pool)
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        async with acquire(pool) as conn, conn.transaction():
            await eq.insert_events(conn, rows=rows[i : i + batch])
    return len(rows) / (time.perf_counter() - started)


async def bench_strategies(
    pool: asyncpg.Pool, events: list[IngestEvent], batch: int
) -> dict[str, float]:
    """events/s of the insert strategies on `batch`-sized transactions (fresh table each)."""
    prepared = prepare(events)
    out: dict[str, float] = {}

    async def staged_only(part: list[PreparedEvent]) -> None:
        async with acquire(pool) as conn, conn.transaction():
            await q.create_ingest_events_stage(conn)
            await q.stage_events(
                conn,
                rows=[
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
                    for e in part
                ],
            )
            await q.insert_staged_events(conn)

    store = Store(pool)

    async def full_flush(part: list[PreparedEvent]) -> None:
        await store.flush(part)

    for name, fn in (
        ("COPY stage + INSERT SELECT", staged_only),
        ("full flush", full_flush),
    ):
        await reset(pool)
        started = time.perf_counter()
        for i in range(0, len(prepared), batch):
            await fn(prepared[i : i + batch])
        out[name] = len(prepared) / (time.perf_counter() - started)
    return out


async def bench_batcher(
    pool: asyncpg.Pool,
    events: list[IngestEvent],
    *,
    submitters: int,
    per_submit: int,
    batch: int,
    flushers: int,
) -> tuple[float, float, float, int]:
    await reset(pool)
    batcher = IngestBatcher(pool, max_batch_events=batch, flushers=flushers)
    await batcher.start()
    chunks = [events[i : i + per_submit] for i in range(0, len(events), per_submit)]
    latencies: list[float] = []
    accepted = 0
    queue = iter(chunks)

    async def submitter() -> None:
        nonlocal accepted
        for chunk in queue:
            t0 = time.perf_counter()
            result = await batcher.submit(chunk)
            latencies.append(time.perf_counter() - t0)
            accepted += result.accepted

    started = time.perf_counter()
    await asyncio.gather(*(submitter() for _ in range(submitters)))
    elapsed = time.perf_counter() - started
    await batcher.stop()
    assert accepted == len(events), (accepted, len(events))
    return (
        len(events) / elapsed,
        pct(latencies, 0.5) * 1000,
        pct(latencies, 0.99) * 1000,
        len(latencies),
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pgdata")
        server.start()
        try:
            dsn = server.dsn.with_database("z4j_bench")
            migrate.migrate_up(dsn)
            pool = await create_pool(dsn, max_size=4)
            async with acquire(pool) as conn:
                await maintain_partitions(conn, retention_days=30)
                await conn.execute(
                    "INSERT INTO projects (id, slug, name) VALUES ($1, 'bench', 'Bench')", PROJECT
                )
            events = make_events(args.events)
            print(f"cpus={os.cpu_count()} events={len(events)} (received/started/succeeded)")
            ceiling = 0.0
            for size in sorted({5000, args.batch}):
                rate = await bench_copy(pool, events, size)
                ceiling = max(ceiling, rate)
                print(f"(a)  raw COPY into events, {size}/tx:{rate:>20,.0f} events/s")
            for name, value in (await bench_strategies(pool, events, args.batch)).items():
                print(f"(a') {name:<28} {args.batch}/tx: {value:>9,.0f} events/s")
            kw = {"batch": args.batch, "flushers": args.flushers}
            rate, p50, p99, n = await bench_batcher(
                pool, events, submitters=args.submitters, per_submit=500, **kw
            )
            print(
                f"(b)  batcher ({args.flushers} flushers, {args.batch}/tx),"
                f" {args.submitters} submitters x 500/submit: {rate:>9,.0f} events/s"
                f"  p50 {p50:.1f} ms  p99 {p99:.1f} ms  ({n} submits; {rate / ceiling:.2f} of COPY)"
            )
            small = events[: args.single_events]
            rate, p50, p99, n = await bench_batcher(pool, small, submitters=256, per_submit=1, **kw)
            print(
                f"(c)  batcher ({args.flushers} flushers, {args.batch}/tx),"
                f" 256 submitters x 1/submit: {rate:>9,.0f} events/s"
                f"  p50 {p50:.1f} ms  p99 {p99:.1f} ms  ({n} submits; {rate / ceiling:.2f} of COPY)"
            )
            await pool.close()
        finally:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Ingest throughput against the COPY ceiling.")
    parser.add_argument("--events", type=int, default=150_000)
    parser.add_argument("--submitters", type=int, default=32)
    parser.add_argument("--single-events", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=5000, help="max_batch_events")
    parser.add_argument("--flushers", type=int, default=2)
    asyncio.run(main(parser.parse_args()))
