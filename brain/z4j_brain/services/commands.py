"""Commands: stored first, delivered by whichever brain process holds the agent, answered."""

from __future__ import annotations

import uuid
from typing import Any, cast

import msgspec

from z4j_brain.db.queries import commands as q
from z4j_brain.db.queries._types import ConnectionLike
from z4j_brain.db.queries.enums import CommandStatus
from z4j_brain.gateway import notify


class IssuedCommand(msgspec.Struct, frozen=True, kw_only=True):
    """A stored command (new, or the earlier one with the same idempotency key)."""

    id: uuid.UUID
    status: CommandStatus
    created: bool


async def issue_command(
    conn: ConnectionLike,
    *,
    project_id: uuid.UUID,
    agent_id: uuid.UUID,
    action: str,
    target: dict[str, Any],
    parameters: dict[str, Any],
    timeout_seconds: int = 60,
    issued_by: uuid.UUID | None = None,
    idempotency_key: str | None = None,
) -> IssuedCommand:
    """Store a command as pending and notify the processes (delivery happens after commit)."""
    async with conn.transaction():
        row = await q.insert_command(
            conn,
            project_id=project_id,
            agent_id=agent_id,
            action=action,
            target=target,
            parameters=parameters,
            idempotency_key=idempotency_key,
            issued_by=issued_by,
            timeout_seconds=timeout_seconds,
        )
        if row is None:
            assert idempotency_key is not None
            earlier = await q.get_command_by_idempotency_key(
                conn, project_id=project_id, idempotency_key=idempotency_key
            )
            assert earlier is not None
            return IssuedCommand(id=earlier.id, status=earlier.status, created=False)
        await notify.publish(conn, notify.CommandQueued(agent_id=agent_id))
    return IssuedCommand(id=row.id, status=row.status, created=True)


def command_frame_payload(row: q.ClaimPendingCommandsRow) -> dict[str, Any]:
    """The ``command`` frame payload the stock agents expect."""
    return {
        "action": row.action,
        "target": row.target,
        "parameters": row.parameters,
        "timeout_seconds": row.timeout_seconds,
        "issued_by": str(row.issued_by) if row.issued_by else None,
    }


async def record_result(
    conn: ConnectionLike,
    *,
    command_id: uuid.UUID,
    agent_id: uuid.UUID,
    succeeded: bool,
    result: Any,
    error: str | None,
) -> bool:
    """Store a command_result; False when the command was unknown, foreign or already final."""
    done = await q.complete_command(
        conn,
        id=command_id,
        agent_id=agent_id,
        status=CommandStatus.COMPLETED if succeeded else CommandStatus.FAILED,
        result=cast("dict[str, Any] | None", result) if isinstance(result, dict) else None,
        error=error[:8192] if error else None,
    )
    return done is not None
