"""The frames of protocol v2 as msgspec Structs, one tagged union on ``type``.

Unknown fields are ignored (additions within version 2 must not break older peers); every
payload field beyond the essentials has a default, because the stock agents omit some. Limits
follow the 1.x schema so an oversized field is refused as malformed instead of being stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeAlias, cast

import msgspec

from z4j_core.errors import FrameError, UnsupportedVersion
from z4j_core.protocol import MAX_FRAME_BYTES, WIRE_VERSION

FrameId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Nonce = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
Seq = Annotated[int, msgspec.Meta(ge=1)]
Hmac = Annotated[str, msgspec.Meta(max_length=128)]
Name = Annotated[str, msgspec.Meta(max_length=80)]
Names = Annotated[list[str], msgspec.Meta(max_length=64)]
Count = Annotated[int, msgspec.Meta(ge=0)]
Message = Annotated[str, msgspec.Meta(max_length=8192)]
RegistryList = Annotated[list[Any], msgspec.Meta(max_length=10_000)]


class _Payload(msgspec.Struct, kw_only=True):
    """Base of every payload; unknown fields are dropped on decode."""


class HelloPayload(_Payload):
    """Agent → brain, first frame, unsigned."""

    protocol_version: str
    agent_version: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    framework: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    engines: Names = msgspec.field(default_factory=list[str])
    schedulers: Names = msgspec.field(default_factory=list[str])
    capabilities: dict[str, list[str]] = msgspec.field(default_factory=dict[str, list[str]])
    host: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])
    worker_id: Annotated[str, msgspec.Meta(max_length=128)] | None = None
    worker_role: Name | None = None
    worker_pid: int | None = None
    worker_started_at: str | None = None
    runtime_features: list[str] = msgspec.field(default_factory=list[str])


class HelloAckPayload(_Payload):
    """Brain → agent, unsigned; the three ids become the session binding."""

    protocol_version: str
    brain_version: str
    agent_id: str
    project_id: str
    session_id: str
    heartbeat_interval_seconds: Annotated[int, msgspec.Meta(ge=1, le=3600)] = 10
    max_frame_size_bytes: Annotated[int, msgspec.Meta(ge=1024, le=64 * 1024 * 1024)] = (
        MAX_FRAME_BYTES
    )


class EventBatchPayload(_Payload):
    """Agent → brain. Events stay raw here; ``events.parse_event`` validates them one by one
    so one bad event is rejected alone instead of failing the whole frame."""

    events: list[Any]


class EventBatchAckPayload(_Payload):
    """Brain → agent, only after the batch is durable; ``acked_id`` is the batch frame id."""

    acked_id: FrameId
    received: Count = 0
    accepted: Count = 0
    rejected: Count = 0


class HeartbeatPayload(_Payload):
    """Agent → brain. ``adapter_health`` is str → str on the stock agents (JSON in strings)."""

    buffer_size: int | None = None
    last_flush_at: str | None = None
    dropped_events: int | None = None
    adapter_health: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])
    telemetry_loss: dict[str, Any] | None = None


class AgentStatusPayload(_Payload):
    """Agent → brain, after each heartbeat: connection health and buffer state."""

    auth_failure_streak: int | None = None
    protocol_failure_streak: int | None = None
    connection_failure_streak: int | None = None
    last_successful_connect_at: str | None = None
    current_session_age_seconds: float | None = None
    buffer_depth: int | None = None
    buffer_oldest_age_seconds: float | None = None
    agent_version: str | None = None
    protocol_version: str | None = None
    engines: list[str] = msgspec.field(default_factory=list[str])
    schedulers: list[str] = msgspec.field(default_factory=list[str])
    telemetry_loss: dict[str, Any] | None = None


class CommandPayload(_Payload):
    """Brain → agent; the frame ``id`` is the command id."""

    action: Name
    target: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])
    parameters: dict[str, Any] = msgspec.field(default_factory=dict[str, Any])
    timeout_seconds: Annotated[int, msgspec.Meta(ge=1, le=3600)] = 60
    issued_by: str | None = None
    delivery_claim_token: str | None = None


class CommandAckPayload(_Payload):
    """Agent → brain, before the command runs; normally empty."""

    delivery_claim_token: str | None = None


class CommandResultPayload(_Payload):
    """Agent → brain; ``status`` is only success or failed (timeout is a brain-side state)."""

    status: Literal["success", "failed"]
    result: dict[str, Any] | None = None
    error: Message | None = None
    delivery_claim_token: str | None = None


class RegistryDeltaPayload(_Payload):
    """Agent → brain: task definitions that appeared, vanished or changed."""

    engine: str
    added: RegistryList = msgspec.field(default_factory=list[Any])
    removed: RegistryList = msgspec.field(default_factory=list[Any])
    updated: RegistryList = msgspec.field(default_factory=list[Any])


class ErrorPayload(_Payload):
    """Either direction; a stock agent closes on ``fatal: true``."""

    code: Name
    message: Message = ""
    fatal: bool = False


class _Frame(msgspec.Struct, kw_only=True, tag_field="type"):
    """The envelope shared by every frame; ``type`` is the union tag."""

    v: int
    id: FrameId
    ts: str | None = None
    nonce: Nonce | None = None
    seq: Seq | None = None
    hmac: Hmac | None = None

    @property
    def type(self) -> str:
        """The frame type (the union tag)."""
        return cast("str", self.__struct_config__.tag)


class Hello(_Frame, tag="hello"):
    """See :class:`HelloPayload`."""

    payload: HelloPayload


class HelloAck(_Frame, tag="hello_ack"):
    """See :class:`HelloAckPayload`."""

    payload: HelloAckPayload


class EventBatch(_Frame, tag="event_batch"):
    """See :class:`EventBatchPayload`."""

    payload: EventBatchPayload


class EventBatchAck(_Frame, tag="event_batch_ack"):
    """See :class:`EventBatchAckPayload`."""

    payload: EventBatchAckPayload


class Heartbeat(_Frame, tag="heartbeat"):
    """See :class:`HeartbeatPayload`."""

    payload: HeartbeatPayload


class AgentStatus(_Frame, tag="agent_status"):
    """See :class:`AgentStatusPayload`."""

    payload: AgentStatusPayload


class Command(_Frame, tag="command"):
    """See :class:`CommandPayload`."""

    payload: CommandPayload


class CommandAck(_Frame, tag="command_ack"):
    """See :class:`CommandAckPayload`."""

    payload: CommandAckPayload = msgspec.field(default_factory=CommandAckPayload)


class CommandResult(_Frame, tag="command_result"):
    """See :class:`CommandResultPayload`."""

    payload: CommandResultPayload


class RegistryDelta(_Frame, tag="registry_delta"):
    """See :class:`RegistryDeltaPayload`."""

    payload: RegistryDeltaPayload


class ErrorFrame(_Frame, tag="error"):
    """See :class:`ErrorPayload`."""

    payload: ErrorPayload


Frame: TypeAlias = (
    Hello
    | HelloAck
    | EventBatch
    | EventBatchAck
    | Heartbeat
    | AgentStatus
    | Command
    | CommandAck
    | CommandResult
    | RegistryDelta
    | ErrorFrame
)

AGENT_FRAME_TYPES: frozenset[str] = frozenset(
    {
        "hello",
        "event_batch",
        "heartbeat",
        "agent_status",
        "command_ack",
        "command_result",
        "registry_delta",
        "error",
    }
)
BRAIN_FRAME_TYPES: frozenset[str] = frozenset({"hello_ack", "event_batch_ack", "command", "error"})
FRAME_TYPES: frozenset[str] = AGENT_FRAME_TYPES | BRAIN_FRAME_TYPES

_MAX_REASON_CHARS = 200


def decode_frame(obj: Mapping[str, Any]) -> Frame:
    """Validate a decoded JSON object as a frame.

    Raises :class:`UnsupportedVersion` when ``v`` is an integer other than 2, and
    :class:`FrameError` with a short reason for anything else that does not fit the schema.
    Signatures are not checked here: verify before decoding.
    """
    v = obj.get("v")
    if type(v) is int and v != WIRE_VERSION:
        raise UnsupportedVersion(f"frame version {v} is not supported")
    if type(obj.get("type")) is str and obj["type"] not in FRAME_TYPES:
        raise FrameError(f"unknown frame type {str(obj['type'])[:64]!r}")
    try:
        return msgspec.convert(obj if isinstance(obj, dict) else dict(obj), Frame)
    except msgspec.ValidationError as exc:
        raise FrameError(f"invalid frame: {str(exc)[:_MAX_REASON_CHARS]}") from None
