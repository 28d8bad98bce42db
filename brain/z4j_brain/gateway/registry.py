"""The agent sessions this process holds, by agent and worker."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from z4j_brain.gateway.session import AgentSession


class Registry:
    """One open session per (agent, worker) in this process; newer displaces older."""

    def __init__(self) -> None:
        self._by_agent: dict[uuid.UUID, dict[str, AgentSession]] = {}

    def register(self, session: AgentSession) -> AgentSession | None:
        """Add ``session``; returns the older session of the same worker it replaces."""
        workers = self._by_agent.setdefault(session.agent_id, {})
        older = workers.get(session.worker_id)
        workers[session.worker_id] = session
        return older if older is not session else None

    def unregister(self, session: AgentSession) -> None:
        """Remove ``session`` unless a newer one already took its place."""
        workers = self._by_agent.get(session.agent_id)
        if workers is None or workers.get(session.worker_id) is not session:
            return
        del workers[session.worker_id]
        if not workers:
            del self._by_agent[session.agent_id]

    def sessions(self, agent_id: uuid.UUID) -> list[AgentSession]:
        """Open sessions of one agent, newest first."""
        found = list(self._by_agent.get(agent_id, {}).values())
        return sorted(found, key=lambda s: s.connected_at, reverse=True)

    def get(self, agent_id: uuid.UUID, worker_id: str) -> AgentSession | None:
        """The session of one agent worker, if this process holds it."""
        return self._by_agent.get(agent_id, {}).get(worker_id)

    def agent_ids(self) -> list[uuid.UUID]:
        """Agents with at least one session here."""
        return list(self._by_agent)

    def all(self) -> list[AgentSession]:
        """Every session held here."""
        return [s for workers in self._by_agent.values() for s in workers.values()]
