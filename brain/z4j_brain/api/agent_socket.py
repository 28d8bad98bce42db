"""``/ws/agent``: where agents connect (protocol v2)."""

from __future__ import annotations

from typing import Any

from litestar import WebSocket, websocket

from z4j_brain.gateway.service import Gateway


@websocket("/ws/agent", opt={"auth": "agent-token"})
async def agent_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """Authenticated by the agent's bearer token inside the handshake; see docs/protocol.md."""
    gateway: Gateway = socket.app.state.gateway
    await gateway.serve(socket)
