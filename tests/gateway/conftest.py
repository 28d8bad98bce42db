"""A real `z4j serve` per test module, on its own clone of the migrated template database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from brainkit import Brain, start_brain

from z4j_brain.db.dsn import Dsn


@pytest.fixture(scope="module")
def brain(
    pg_server: Dsn, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Brain]:
    """One brain for the module: short idle timeout and a worker cap of 3 so tests can hit them."""
    started = start_brain(
        pg_server,
        template_db,
        tmp_path_factory.mktemp("brain") / "home",
        Z4J_WS_IDLE_TIMEOUT_SECONDS="4",
        Z4J_WS_MAX_WORKERS_PER_AGENT="3",
    )
    yield started
    started.served.stop()
