"""``create_app``: the Litestar application, its lifespan and its background jobs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager, suppress

import asyncpg
from litestar import Litestar
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig

from z4j_brain import __version__
from z4j_brain.api.agent_socket import agent_socket
from z4j_brain.api.errors import add_request_id_header, http_error, unexpected_error
from z4j_brain.api.health import HealthController
from z4j_brain.db.pool import create_pool
from z4j_brain.gateway.service import Gateway
from z4j_brain.jobs.leader import LeaderJob
from z4j_brain.jobs.partitions import maintain_partitions
from z4j_brain.runtime import Runtime


def _jobs(runtime: Runtime) -> list[LeaderJob]:
    settings = runtime.settings

    async def partitions(conn: asyncpg.Connection) -> None:
        await maintain_partitions(conn, retention_days=settings.event_retention_days)

    return [
        LeaderJob(
            "partitions", runtime.dsn, partitions, interval=settings.partition_interval_seconds
        )
    ]


@asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncGenerator[None]:
    runtime: Runtime = app.state.runtime
    app.state.pool = await create_pool(runtime.dsn)
    gateway = Gateway(runtime.settings, runtime.dsn, app.state.pool)
    await gateway.start()
    app.state.gateway = gateway
    jobs = _jobs(runtime)
    app.state.jobs = jobs
    tasks = [asyncio.create_task(job.run(), name=f"z4j-job-{job.name}") for job in jobs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        await gateway.stop()
        await app.state.pool.close()


def create_app(runtime: Runtime) -> Litestar:
    """The brain's ASGI application for one process."""
    logging.basicConfig(
        level=runtime.settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    return Litestar(
        route_handlers=[HealthController, agent_socket],
        state=State({"runtime": runtime}),
        lifespan=[_lifespan],
        before_send=[add_request_id_header],
        exception_handlers={HTTPException: http_error, Exception: unexpected_error},
        openapi_config=OpenAPIConfig(title="z4j", version=__version__, path="/api/v1/openapi"),
        debug=False,
    )


def create_app_from_env() -> Litestar:
    """granian's factory target: the runtime exported by ``z4j serve``."""
    return create_app(Runtime.from_environ())
