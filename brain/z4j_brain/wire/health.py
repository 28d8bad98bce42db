"""Health probe bodies."""

from __future__ import annotations

import msgspec


class Health(msgspec.Struct, frozen=True, kw_only=True):
    """Liveness: always ``{"status": "ok"}``."""

    status: str


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    """Readiness: ``ready`` or ``not_ready`` with the checks that decided it."""

    status: str
    database: str
    migrations: str
    pending_migrations: list[str] = msgspec.field(default_factory=list)
