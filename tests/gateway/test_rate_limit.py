"""Per-IP handshake rate limit: a brain that allows 3 connection attempts a minute."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from agentclient import RawAgent
from brainkit import mint, start_brain
from z4j_core.protocol import CloseCode

from z4j_brain.db.dsn import Dsn

pytestmark = pytest.mark.slow


async def test_connection_attempts_beyond_the_rate_close_4429(
    pg_server: Dsn, template_db: str, tmp_path: Path
) -> None:
    brain = await asyncio.to_thread(
        start_brain, pg_server, template_db, tmp_path / "home", Z4J_WS_CONNECT_RATE_PER_MINUTE="3"
    )
    try:
        minted = await mint(brain)
        for _ in range(3):
            agent = RawAgent(brain.ws_url, minted.token, minted.hmac_secret)
            await agent.connect()
            await agent.close()
        over = RawAgent(brain.ws_url, minted.token, minted.hmac_secret)
        await over.open()
        await over.send_hello_quietly()
        assert await over.closed_with() == CloseCode.RATE_LIMITED
    finally:
        brain.served.stop()
