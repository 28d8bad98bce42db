"""Agent tokens: mint (plaintext shown once), look up by keyed hash, revoke."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec
from z4j_core.keys import derive_project_key, encode_project_key, mint_token, token_hash

from z4j_brain.db.queries import agents as q
from z4j_brain.db.queries import projects as pq
from z4j_brain.db.queries._types import ConnectionLike
from z4j_brain.gateway import notify


class MintedAgent(msgspec.Struct, frozen=True, kw_only=True):
    """What the operator sees once: the token and the project signing key."""

    agent_id: uuid.UUID
    project_id: uuid.UUID
    name: str
    token: str
    hmac_secret: str


class AgentIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """Who a bearer token belongs to."""

    agent_id: uuid.UUID
    project_id: uuid.UUID
    name: str


class AgentError(Exception):
    """A refused agent operation, with a stable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def mint_agent(
    conn: ConnectionLike, *, secret: str, project_id: uuid.UUID, name: str
) -> MintedAgent:
    """Create an agent with a fresh token; only the token's keyed hash is stored."""
    name = name.strip()
    if not name or len(name) > 200:
        raise AgentError("invalid_name", "agent name must be 1 to 200 characters")
    if await pq.get_project_by_id(conn, id=project_id) is None:
        raise AgentError("project_not_found", f"no project {project_id}")
    token = mint_token()
    try:
        row = await q.create_agent(
            conn, project_id=project_id, name=name, token_hash=token_hash(secret, token)
        )
    except asyncpg.UniqueViolationError:
        raise AgentError(
            "agent_exists", f"the project already has an agent named {name!r}"
        ) from None
    assert row is not None
    key = derive_project_key(secret, project_id)
    return MintedAgent(
        agent_id=row.id,
        project_id=project_id,
        name=row.name,
        token=token,
        hmac_secret=encode_project_key(key),
    )


async def authenticate(conn: ConnectionLike, *, secret: str, token: str) -> AgentIdentity | None:
    """The agent a token belongs to, unless unknown, revoked or in an archived project."""
    if not token or len(token) > 512:
        return None
    row = await q.get_agent_by_token_hash(conn, token_hash=token_hash(secret, token))
    if row is None or row.revoked_at is not None or row.project_archived_at is not None:
        return None
    return AgentIdentity(agent_id=row.id, project_id=row.project_id, name=row.name)


async def revoke_agent(conn: ConnectionLike, *, agent_id: uuid.UUID) -> bool:
    """Revoke a token and tell every brain process to close its sockets (4003) at commit."""
    async with conn.transaction():
        row = await q.revoke_agent(conn, id=agent_id)
        if row is None:
            return False
        await notify.publish(conn, notify.Revoked(agent_id=agent_id))
    return True
