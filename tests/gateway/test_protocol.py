"""Protocol v2 conformance of /ws/agent against a real `z4j serve`, with a raw test agent."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import msgspec
from agentclient import RawAgent, event, hello_frame
from brainkit import Brain, eventually, mint, query
from z4j_core.protocol import CloseCode


async def agent_for(brain: Brain) -> RawAgent:
    minted = await mint(brain)
    return RawAgent(brain.ws_url, minted.token, minted.hmac_secret)


async def test_handshake_registers_agent_and_worker(brain: Brain) -> None:
    agent = await agent_for(brain)
    ack = await agent.connect(worker_id="bare-1-1", engines=["rq"])
    assert ack["protocol_version"] == "2"
    assert ack["heartbeat_interval_seconds"] == 10
    assert ack["max_frame_size_bytes"] == 1048576
    assert uuid.UUID(ack["session_id"])
    rows = await query(
        brain,
        "SELECT state::text, engines, framework FROM agents WHERE id = $1",
        uuid.UUID(ack["agent_id"]),
    )
    assert (rows[0]["state"], rows[0]["engines"], rows[0]["framework"]) == (
        "online",
        ["rq"],
        "bare",
    )
    worker = await query(
        brain, "SELECT state::text, session_id FROM agent_workers WHERE worker_id = 'bare-1-1'"
    )
    assert worker[0]["state"] == "online"
    assert str(worker[0]["session_id"]) == ack["session_id"]
    await agent.close()

    async def offline() -> bool:
        rows = await query(
            brain, "SELECT state::text FROM agents WHERE id = $1", uuid.UUID(ack["agent_id"])
        )
        return rows[0]["state"] == "offline"

    await eventually(offline)


async def test_bad_or_missing_token_closes_4401(brain: Brain) -> None:
    agent = await agent_for(brain)
    await agent.open(token="not-a-token")
    await agent.send_hello_quietly()
    assert await agent.closed_with() == CloseCode.BAD_TOKEN
    await agent.open(token="")
    assert await agent.closed_with() == CloseCode.BAD_TOKEN


async def test_first_frame_must_be_hello(brain: Brain) -> None:
    agent = await agent_for(brain)
    ws = await agent.open()
    await ws.send(msgspec.json.encode({"v": 2, "id": "hb_1", "type": "heartbeat", "payload": {}}))
    assert await agent.closed_with() == CloseCode.MALFORMED
    ws = await agent.open()
    await ws.send(b"\x00\xffnot json")
    assert await agent.closed_with() == CloseCode.MALFORMED


async def test_unsupported_protocol_version_closes_4426(brain: Brain) -> None:
    agent = await agent_for(brain)
    ws = await agent.open()
    await ws.send(msgspec.json.encode(hello_frame(protocol_version="3")))
    assert await agent.closed_with() == CloseCode.UNSUPPORTED_VERSION


async def test_event_batch_is_acked_after_storage_and_resends_are_stored_once(brain: Brain) -> None:
    agent = await agent_for(brain)
    await agent.connect()
    events = [
        event("task.started", task_id="t-1"),
        event("task.succeeded", task_id="t-1", result={"ok": 1}),
    ]
    frame_id = await agent.send_events(events)
    ack = await agent.recv_type("event_batch_ack")
    assert ack["id"] == f"eba_{frame_id}"
    assert ack["payload"] == {"acked_id": frame_id, "received": 2, "accepted": 2, "rejected": 0}
    # The same frame again (an agent that missed the ack): new seq/nonce/ts, same ids.
    await agent.send_events(events, frame_id=frame_id)
    again = await agent.recv_type("event_batch_ack")
    assert again["payload"]["accepted"] == 0
    ids = [uuid.UUID(e["id"]) for e in events]
    stored = await query(brain, "SELECT count(*) AS n FROM events WHERE id = ANY($1::uuid[])", ids)
    assert stored[0]["n"] == 2
    task = await query(brain, "SELECT state::text, result FROM tasks WHERE task_id = 't-1'")
    assert task[0]["state"] == "success"
    await agent.close()


async def test_bad_events_are_rejected_and_good_ones_kept(brain: Brain) -> None:
    agent = await agent_for(brain)
    await agent.connect()
    good = event("task.started")
    bad = [
        {
            "id": "not-a-uuid",
            "kind": "task.started",
            "engine": "rq",
            "occurred_at": "2026-01-01T00:00:00Z",
            "data": {},
        },
        {"garbage": True},
        event("task.started", at=dt.datetime(2026, 1, 1, 0, 0)),
    ]
    frame_id = await agent.send_events([good, *bad])
    ack = await agent.recv_type("event_batch_ack")
    assert ack["payload"] == {"acked_id": frame_id, "received": 4, "accepted": 1, "rejected": 3}
    await agent.close()


async def test_forged_signature_closes_4403(brain: Brain) -> None:
    agent = await agent_for(brain)
    await agent.connect()
    assert agent.signer is not None
    frame = msgspec.json.decode(agent.signer.sign_frame("heartbeat", "hb_x", {"buffer_size": 0}))
    frame["payload"]["buffer_size"] = 1  # tampered after signing
    await agent.send_raw(msgspec.json.encode(frame))
    assert await agent.closed_with() == CloseCode.BAD_SIGNATURE


async def test_wrong_project_key_closes_4403(brain: Brain) -> None:
    agent = await agent_for(brain)
    other = await mint(brain)  # another project: another key
    await agent.connect()
    from z4j_core.keys import decode_project_key

    frame = {
        "v": 2,
        "id": "hb_y",
        "ts": _now(),
        "nonce": "n1",
        "seq": 1,
        "type": "heartbeat",
        "payload": {},
    }
    await agent.send_frame_dict(frame, key=decode_project_key(other.hmac_secret))
    assert await agent.closed_with() == CloseCode.BAD_SIGNATURE


async def test_replayed_seq_reused_nonce_and_skewed_ts_close_4403(brain: Brain) -> None:
    cases = [
        [{"seq": 5, "nonce": "a1"}, {"seq": 5, "nonce": "a2"}],  # replayed seq
        [{"seq": 1, "nonce": "same"}, {"seq": 2, "nonce": "same"}],  # reused nonce
        [{"seq": 1, "nonce": "b1", "ts": _now(-120)}],  # 2 minutes old
        [{"seq": 1, "nonce": "c1", "ts": "2026-11-23T10:00:00"}],  # naive timestamp
    ]
    for frames in cases:
        agent = await agent_for(brain)
        await agent.connect()
        for index, fields in enumerate(frames):
            frame = {
                "v": 2,
                "id": f"hb_{index}",
                "ts": _now(),
                "type": "heartbeat",
                "payload": {},
                **fields,
            }
            await agent.send_frame_dict(frame)
        assert await agent.closed_with() == CloseCode.BAD_SIGNATURE, frames


async def test_oversized_frame_closes_4400(brain: Brain) -> None:
    agent = await agent_for(brain)
    await agent.connect()
    await agent.send_raw(b'{"pad":"' + b"x" * 1_100_000 + b'"}')
    assert await agent.closed_with() == CloseCode.MALFORMED


async def test_signed_unknown_frame_type_closes_4400(brain: Brain) -> None:
    agent = await agent_for(brain)
    await agent.connect()
    await agent.send("bogus_type", "x_1", {})
    assert await agent.closed_with() == CloseCode.MALFORMED
    agent2 = await agent_for(brain)
    await agent2.connect()
    await agent2.send("hello_ack", "x_2", {})  # a brain-only frame from an agent
    assert await agent2.closed_with() == CloseCode.MALFORMED


async def test_idle_socket_closes_4408(brain: Brain) -> None:
    agent = await agent_for(brain)
    await agent.connect()
    assert await agent.closed_with(timeout=15) == CloseCode.IDLE_TIMEOUT


async def test_newer_connection_of_a_worker_displaces_the_older_4002(brain: Brain) -> None:
    minted = await mint(brain)
    first = RawAgent(brain.ws_url, minted.token, minted.hmac_secret)
    second = RawAgent(brain.ws_url, minted.token, minted.hmac_secret)
    await first.connect(worker_id="same-worker")
    await second.connect(worker_id="same-worker")
    assert await first.closed_with() == CloseCode.DISPLACED
    await second.send("heartbeat", "hb_1", {"buffer_size": 0})
    await second.close()


async def test_worker_cap_per_agent_closes_4429(brain: Brain) -> None:
    minted = await mint(brain)
    agents = [RawAgent(brain.ws_url, minted.token, minted.hmac_secret) for _ in range(4)]
    for agent in agents[:3]:
        await agent.connect()
    ws = await agents[3].open()
    await ws.send(msgspec.json.encode(hello_frame()))
    assert await agents[3].closed_with() == CloseCode.RATE_LIMITED
    for agent in agents[:3]:
        await agent.close()


async def test_revoking_the_token_closes_live_sockets_4003(brain: Brain) -> None:
    from z4j_brain.db.pool import connect
    from z4j_brain.services.agents import revoke_agent

    minted = await mint(brain)
    agent = RawAgent(brain.ws_url, minted.token, minted.hmac_secret)
    await agent.connect()
    conn = await connect(brain.dsn)
    try:
        assert await revoke_agent(conn, agent_id=minted.agent_id)
    finally:
        await conn.close()
    assert await agent.closed_with() == CloseCode.REVOKED
    again = RawAgent(brain.ws_url, minted.token, minted.hmac_secret)
    await again.open()
    await again.send_hello_quietly()
    assert await again.closed_with() == CloseCode.BAD_TOKEN


async def test_heartbeat_side_channels_are_stored(brain: Brain) -> None:
    agent = await agent_for(brain)
    ack = await agent.connect(worker_id="hb-worker")
    health = {"rq.broker_type": "redis", "rq.queue_depths": '{"default": 7, "high": 0}'}
    await agent.send(
        "heartbeat",
        "hb_1",
        {"buffer_size": 3, "dropped_events": 1, "adapter_health": health, "last_flush_at": None},
    )
    project_id = uuid.UUID(ack["project_id"])

    async def depths() -> dict[str, int]:
        rows = await query(
            brain, "SELECT name, depth FROM queues WHERE project_id = $1", project_id
        )
        return {r["name"]: r["depth"] for r in rows}

    assert await eventually(depths) == {"default": 7, "high": 0}
    worker = await query(
        brain,
        "SELECT buffer_size, dropped_events, adapter_health FROM agent_workers "
        "WHERE worker_id = 'hb-worker'",
    )
    assert (worker[0]["buffer_size"], worker[0]["dropped_events"]) == (3, 1)
    await agent.close()


async def test_command_round_trip_and_drain_on_connect(brain: Brain) -> None:
    from z4j_brain.db.pool import connect
    from z4j_brain.services.commands import issue_command

    minted = await mint(brain)
    conn = await connect(brain.dsn)
    try:
        # Issued while the agent is offline: delivered right after its handshake.
        early = await issue_command(
            conn,
            project_id=minted.project_id,
            agent_id=minted.agent_id,
            action="cancel_task",
            target={"type": "task", "id": "rq:1", "engine": "rq"},
            parameters={"engine": "rq", "task_id": "1"},
        )
        agent = RawAgent(brain.ws_url, minted.token, minted.hmac_secret)
        await agent.connect()
        command = await agent.recv_type("command")
        assert command["id"] == str(early.id)
        assert command["payload"]["action"] == "cancel_task"
        assert command["payload"]["timeout_seconds"] == 60
        await agent.send("command_ack", command["id"], {})
        await agent.send(
            "command_result",
            command["id"],
            {"status": "success", "result": {"noop": True}, "error": None},
        )
        # Issued while connected: delivered through NOTIFY.
        live = await issue_command(
            conn,
            project_id=minted.project_id,
            agent_id=minted.agent_id,
            action="retry_task",
            target={"type": "task", "id": "rq:2", "engine": "rq"},
            parameters={"engine": "rq", "task_id": "2"},
            idempotency_key="k1",
        )
        command = await agent.recv_type("command")
        assert command["id"] == str(live.id)
        await agent.send(
            "command_result", command["id"], {"status": "failed", "result": None, "error": "nope"}
        )
        same = await issue_command(
            conn,
            project_id=minted.project_id,
            agent_id=minted.agent_id,
            action="retry_task",
            target={},
            parameters={},
            idempotency_key="k1",
        )
        assert (same.id, same.created) == (live.id, False)

        async def finished() -> list[tuple[str, object, object]]:
            rows = await conn.fetch(
                "SELECT status::text, result, error FROM commands WHERE agent_id = $1 "
                "AND status IN ('completed', 'failed') ORDER BY issued_at",
                minted.agent_id,
            )
            return [(r["status"], r["result"], r["error"]) for r in rows] if len(rows) == 2 else []

        assert await eventually(finished) == [
            ("completed", {"noop": True}, None),
            ("failed", None, "nope"),
        ]
        await agent.close()
    finally:
        await conn.close()


def _now(offset_seconds: float = 0) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def test_pings_are_answered(brain: Brain) -> None:
    agent = await agent_for(brain)
    await agent.connect()
    assert agent.ws is not None
    pong = await agent.ws.ping()
    await asyncio.wait_for(pong, 5)
    await agent.close()
