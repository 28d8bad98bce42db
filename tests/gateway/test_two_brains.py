"""Brain processes share nothing but PostgreSQL: commands and revocations cross between them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from agentclient import RawAgent
from brainkit import mint, start_brain
from z4j_core.protocol import CloseCode

from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import connect
from z4j_brain.services.agents import revoke_agent
from z4j_brain.services.commands import issue_command

pytestmark = pytest.mark.slow


async def test_command_and_revocation_reach_an_agent_on_the_other_process(
    pg_server: Dsn, template_db: str, tmp_path: Path
) -> None:
    one = await asyncio.to_thread(start_brain, pg_server, template_db, tmp_path / "one")
    two = await asyncio.to_thread(start_brain, pg_server, template_db, tmp_path / "two", one.dsn)
    try:
        minted = await mint(one)
        # The agent holds its socket on brain two; the command is stored through brain one's
        # database session, as brain one's REST handler would.
        agent = RawAgent(two.ws_url, minted.token, minted.hmac_secret)
        await agent.connect()
        conn = await connect(one.dsn)
        try:
            issued = await issue_command(
                conn,
                project_id=minted.project_id,
                agent_id=minted.agent_id,
                action="purge_queue",
                target={"type": "queue", "id": "default"},
                parameters={"queue": "default", "confirm_token": None, "force": False},
            )
            command = await agent.recv_type("command")
            assert command["id"] == str(issued.id)
            await agent.send(
                "command_result",
                command["id"],
                {"status": "success", "result": {"purged": 0}, "error": None},
            )
            status = None
            for _ in range(100):
                status = await conn.fetchval(
                    "SELECT status::text FROM commands WHERE id = $1", issued.id
                )
                if status == "completed":
                    break
                await asyncio.sleep(0.05)
            assert status == "completed"
            assert await revoke_agent(conn, agent_id=minted.agent_id)
        finally:
            await conn.close()
        assert await agent.closed_with() == CloseCode.REVOKED
    finally:
        one.served.stop()
        two.served.stop()
