"""One agent WebSocket after the handshake: verify, dispatch, ack, deliver commands.

Frames are read in order; ``event_batch`` frames are handed to the process-wide batcher
without waiting for their commit, so a stock agent's 256 in-flight batches are stored in a
few group commits. Each ack is sent after its batch committed. At most
``MAX_INFLIGHT_BATCHES`` batches per socket wait for storage: past that the reader stops
reading, which is the backpressure an agent sees when PostgreSQL is slower than it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING, Any, NoReturn

import msgspec
from litestar import WebSocket
from z4j_core.errors import FrameError, ProtocolError
from z4j_core.events import EventError, parse_event
from z4j_core.frames import (
    AgentStatus,
    CommandAck,
    CommandResult,
    ErrorFrame,
    EventBatch,
    Heartbeat,
    RegistryDelta,
    decode_frame,
)
from z4j_core.protocol import CloseCode
from z4j_core.signing import FrameSigner, FrameVerifier

from z4j_brain.gateway import heartbeat
from z4j_brain.gateway.ingest import IngestEvent

if TYPE_CHECKING:
    from z4j_brain.gateway.service import Gateway

log = logging.getLogger("z4j.gateway")

MAX_INFLIGHT_BATCHES = 256
_json = msgspec.json.Decoder()


class SessionClosed(Exception):
    """The socket is gone; nothing more can be sent."""


class AgentSession:
    """State of one connected agent worker."""

    def __init__(
        self,
        *,
        gateway: Gateway,
        socket: WebSocket[Any, Any, Any],
        agent_id: uuid.UUID,
        project_id: uuid.UUID,
        worker_id: str,
        session_id: uuid.UUID,
        signer: FrameSigner,
        verifier: FrameVerifier,
    ) -> None:
        self.gateway = gateway
        self.socket = socket
        self.agent_id = agent_id
        self.project_id = project_id
        self.worker_id = worker_id
        self.session_id = session_id
        self.connected_at = dt.datetime.now(dt.UTC)
        self._signer = signer
        self._verifier = verifier
        self._send_lock = asyncio.Lock()
        self._inflight = asyncio.Semaphore(MAX_INFLIGHT_BATCHES)
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = False
        self._stopped = asyncio.Event()
        self._reader: asyncio.Task[Any] | None = None
        self._close_frame: tuple[int, str] | None = None

    # -- sending -------------------------------------------------------------------------------

    async def send(self, frame_type: str, frame_id: str, payload: dict[str, Any]) -> None:
        """Sign and send one frame; seq order equals send order because both happen locked."""
        async with self._send_lock:
            if self.closed:
                raise SessionClosed
            data = self._signer.sign_frame(frame_type, frame_id, payload)
            try:
                await self.socket.send_bytes(data)
            except Exception as exc:  # the peer vanished mid-send
                self.closed = True
                raise SessionClosed from exc

    async def close(self, code: int, reason: str = "") -> None:
        """Close the socket once with an application close code.

        The close frame is always written by the task that reads the socket: granian's close
        waits for the peer's reply, which only a reader gets, so a close from another task
        (revocation, displacement, shutdown) wakes the reader, which then stops reading,
        sends the close and returns, and the server drops the connection.
        """
        if self.closed:
            return
        self.closed = True
        self._close_frame = (code, reason[:120])
        log.info("closing agent %s worker %s: %s %s", self.agent_id, self.worker_id, code, reason)
        if self._reader is None or self._reader is asyncio.current_task():
            await self._send_close()
        else:
            self._stopped.set()

    async def _send_close(self) -> None:
        if self._close_frame is None:
            return
        code, reason = self._close_frame
        self._close_frame = None
        with contextlib.suppress(Exception):  # already closed by the peer: nothing to tell it
            await self.socket.close(code=code, reason=reason)

    # -- receiving -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Read frames until the socket closes or a protocol error closes it."""
        self._reader = asyncio.current_task()
        stopped = asyncio.ensure_future(self._stopped.wait())
        try:
            await self._read_loop(stopped)
        finally:
            stopped.cancel()
            await self._send_close()

    async def _read_loop(self, stopped: asyncio.Future[Any]) -> None:
        settings = self.gateway.settings
        while not self.closed:
            receiving = asyncio.ensure_future(self.socket.receive())
            done, _ = await asyncio.wait(
                {receiving, stopped},
                timeout=settings.ws_idle_timeout_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if receiving not in done:
                # Closed from elsewhere (revoked, displaced, shutdown) or idle: stop waiting
                # for the peer, so the handler returns and the server ends the connection.
                receiving.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await receiving
                if stopped not in done:
                    await self.close(CloseCode.IDLE_TIMEOUT, "idle timeout")
                return
            message = receiving.result()
            if message["type"] == "websocket.disconnect":
                self.closed = True  # the peer is gone: no close frame to send
                return
            raw: bytes | str | None = message.get("bytes") or message.get("text")
            if raw is None:
                continue
            size = len(raw) if isinstance(raw, bytes) else len(raw.encode())
            if size > settings.ws_max_frame_bytes:
                await self.close(CloseCode.MALFORMED, "frame too large")
                return
            try:
                await self._handle(raw)
            except ProtocolError as exc:
                await self.close(exc.close_code, str(exc))
                return

    async def _handle(self, raw: bytes | str) -> None:
        try:
            obj = _json.decode(raw)
        except msgspec.DecodeError:
            raise_malformed("frame is not JSON")
        if not isinstance(obj, dict):
            raise_malformed("frame is not a JSON object")
        self._verifier.verify(obj)  # pyright: ignore[reportUnknownArgumentType]
        frame = decode_frame(obj)  # pyright: ignore[reportUnknownArgumentType]
        match frame:
            case EventBatch():
                await self._inflight.acquire()
                task = asyncio.create_task(self._ingest(frame))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            case Heartbeat():
                await heartbeat.record_heartbeat(self, frame.payload)
            case AgentStatus():
                await heartbeat.record_status(self, frame)
            case CommandAck():
                await self.gateway.command_acked(self, frame.id)
            case CommandResult():
                await self.gateway.command_result(self, frame)
            case RegistryDelta():
                log.debug("registry_delta from %s: %s", self.agent_id, frame.payload)
            case ErrorFrame():
                log.warning(
                    "agent %s reported %s: %s",
                    self.agent_id,
                    frame.payload.code,
                    frame.payload.message,
                )
                if frame.payload.fatal:
                    await self.close(CloseCode.NORMAL, "agent reported a fatal error")
            case _:
                raise_malformed(f"{frame.type} is not a frame an agent sends")

    async def _ingest(self, frame: EventBatch) -> None:
        try:
            events, rejected, errors = self._parse_events(frame)
            result = await self.gateway.batcher.submit(events)
        except Exception:
            # Not durable: no ack, so the agent resends; closing makes it resend now.
            log.exception("storing batch %s from agent %s failed", frame.id, self.agent_id)
            await self.close(CloseCode.INTERNAL_ERROR, "storage unavailable, resend")
            self._inflight.release()
            return
        self._inflight.release()
        if errors:
            log.info("agent %s batch %s: rejected %s", self.agent_id, frame.id, errors[:5])
        payload = {
            "acked_id": frame.id,
            "received": len(frame.payload.events),
            "accepted": result.accepted,
            "rejected": rejected + result.rejected,
        }
        with contextlib.suppress(SessionClosed):  # stored; the agent resends and we dedupe
            await self.send("event_batch_ack", f"eba_{frame.id}"[:64], payload)

    def _parse_events(self, frame: EventBatch) -> tuple[list[IngestEvent], int, list[str]]:
        redact = self.gateway.redactor.redact
        events: list[IngestEvent] = []
        errors: list[str] = []
        for obj in frame.payload.events:
            try:
                event = parse_event(obj)
            except EventError as exc:
                errors.append(str(exc))
                continue
            events.append(
                IngestEvent(
                    project_id=self.project_id,
                    agent_id=self.agent_id,
                    id=event.id,
                    engine=event.engine,
                    task_id=event.task_id,
                    kind=event.kind.value,
                    occurred_at=event.occurred_at,
                    data=redact(event.data),
                )
            )
        return events, len(errors), errors

    async def drain(self) -> None:
        """Wait for this socket's batches that are still being stored."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def raise_malformed(reason: str) -> NoReturn:
    """Close with 4400 through the ProtocolError path."""
    raise FrameError(reason)
