"""The real app in-process: readiness semantics and the error envelope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from z4j_brain.app import create_app
from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import connect
from z4j_brain.runtime import Runtime
from z4j_brain.settings import load_settings


@pytest.fixture
async def client(db: Dsn, tmp_path: Path) -> AsyncIterator[AsyncTestClient[Litestar]]:
    settings = load_settings({"home": str(tmp_path)}, environ={})
    app = create_app(Runtime(settings=settings, dsn=db, embedded=False))
    async with AsyncTestClient(app) as test_client:
        yield test_client


async def test_liveness(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"].startswith("req_")


async def test_ready_when_migrated_and_not_ready_with_a_pending_migration(
    client: AsyncTestClient[Litestar], db: Dsn
) -> None:
    ready = await client.get("/api/v1/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "database": "ok",
        "migrations": "at_head",
        "pending_migrations": [],
    }
    conn = await connect(db)
    try:
        newest = await conn.fetchval("SELECT max(version) FROM schema_migrations")
        await conn.execute("DELETE FROM schema_migrations WHERE version = $1", newest)
    finally:
        await conn.close()
    not_ready = await client.get("/api/v1/health/ready")
    assert not_ready.status_code == 503
    assert not_ready.json()["pending_migrations"] == [newest]


async def test_unknown_route_gets_the_error_envelope(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/nope", headers={"X-Request-ID": "trace-me"})
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "not_found"
    assert body["request_id"] == "trace-me"
    assert response.headers["x-request-id"] == "trace-me"


async def test_wrong_method_gets_the_error_envelope(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/api/v1/health", content=b"{")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
