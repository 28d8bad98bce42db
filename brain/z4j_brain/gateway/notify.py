"""Cross-process messages of the gateway over PostgreSQL LISTEN/NOTIFY.

Every brain process (granian worker or replica) listens on one channel. A notification is
sent inside the transaction that made the change, so it is delivered only after COMMIT; a
process that misses one (reconnecting listener) is covered by the periodic command sweep.
"""

from __future__ import annotations

import uuid

import msgspec

from z4j_brain.db.queries import meta
from z4j_brain.db.queries._types import ConnectionLike

CHANNEL = "z4j_gateway"


class CommandQueued(msgspec.Struct, frozen=True, kw_only=True, tag="command"):
    """A command for ``agent_id`` is pending: whoever holds the agent delivers it."""

    agent_id: uuid.UUID


class Revoked(msgspec.Struct, frozen=True, kw_only=True, tag="revoked"):
    """The agent's token was revoked: close its sockets with 4003."""

    agent_id: uuid.UUID


class Displaced(msgspec.Struct, frozen=True, kw_only=True, tag="displaced"):
    """A newer session of the same agent worker exists: close older ones with 4002."""

    agent_id: uuid.UUID
    worker_id: str
    session_id: uuid.UUID


Message = CommandQueued | Revoked | Displaced

_decoder = msgspec.json.Decoder(Message)


async def publish(conn: ConnectionLike, message: Message) -> None:
    """Queue ``message`` for every listening process (sent when the transaction commits)."""
    await meta.notify(conn, channel=CHANNEL, payload=msgspec.json.encode(message).decode())


def decode(payload: str) -> Message | None:
    """Parse a notification; ``None`` for anything malformed (never raises)."""
    try:
        return _decoder.decode(payload)
    except msgspec.DecodeError:
        return None
