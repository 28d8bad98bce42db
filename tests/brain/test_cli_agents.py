"""`z4j project create`, `z4j agent mint` and `z4j agent revoke` as an operator runs them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from support import run_z4j, serve_env

from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import connect
from z4j_brain.services.agents import authenticate

SECRET = "cli-secret-" + "c" * 40


def test_create_mint_revoke(db: Dsn, tmp_path: Path) -> None:
    env = serve_env(
        tmp_path / "home",
        Z4J_DATABASE_URL=db.url,
        Z4J_SECRET=SECRET,
        Z4J_PUBLIC_URL="https://z4j.example.com",
    )
    created = run_z4j("project", "create", "shop", env=env)
    assert created.returncode == 0, created.stderr
    minted = run_z4j("agent", "mint", "--project", "shop", "--name", "workers", env=env)
    assert minted.returncode == 0, minted.stderr
    values = dict(
        line.split("=", 1) for line in minted.stdout.splitlines() if "=" in line and line[0] != "#"
    )
    assert values["Z4J_BRAIN_URL"] == "https://z4j.example.com"
    assert values["Z4J_PROJECT_ID"] == "shop"

    async def check(token: str) -> bool:
        conn = await connect(db)
        try:
            return await authenticate(conn, secret=SECRET, token=token) is not None
        finally:
            await conn.close()

    assert asyncio.run(check(values["Z4J_TOKEN"]))
    again = run_z4j("agent", "mint", "--project", "shop", "--name", "workers", env=env)
    assert again.returncode == 2
    assert "already has an agent named" in again.stderr
    revoked = run_z4j("agent", "revoke", "--project", "shop", "--name", "workers", env=env)
    assert (revoked.returncode, revoked.stdout.strip()) == (0, "revoked")
    assert not asyncio.run(check(values["Z4J_TOKEN"]))


def test_operator_mistakes_end_with_one_line(db: Dsn, tmp_path: Path) -> None:
    env = serve_env(tmp_path / "home", Z4J_DATABASE_URL=db.url, Z4J_SECRET=SECRET)
    for args, fragment in [
        (("project", "create", "Not A Slug"), "is not a valid slug"),
        (("agent", "mint", "--project", "missing", "--name", "x"), "no project 'missing'"),
        (("agent", "revoke", "--project", "missing", "--name", "x"), "no agent 'x'"),
    ]:
        result = run_z4j(*args, env=env)
        assert result.returncode == 2, result
        assert "Traceback" not in result.stderr
        assert fragment in result.stderr
