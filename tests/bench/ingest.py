"""End-to-end ingest over WebSockets: simulated agents against a real `z4j serve`.

Each simulated agent is a real WebSocket client signing frames with z4j_core, as an agent
does. Two patterns: batched frames (many events per event_batch, as our agents send) and
one event per frame with 256 frames in flight on one connection (the stock 1.x agents).
Prints durable (acked) events/s, p50/p99 ack latency, the brain's RSS, and the raw COPY rate
into the same `events` table in the same run as the ceiling.

Usage: uv run python tests/bench/ingest.py [--events 200000] [--agents 4] [--batch 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import msgspec
import websockets
from z4j_core.keys import decode_project_key
from z4j_core.signing import FrameSigner, SessionBinding

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import Z4J, free_port

from z4j_brain.db import migrate
from z4j_brain.db.embedded import EmbeddedPostgres
from z4j_brain.db.pool import connect
from z4j_brain.db.queries import events as eq
from z4j_brain.db.queries import projects as pq
from z4j_brain.jobs.partitions import maintain_partitions
from z4j_brain.services.agents import MintedAgent, mint_agent

SECRET = "bench-secret-" + "b" * 40


def make_event(task: int, kind: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "engine": "rq",
        "task_id": f"job-{task}",
        "occurred_at": now.isoformat(),
        "data": {
            "task_name": "bench.tasks.work",
            "queue": "default",
            "worker": "w1",
            "args": [task],
            "kwargs": {"n": task},
        },
    }


def lifecycle_events(count: int) -> list[dict[str, Any]]:
    now = dt.datetime.now(dt.UTC)
    kinds = ("task.received", "task.started", "task.succeeded")
    return [make_event(i // 3, kinds[i % 3], now) for i in range(count)]


async def run_agent(
    url: str,
    minted: MintedAgent,
    events: list[dict[str, Any]],
    per_frame: int,
    window: int,
    latencies: list[float],
) -> int:
    """Send ``events``, ``per_frame`` a frame, ``window`` unacked at most; returns acked count."""
    headers = {"Authorization": f"Bearer {minted.token}"}
    async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
        hello = {
            "v": 2,
            "id": "hello_b",
            "ts": None,
            "type": "hello",
            "payload": {
                "protocol_version": "2",
                "agent_version": "bench",
                "framework": "bare",
                "engines": ["rq"],
                "schedulers": [],
                "capabilities": {},
                "host": {"name": "bench"},
                "worker_id": uuid.uuid4().hex,
            },
        }
        await ws.send(msgspec.json.encode(hello))
        ack = msgspec.json.decode(await ws.recv())["payload"]
        signer = FrameSigner(
            decode_project_key(minted.hmac_secret),
            SessionBinding(
                agent_id=ack["agent_id"], project_id=ack["project_id"], session_id=ack["session_id"]
            ),
        )
        frames = [events[i : i + per_frame] for i in range(0, len(events), per_frame)]
        sent_at: dict[str, float] = {}
        slots = asyncio.Semaphore(window)
        acked = 0
        done = asyncio.Event()

        async def reader() -> None:
            nonlocal acked
            remaining = len(frames)
            while remaining:
                frame = msgspec.json.decode(await ws.recv())
                if frame["type"] != "event_batch_ack":
                    continue
                latencies.append(time.perf_counter() - sent_at.pop(frame["payload"]["acked_id"]))
                acked += frame["payload"]["received"]
                remaining -= 1
                slots.release()
            done.set()

        read = asyncio.create_task(reader())
        for batch in frames:
            await slots.acquire()
            frame_id = f"ev_{uuid.uuid4().hex}"
            sent_at[frame_id] = time.perf_counter()
            await ws.send(signer.sign_frame("event_batch", frame_id, {"events": batch}))
        await done.wait()
        await read
        return acked


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (granian workers), MiB."""
    out = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return sum(int(x) for x in out.split()) / 1024


async def copy_ceiling(dsn: Any, count: int) -> float:
    conn = await connect(dsn)
    try:
        now = dt.datetime.now(dt.UTC)
        project = uuid.uuid4()
        rows = [
            eq.InsertEventsParams(
                project_id=project,
                occurred_at=now,
                id=uuid.uuid4(),
                agent_id=project,
                engine="rq",
                task_id=f"job-{i // 3}",
                kind="task.started",
                payload={"task_name": "bench.tasks.work", "queue": "default", "args": [i]},
            )
            for i in range(count)
        ]
        started = time.perf_counter()
        for i in range(0, count, 5000):
            async with conn.transaction():
                await eq.insert_events(conn, rows=rows[i : i + 5000])
        return count / (time.perf_counter() - started)
    finally:
        await conn.close()


async def scenario(
    name: str,
    url: str,
    minted: list[MintedAgent],
    total: int,
    per_frame: int,
    window: int,
    brain_pid: int,
) -> None:
    per_agent = total // len(minted)
    latencies: list[float] = []
    started = time.perf_counter()
    acked = await asyncio.gather(
        *(
            run_agent(url, m, lifecycle_events(per_agent), per_frame, window, latencies)
            for m in minted
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0
    print(
        f"{name}: {sum(acked)} events acked in {elapsed:.2f} s "
        f"= {sum(acked) / elapsed:,.0f} events/s; "
        f"ack latency p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms; "
        f"brain RSS {rss_mib(brain_pid):.0f} MiB",
        flush=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--single-events", type=int, default=20_000)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="z4j-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pgdata")
        dsn = server.start()
        try:
            migrate.migrate_up(dsn)
            conn = await connect(dsn)
            try:
                await maintain_partitions(conn, retention_days=30)
                project = await pq.create_project(conn, slug="bench", name="bench", description="")
                assert project is not None
                minted = [
                    await mint_agent(conn, secret=SECRET, project_id=project.id, name=f"a{i}")
                    for i in range(args.agents)
                ]
            finally:
                await conn.close()
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("Z4J_")}
            env.update(
                Z4J_HOME=str(Path(tmp) / "home"),
                Z4J_DATABASE_URL=dsn.url,
                Z4J_SECRET=SECRET,
                Z4J_SESSION_SECRET=SECRET,
                Z4J_LOG_LEVEL="warning",
            )
            brain = subprocess.Popen(
                [Z4J, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                for _ in range(600):
                    try:
                        if (
                            httpx.get(f"http://127.0.0.1:{port}/api/v1/health/ready").status_code
                            == 200
                        ):
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.05)
                url = f"ws://127.0.0.1:{port}/ws/agent"
                await scenario(
                    f"batched ({args.agents} agents, {args.batch} events/frame, 8 in flight)",
                    url,
                    minted,
                    args.events,
                    args.batch,
                    8,
                    brain.pid,
                )
                await scenario(
                    "one event per frame (1 agent, 256 in flight)",
                    url,
                    minted[:1],
                    args.single_events,
                    1,
                    256,
                    brain.pid,
                )
            finally:
                brain.terminate()
                brain.wait(30)
            ceiling = await copy_ceiling(dsn, 100_000)
            print(
                "COPY ceiling (100,000 rows into events, 5,000 per transaction): "
                f"{ceiling:,.0f} rows/s"
            )
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
