"""A raw protocol-v2 agent for tests: real WebSocket, our z4j_core signer, no buffering magic.

It does exactly what a test tells it, including things a good agent never does (forged
signatures, replays, garbage), so the brain's answers to each can be asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from typing import Any

import msgspec
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from z4j_core.keys import decode_project_key
from z4j_core.signing import FrameSigner, SessionBinding, sign


def hello_frame(**payload: Any) -> dict[str, Any]:
    """A stock-looking hello; keyword arguments override payload fields."""
    body: dict[str, Any] = {
        "protocol_version": "2",
        "agent_version": "1.13.0",
        "framework": "bare",
        "engines": ["rq"],
        "schedulers": [],
        "capabilities": {"rq": ["retry_task", "cancel_task", "purge_queue"]},
        "host": {"name": "test-host"},
        "worker_id": f"bare-{uuid.uuid4().hex[:8]}",
        "worker_role": "task",
        "worker_pid": 4242,
        "worker_started_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    body.update(payload)
    return {
        "v": 2,
        "id": f"hello_{uuid.uuid4().hex[:16]}",
        "ts": None,
        "type": "hello",
        "payload": body,
    }


def event(
    kind: str = "task.started",
    *,
    task_id: str | None = None,
    at: dt.datetime | None = None,
    **data: Any,
) -> dict[str, Any]:
    """One wire event with a fresh id."""
    occurred = (at or dt.datetime.now(dt.UTC)).isoformat()
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "engine": "rq",
        "task_id": task_id or str(uuid.uuid4()),
        "occurred_at": occurred,
        "data": {"task_name": "app.tasks.job", "queue": "default", "worker": "w1", **data},
    }


class RawAgent:
    """One connection of a test agent."""

    def __init__(self, ws_url: str, token: str, hmac_secret: str) -> None:
        self.ws_url = ws_url
        self.token = token
        self.key = decode_project_key(hmac_secret)
        self.ws: ClientConnection | None = None
        self.ack: dict[str, Any] = {}
        self.signer: FrameSigner | None = None
        self.binding: SessionBinding | None = None

    async def open(self, *, token: str | None = None) -> ClientConnection:
        """Open the socket (no hello yet)."""
        headers = {"Authorization": f"Bearer {token if token is not None else self.token}"}
        self.ws = await websockets.connect(self.ws_url, additional_headers=headers, max_size=None)
        return self.ws

    async def connect(self, **hello_payload: Any) -> dict[str, Any]:
        """Open, send hello, return hello_ack's payload; sets up signing."""
        ws = await self.open()
        await ws.send(msgspec.json.encode(hello_frame(**hello_payload)))
        self.ack = msgspec.json.decode(await asyncio.wait_for(ws.recv(), 10))
        assert self.ack["type"] == "hello_ack", self.ack
        payload = self.ack["payload"]
        self.binding = SessionBinding(
            agent_id=payload["agent_id"],
            project_id=payload["project_id"],
            session_id=payload["session_id"],
        )
        self.signer = FrameSigner(self.key, self.binding)
        return payload

    async def send_hello_quietly(self) -> None:
        """Send hello, tolerating a brain that already closed (it checks the token first)."""
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(msgspec.json.encode(hello_frame()))

    async def send_raw(self, data: bytes | str) -> None:
        """Send bytes exactly as given."""
        assert self.ws is not None
        await self.ws.send(data)

    async def send(self, frame_type: str, frame_id: str, payload: dict[str, Any]) -> None:
        """Send a correctly signed frame."""
        assert self.signer is not None
        await self.send_raw(self.signer.sign_frame(frame_type, frame_id, payload))

    async def send_frame_dict(self, frame: dict[str, Any], *, key: bytes | None = None) -> None:
        """Sign an arbitrary frame dict (any ts/seq/nonce) and send it."""
        assert self.binding is not None
        body = {k: v for k, v in frame.items() if k != "hmac"}
        body["hmac"] = sign(key or self.key, body, self.binding)
        await self.send_raw(msgspec.json.encode(body))

    async def send_events(self, events: list[dict[str, Any]], frame_id: str | None = None) -> str:
        """Send one event_batch; returns its frame id."""
        frame_id = frame_id or f"ev_{uuid.uuid4().hex}"
        await self.send("event_batch", frame_id, {"events": events})
        return frame_id

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        """The next frame from the brain, decoded."""
        assert self.ws is not None
        return msgspec.json.decode(await asyncio.wait_for(self.ws.recv(), timeout))

    async def recv_type(self, frame_type: str, timeout: float = 10) -> dict[str, Any]:
        """Skip frames until one of ``frame_type`` arrives."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.recv(timeout)
                if frame["type"] == frame_type:
                    return frame

    async def closed_with(self, timeout: float = 10) -> int | None:
        """Read until the brain closes; returns its close code."""
        assert self.ws is not None
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    async def close(self) -> None:
        """Close normally (ignores an already closed socket)."""
        if self.ws is not None:
            await self.ws.close()
