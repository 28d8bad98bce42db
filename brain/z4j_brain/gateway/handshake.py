"""The first exchange on /ws/agent: bearer token, ``hello``, ``hello_ack``.

The upgrade is always accepted first and refusals are application close codes (4401, 4426,
4429, 4400), as the stock agents expect: they read the code to choose their reconnect
schedule, and an HTTP 401 would look like a network failure to them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import WebSocket
from z4j_core.errors import ProtocolError
from z4j_core.frames import Hello, decode_frame
from z4j_core.keys import derive_project_key
from z4j_core.protocol import PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, CloseCode
from z4j_core.replay import ReplayGuard, parse_ts
from z4j_core.signing import FrameSigner, FrameVerifier, SessionBinding

from z4j_brain import __version__
from z4j_brain.db.pool import acquire
from z4j_brain.db.queries import agents as aq
from z4j_brain.db.queries import workers as wq
from z4j_brain.gateway import notify
from z4j_brain.gateway.session import AgentSession
from z4j_brain.services.agents import authenticate

if TYPE_CHECKING:
    from z4j_brain.gateway.service import Gateway

log = logging.getLogger("z4j.gateway")

HELLO_TIMEOUT = 10.0
_json = msgspec.json.Decoder()


class Refused(Exception):
    """The handshake failed; close with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def bearer_token(socket: WebSocket[Any, Any, Any]) -> str:
    """The token from ``Authorization: Bearer <token>`` (empty when absent)."""
    header = socket.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def read_hello(gateway: Gateway, socket: WebSocket[Any, Any, Any]) -> Hello:
    """The first frame, which must be an unsigned ``hello`` in a supported version."""
    try:
        message = await asyncio.wait_for(socket.receive(), HELLO_TIMEOUT)
    except TimeoutError:
        raise Refused(CloseCode.IDLE_TIMEOUT, "no hello") from None
    if message["type"] == "websocket.disconnect":
        raise Refused(CloseCode.NORMAL, "closed before hello")
    raw: bytes | str = message.get("bytes") or message.get("text") or b""
    if len(raw) > gateway.settings.ws_max_frame_bytes:
        raise Refused(CloseCode.MALFORMED, "frame too large")
    try:
        obj = _json.decode(raw)
    except msgspec.DecodeError:
        raise Refused(CloseCode.MALFORMED, "hello is not JSON") from None
    if not isinstance(obj, dict) or obj.get("type") != "hello":  # pyright: ignore[reportUnknownMemberType]
        raise Refused(CloseCode.MALFORMED, "the first frame must be hello")
    try:
        frame = decode_frame(obj)  # pyright: ignore[reportUnknownArgumentType]
    except ProtocolError as exc:
        raise Refused(exc.close_code, str(exc)) from None
    if not isinstance(frame, Hello):
        raise Refused(CloseCode.MALFORMED, "the first frame must be hello")
    if frame.payload.protocol_version not in SUPPORTED_PROTOCOL_VERSIONS:
        raise Refused(
            CloseCode.UNSUPPORTED_VERSION, f"protocol {frame.payload.protocol_version} unsupported"
        )
    return frame


async def handshake(gateway: Gateway, socket: WebSocket[Any, Any, Any]) -> AgentSession:
    """Authenticate, read hello, register the worker, answer hello_ack; raises Refused."""
    settings = gateway.settings
    client = socket.client.host if socket.client else "unknown"
    if not gateway.connect_rate.allow(client):
        raise Refused(CloseCode.RATE_LIMITED, "too many connection attempts")
    token = bearer_token(socket)
    async with acquire(gateway.pool) as conn:
        identity = await authenticate(conn, secret=settings.secret, token=token)
    if identity is None:
        raise Refused(CloseCode.BAD_TOKEN, "unknown or revoked agent token")
    hello = await read_hello(gateway, socket)
    payload = hello.payload
    worker_id = (payload.worker_id or str(identity.agent_id))[:200]
    session_id = uuid.uuid4()
    async with acquire(gateway.pool) as conn, conn.transaction():
        others = await wq.count_other_online_workers(
            conn, agent_id=identity.agent_id, worker_id=worker_id
        )
        if (others or 0) >= settings.ws_max_workers_per_agent:
            raise Refused(CloseCode.RATE_LIMITED, "too many workers for this agent")
        await aq.mark_agent_connected(
            conn,
            id=identity.agent_id,
            protocol_version=payload.protocol_version,
            agent_version=payload.agent_version,
            framework=payload.framework,
            engines=list(payload.engines),
            schedulers=list(payload.schedulers),
            capabilities=payload.capabilities,
            host=payload.host,
        )
        await wq.connect_worker(
            conn,
            agent_id=identity.agent_id,
            worker_id=worker_id,
            project_id=identity.project_id,
            role=payload.worker_role,
            framework=payload.framework,
            pid=payload.worker_pid if isinstance(payload.worker_pid, int) else None,
            started_at=_parse_started(payload.worker_started_at),
            host=payload.host,
            session_id=session_id,
            brain_node=gateway.node,
        )
        await notify.publish(
            conn,
            notify.Displaced(
                agent_id=identity.agent_id, worker_id=worker_id, session_id=session_id
            ),
        )
    binding = SessionBinding(
        agent_id=str(identity.agent_id),
        project_id=str(identity.project_id),
        session_id=str(session_id),
    )
    key = derive_project_key(settings.secret, identity.project_id)
    session = AgentSession(
        gateway=gateway,
        socket=socket,
        agent_id=identity.agent_id,
        project_id=identity.project_id,
        worker_id=worker_id,
        session_id=session_id,
        signer=FrameSigner(key, binding),
        verifier=FrameVerifier(key, binding, guard=ReplayGuard()),
    )
    ack = {
        "v": 2,
        "id": f"hack_{session_id.hex[:12]}",
        "ts": _now_iso(),
        "type": "hello_ack",
        "payload": {
            "protocol_version": PROTOCOL_VERSION,
            "brain_version": __version__,
            "agent_id": binding.agent_id,
            "project_id": binding.project_id,
            "session_id": binding.session_id,
            "heartbeat_interval_seconds": settings.ws_heartbeat_interval_seconds,
            "max_frame_size_bytes": settings.ws_max_frame_bytes,
        },
    }
    await socket.send_bytes(msgspec.json.encode(ack))
    log.info(
        "agent %s (%s) worker %s connected, session %s",
        identity.name,
        identity.agent_id,
        worker_id,
        session_id,
    )
    return session


def _parse_started(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_ts(value)
    except ValueError:
        return None


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
