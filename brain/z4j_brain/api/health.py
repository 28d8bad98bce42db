"""Liveness and readiness probes (paths as in z4j 1.x, used by containers and load balancers)."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State

from z4j_brain.services import health as health_service
from z4j_brain.wire.health import Health, Readiness


class HealthController(Controller):
    """``/api/v1/health`` (the process answers) and ``/api/v1/health/ready`` (it can serve)."""

    path = "/api/v1/health"
    tags = ["health"]  # noqa: RUF012 - Litestar reads class attributes

    @get("/", operation_id="GetHealth", summary="Liveness", cache=False)
    async def health(self) -> Health:
        """The process is up and serving requests; no dependency is checked."""
        return Health(status="ok")

    @get("/ready", operation_id="GetReadiness", summary="Readiness", cache=False)
    async def ready(self, state: State) -> Response[Readiness]:
        """200 when the database answers and every migration is applied, else 503."""
        readiness = await health_service.readiness(state.pool)
        return Response(readiness, status_code=200 if readiness.status == "ready" else 503)
