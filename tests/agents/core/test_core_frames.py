"""decode_frame: every frame type as captured from stock 1.x traffic, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest
from z4j_core.errors import FrameError, ProtocolError, SignatureError, UnsupportedVersion
from z4j_core.frames import (
    AGENT_FRAME_TYPES,
    BRAIN_FRAME_TYPES,
    AgentStatus,
    Command,
    CommandAck,
    CommandResult,
    ErrorFrame,
    EventBatch,
    EventBatchAck,
    Heartbeat,
    Hello,
    HelloAck,
    RegistryDelta,
    decode_frame,
)
from z4j_core.protocol import MAX_FRAME_BYTES, CloseCode

CMD = "b9282f09-7ba5-4a5f-9b77-113b008ac793"
SIGNED: dict[str, Any] = {
    "ts": "2026-11-22T08:59:36.746953Z",
    "nonce": "wULojT9Wqx2cfHOuLtkJUg",
    "seq": 3,
    "hmac": "5" * 64,
}

CAPTURED: dict[str, tuple[type, str, dict[str, Any]]] = {
    "hello": (
        Hello,
        "hello_b5f7ca6d355ff1bf",
        {
            "protocol_version": "2",
            "agent_version": "1.13.0",
            "framework": "bare",
            "engines": ["rq"],
            "schedulers": [],
            "capabilities": {"rq": ["bulk_retry", "cancel_task", "retry_task"]},
            "host": {"name": "peer-rq-worker-1"},
            "worker_id": "bare-13587-1795337971101",
            "worker_role": None,
            "worker_pid": 13587,
            "worker_started_at": "2026-11-22T08:59:31.101350Z",
            "runtime_features": ["retry_by_reference", "external_schedule_protocol_v1"],
        },
    ),
    "hello_ack": (
        HelloAck,
        "hack_3407e1ef0628",
        {
            "protocol_version": "2",
            "brain_version": "1.13.0",
            "agent_id": "8dd11c2f-5c30-4ddb-b582-6c3f42562657",
            "project_id": "251ff506-7ace-4b8c-b934-2bb40b5b76e5",
            "session_id": "3407e1ef-0628-404a-81d4-07cf7cc22377",
            "heartbeat_interval_seconds": 10,
            "max_frame_size_bytes": 1048576,
        },
    ),
    "event_batch": (
        EventBatch,
        "ev_b5c1b9c8bf31d43f9cb494a4f23fabf0",
        {
            "events": [
                {
                    "id": "60719928-7987-4c86-8137-217ea5cb1c1e",
                    "kind": "task.started",
                    "engine": "rq",
                    "task_id": "45b2b433-5d6e-4bf5-884f-fa87b09bdf46",
                    "occurred_at": "2026-11-22T08:59:36.698306+00:00",
                    "data": {"task_name": "peer_tasks.ok", "queue": "default"},
                }
            ]
        },
    ),
    "event_batch_ack": (
        EventBatchAck,
        "eba_ev_b5c1b9c8bf31d43f9cb494a4f23fabf0",
        {
            "acked_id": "ev_b5c1b9c8bf31d43f9cb494a4f23fabf0",
            "received": 1,
            "accepted": 1,
            "rejected": 0,
        },
    ),
    "heartbeat": (
        Heartbeat,
        "hb_e4885d962351",
        {
            "buffer_size": 0,
            "last_flush_at": None,
            "dropped_events": 0,
            "telemetry_loss": {"buffer_id": "52dd39443e054e71ab9eb7da30facf33"},
            "adapter_health": {"rq.broker_type": "redis", "rq.queue_depths": "{}"},
        },
    ),
    "agent_status": (
        AgentStatus,
        "as_16eae242b689",
        {
            "telemetry_loss": {},
            "auth_failure_streak": 0,
            "protocol_failure_streak": 0,
            "connection_failure_streak": 0,
            "last_successful_connect_at": "2026-11-22T08:59:31.138258Z",
            "current_session_age_seconds": 0.006497,
            "buffer_depth": 1,
            "buffer_oldest_age_seconds": None,
            "agent_version": "1.13.0",
            "protocol_version": "2",
            "engines": ["rq"],
            "schedulers": [],
        },
    ),
    "command": (
        Command,
        CMD,
        {
            "action": "retry_task",
            "target": {"type": "task", "id": "rq:17d67146", "engine": "rq"},
            "parameters": {"engine": "rq", "task_id": "17d67146", "priority": "normal"},
            "timeout_seconds": 60,
            "issued_by": "b529d75e-1109-42db-8661-5f5c1a43960c",
            "delivery_claim_token": None,
        },
    ),
    "command_ack": (CommandAck, CMD, {"delivery_claim_token": None}),
    "command_result": (
        CommandResult,
        CMD,
        {
            "status": "success",
            "result": {"task_id": "17d67146", "queue": "default", "source": "dlq"},
            "error": None,
            "delivery_claim_token": None,
        },
    ),
    "registry_delta": (
        RegistryDelta,
        "rd_1",
        {"engine": "rq", "added": [{"name": "a.b"}], "removed": ["c.d"], "updated": []},
    ),
    "error": (
        ErrorFrame,
        "err_hb_1",
        {"code": "scheduler_upgrade_required", "message": "upgrade", "fatal": True},
    ),
}


def wire(frame_type: str, **override: Any) -> dict[str, Any]:
    _, frame_id, payload = CAPTURED[frame_type]
    signed = {} if frame_type in ("hello", "hello_ack") else SIGNED
    return {
        "v": 2,
        "id": frame_id,
        "ts": None,
        **signed,
        "type": frame_type,
        "payload": payload,
    } | override


@pytest.mark.parametrize("frame_type", sorted(CAPTURED))
def test_decode_every_captured_type(frame_type: str) -> None:
    cls, frame_id, payload = CAPTURED[frame_type]
    frame = decode_frame(wire(frame_type))
    assert type(frame) is cls
    assert frame.type == frame_type
    assert frame.id == frame_id
    for name, value in payload.items():
        if name != "telemetry_loss" or value:
            assert getattr(frame.payload, name) == value, name


def test_type_sets_cover_all_frames() -> None:
    assert set(CAPTURED) == AGENT_FRAME_TYPES | BRAIN_FRAME_TYPES
    assert {"error"} == AGENT_FRAME_TYPES & BRAIN_FRAME_TYPES


def test_unknown_fields_ignored() -> None:
    obj = wire("heartbeat", future_field=1)
    obj["payload"] = {**obj["payload"], "new_metric": {"x": 1}}
    frame = decode_frame(obj)
    assert isinstance(frame, Heartbeat)
    assert frame.payload.buffer_size == 0


def test_defaults_for_omitted_fields() -> None:
    hello = decode_frame(wire("hello", payload={"protocol_version": "2"}))
    assert isinstance(hello, Hello)
    assert hello.payload.engines == []
    assert hello.payload.worker_id is None
    ack = decode_frame(wire("command_ack", payload={}))
    assert isinstance(ack, CommandAck)
    hello_ack = decode_frame(
        wire(
            "hello_ack",
            payload={k: v for k, v in CAPTURED["hello_ack"][2].items() if "_b" not in k},
        )
    )
    assert isinstance(hello_ack, HelloAck)
    assert hello_ack.payload.max_frame_size_bytes == MAX_FRAME_BYTES


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"type": "bogus_type"}, "unknown frame type"),
        ({"type": None}, "type"),
        ({"id": ""}, "id"),
        ({"id": "x" * 65}, "id"),
        ({"v": "2"}, "v"),
        ({"v": True}, "v"),
        ({"v": None}, "v"),
        ({"seq": 0}, "seq"),
        ({"nonce": "n" * 33}, "nonce"),
        ({"payload": None}, "payload"),
        ({"payload": {"buffer_size": "many"}}, "buffer_size"),
    ],
)
def test_malformed_frames(override: dict[str, Any], reason: str) -> None:
    with pytest.raises(FrameError, match=reason) as info:
        decode_frame(wire("heartbeat", **override))
    assert info.value.close_code == CloseCode.MALFORMED == 4400
    assert len(str(info.value)) < 300


def test_missing_required_payload_fields() -> None:
    with pytest.raises(FrameError, match="status"):
        decode_frame(wire("command_result", payload={"result": None}))
    with pytest.raises(FrameError, match="status"):
        decode_frame(wire("command_result", payload={"status": "timeout"}))
    with pytest.raises(FrameError, match="protocol_version"):
        decode_frame(wire("hello", payload={}))
    with pytest.raises(FrameError, match="payload"):
        decode_frame({k: v for k, v in wire("heartbeat").items() if k != "payload"})


def test_id_of_64_chars_ok() -> None:
    assert decode_frame(wire("heartbeat", id="x" * 64)).id == "x" * 64


@pytest.mark.parametrize("version", [1, 3, 0])
def test_other_wire_version_unsupported(version: int) -> None:
    with pytest.raises(UnsupportedVersion) as info:
        decode_frame(wire("heartbeat", v=version))
    assert info.value.close_code == CloseCode.UNSUPPORTED_VERSION == 4426


def test_events_stay_raw() -> None:
    frame = decode_frame(wire("event_batch", payload={"events": [1, "x", {"id": "bad"}]}))
    assert isinstance(frame, EventBatch)
    assert frame.payload.events == [1, "x", {"id": "bad"}]


def test_error_hierarchy() -> None:
    for exc in (FrameError, SignatureError, UnsupportedVersion):
        assert issubclass(exc, ProtocolError)
    assert SignatureError("x").close_code == 4403
