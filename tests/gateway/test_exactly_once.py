"""Exactly once: crashes of the agent or the brain mid-stream neither lose nor duplicate events."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from agentclient import RawAgent, event
from brainkit import Brain, kill_brain, mint, query, start_brain
from websockets.exceptions import ConnectionClosed

from z4j_brain.db.dsn import Dsn

pytestmark = pytest.mark.slow

FRAMES = 120
EVENTS_PER_FRAME = 25


def make_frames() -> dict[str, list[dict[str, Any]]]:
    frames: dict[str, list[dict[str, Any]]] = {}
    for f in range(FRAMES):
        task = f"task-{f}"
        frames[f"ev_{uuid.uuid4().hex}"] = [
            event("task.started" if n % 2 == 0 else "task.succeeded", task_id=f"{task}-{n // 2}")
            for n in range(EVENTS_PER_FRAME)
        ]
    return frames


async def stream(
    agent: RawAgent,
    frames: dict[str, list[dict[str, Any]]],
    acked: set[str],
    stop_after: int | None = None,
) -> None:
    """Send every unacked frame (pipelined), collect acks until all are in or the socket dies."""
    pending = [fid for fid in frames if fid not in acked]
    with contextlib.suppress(ConnectionClosed, TimeoutError):
        for index, frame_id in enumerate(pending):
            if stop_after is not None and index == stop_after:
                return
            await agent.send_events(frames[frame_id], frame_id=frame_id)
        while len(acked) < len(frames):
            frame = await agent.recv_type("event_batch_ack", timeout=30)
            acked.add(frame["payload"]["acked_id"])


async def stored_ids(brain: Brain, frames: dict[str, list[dict[str, Any]]]) -> tuple[int, int]:
    ids = [uuid.UUID(e["id"]) for events in frames.values() for e in events]
    rows = await query(
        brain,
        "SELECT count(*) AS n, count(DISTINCT id) AS d FROM events WHERE id = ANY($1::uuid[])",
        ids,
    )
    return rows[0]["n"], rows[0]["d"]


async def test_agent_killed_mid_stream_then_resending_everything_unacked(brain: Brain) -> None:
    minted = await mint(brain)
    frames = make_frames()
    acked: set[str] = set()
    first = RawAgent(brain.ws_url, minted.token, minted.hmac_secret)
    await first.connect(worker_id="crashy")
    await stream(first, frames, acked, stop_after=FRAMES // 2)
    # Read a few acks, then die without a close frame (a SIGKILLed agent).
    with contextlib.suppress(TimeoutError):
        for _ in range(10):
            frame = await first.recv_type("event_batch_ack", timeout=5)
            acked.add(frame["payload"]["acked_id"])
    assert first.ws is not None
    first.ws.transport.abort()
    second = RawAgent(brain.ws_url, minted.token, minted.hmac_secret)
    await second.connect(worker_id="crashy")
    await stream(second, frames, acked)
    assert acked == set(frames)
    assert await stored_ids(brain, frames) == (FRAMES * EVENTS_PER_FRAME, FRAMES * EVENTS_PER_FRAME)
    await second.close()


async def test_brain_killed_mid_stream_then_restarted(
    pg_server: Dsn, template_db: str, tmp_path: Path
) -> None:
    brain = await asyncio.to_thread(start_brain, pg_server, template_db, tmp_path / "home")
    try:
        minted = await mint(brain)
        frames = make_frames()
        acked: set[str] = set()
        agent = RawAgent(brain.ws_url, minted.token, minted.hmac_secret)
        await agent.connect()
        sender = asyncio.create_task(stream(agent, frames, acked))
        while len(acked) < FRAMES // 4:
            await asyncio.sleep(0.01)
        kill_brain(brain)
        await sender
        assert len(acked) < FRAMES, (
            "the crash must happen mid-stream for this test to mean anything"
        )
    finally:
        if brain.served.proc.poll() is None:
            kill_brain(brain)
    restarted = await asyncio.to_thread(
        start_brain, pg_server, template_db, tmp_path / "home2", brain.dsn
    )
    try:
        agent = RawAgent(restarted.ws_url, minted.token, minted.hmac_secret)
        await agent.connect()
        await stream(agent, frames, acked)
        assert acked == set(frames)
        assert await stored_ids(restarted, frames) == (
            FRAMES * EVENTS_PER_FRAME,
            FRAMES * EVENTS_PER_FRAME,
        )
        await agent.close()
    finally:
        restarted.served.stop()
