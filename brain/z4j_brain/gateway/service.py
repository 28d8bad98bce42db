"""The gateway of one brain process: sessions, ingest, command delivery, cross-process bus."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket as sockets
import time
import uuid
from typing import Any

import asyncpg
from litestar import WebSocket
from z4j_core.frames import CommandResult
from z4j_core.protocol import CloseCode
from z4j_core.redaction import Redactor

from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import acquire, connect
from z4j_brain.db.queries import agents as aq
from z4j_brain.db.queries import commands as cq
from z4j_brain.db.queries import workers as wq
from z4j_brain.gateway import notify
from z4j_brain.gateway.handshake import Refused, handshake
from z4j_brain.gateway.ingest import IngestBatcher
from z4j_brain.gateway.registry import Registry
from z4j_brain.gateway.session import AgentSession, SessionClosed
from z4j_brain.security.ratelimit import KeyedRateLimit
from z4j_brain.services import commands as command_service
from z4j_brain.settings import Settings

log = logging.getLogger("z4j.gateway")

SWEEP_SECONDS = 2.0
MAX_COMMANDS_PER_DELIVERY = 100


class Gateway:
    """Everything /ws/agent needs in one process; Postgres is the only shared state."""

    def __init__(self, settings: Settings, dsn: Dsn, pool: asyncpg.Pool) -> None:
        self.settings = settings
        self.dsn = dsn
        self.pool = pool
        self.node = f"{sockets.gethostname()}:{os.getpid()}:{int(time.time())}"
        self.registry = Registry()
        self.batcher = IngestBatcher(pool, retention_days=settings.event_retention_days)
        self.redactor = Redactor(
            extra_key_patterns=settings.redaction_extra_key_patterns,
            extra_value_patterns=settings.redaction_extra_value_patterns,
        )
        self.connect_rate = KeyedRateLimit(settings.ws_connect_rate_per_minute, 60.0)
        self._tasks: list[asyncio.Task[None]] = []
        self._delivering: set[uuid.UUID] = set()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the batcher, the LISTEN loop and the delivery sweep."""
        await self.batcher.start()
        self._tasks = [
            asyncio.create_task(self._listen(), name="z4j-gateway-listen"),
            asyncio.create_task(self._sweep(), name="z4j-gateway-sweep"),
        ]

    async def stop(self) -> None:
        """Close sockets (1001), wait for their batches to commit, stop background work."""
        sessions = self.registry.all()
        for session in sessions:
            await session.close(CloseCode.GOING_AWAY, "brain shutting down")
        for session in sessions:
            await session.drain()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.batcher.stop()

    # -- one socket ----------------------------------------------------------------------------

    async def serve(self, socket: WebSocket[Any, Any, Any]) -> None:
        """Run one agent connection from upgrade to close."""
        await socket.accept()
        try:
            session = await handshake(self, socket)
        except Refused as refused:
            log.info("refused agent connection: %s %s", refused.code, refused.reason)
            with contextlib.suppress(Exception):
                await socket.close(code=refused.code, reason=refused.reason[:120])
            return
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # Database trouble is ours, not the agent's: 1011 puts it on the short retry schedule.
            log.warning("agent handshake failed on the database: %s", exc)
            with contextlib.suppress(Exception):
                await socket.close(
                    code=CloseCode.INTERNAL_ERROR, reason="brain storage unavailable"
                )
            return
        older = self.registry.register(session)
        if older is not None:
            await older.close(CloseCode.DISPLACED, "replaced by a newer connection")
        try:
            await self.deliver_pending(session.agent_id)
            await session.run()
        finally:
            self.registry.unregister(session)
            await session.drain()
            await self._disconnected(session)

    async def _disconnected(self, session: AgentSession) -> None:
        async with acquire(self.pool) as conn, conn.transaction():
            await wq.disconnect_worker(
                conn,
                agent_id=session.agent_id,
                worker_id=session.worker_id,
                session_id=session.session_id,
            )
            await aq.mark_agent_offline_if_idle(conn, id=session.agent_id)
            if await cq.release_unacked_commands(conn, session_id=session.session_id):
                await notify.publish(conn, notify.CommandQueued(agent_id=session.agent_id))

    # -- commands ------------------------------------------------------------------------------

    async def deliver_pending(self, agent_id: uuid.UUID) -> None:
        """Claim the agent's pending commands and write them to its newest session here."""
        if agent_id in self._delivering:
            return
        self._delivering.add(agent_id)
        try:
            while sessions := [s for s in self.registry.sessions(agent_id) if not s.closed]:
                session = sessions[0]
                async with acquire(self.pool) as conn:
                    rows = await cq.claim_pending_commands(
                        conn,
                        session_id=session.session_id,
                        agent_id=agent_id,
                        max_commands=MAX_COMMANDS_PER_DELIVERY,
                    )
                for row in rows:
                    try:
                        await session.send(
                            "command", str(row.id), command_service.command_frame_payload(row)
                        )
                    except SessionClosed:
                        break  # its close handler puts the unacked commands back to pending
                if len(rows) < MAX_COMMANDS_PER_DELIVERY:
                    return
        finally:
            self._delivering.discard(agent_id)

    async def command_acked(self, session: AgentSession, frame_id: str) -> None:
        """Record a command_ack (unknown ids are ignored: acks are advisory)."""
        command_id = _uuid_or_none(frame_id)
        if command_id is None:
            return
        async with acquire(self.pool) as conn:
            await cq.mark_command_acked(conn, id=command_id, agent_id=session.agent_id)

    async def command_result(self, session: AgentSession, frame: CommandResult) -> None:
        """Record a command_result for a command of this agent."""
        command_id = _uuid_or_none(frame.id)
        if command_id is None:
            log.warning(
                "command_result with a non-command id %r from %s", frame.id, session.agent_id
            )
            return
        payload = frame.payload
        async with acquire(self.pool) as conn:
            stored = await command_service.record_result(
                conn,
                command_id=command_id,
                agent_id=session.agent_id,
                succeeded=payload.status == "success",
                result=payload.result,
                error=payload.error,
            )
        if not stored:
            log.info(
                "ignored result for command %s (unknown, foreign or already final)", command_id
            )

    # -- cross-process bus ---------------------------------------------------------------------

    async def on_notification(self, message: notify.Message) -> None:
        """Act on a message from any brain process."""
        match message:
            case notify.CommandQueued(agent_id=agent_id):
                if self.registry.sessions(agent_id):
                    await self.deliver_pending(agent_id)
            case notify.Revoked(agent_id=agent_id):
                for session in self.registry.sessions(agent_id):
                    await session.close(CloseCode.REVOKED, "agent token revoked")
            case notify.Displaced(agent_id=agent_id, worker_id=worker_id, session_id=session_id):
                held = self.registry.get(agent_id, worker_id)
                if held is not None and held.session_id != session_id:
                    await held.close(CloseCode.DISPLACED, "replaced by a newer connection")

    async def _listen(self) -> None:
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await connect(self.dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())  # pyright: ignore[reportUnknownLambdaType]

                def on_payload(_conn: object, _pid: int, _channel: str, payload: str) -> None:
                    message = notify.decode(payload)
                    if message is not None:
                        task = asyncio.create_task(self.on_notification(message))
                        task.add_done_callback(_log_failure)

                await conn.add_listener(notify.CHANNEL, on_payload)  # pyright: ignore[reportArgumentType]
                await self._sweep_once()  # catch up on what was missed while not listening
                await lost.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("gateway listener: %s; reconnecting", exc)
            finally:
                if conn is not None:
                    conn.terminate()
            await asyncio.sleep(1.0)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self._sweep_once()
            except Exception as exc:
                log.warning("gateway sweep failed: %s", exc)

    async def _sweep_once(self) -> None:
        held = self.registry.agent_ids()
        if not held:
            return
        async with acquire(self.pool) as conn:
            waiting = await cq.agents_with_pending_commands(conn, agent_ids=held)
        for agent_id in waiting:
            await self.deliver_pending(agent_id)


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("gateway notification handler failed: %s", exc)
