"""The configured database for commands other than ``serve`` (``z4j agent mint``, ...).

Starts the embedded server when it is the configured database and not running yet (and
stops it afterwards), and brings the schema to head first, like ``z4j serve`` does.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager

from z4j_brain.db import migrate
from z4j_brain.db.dsn import Dsn
from z4j_brain.db.embedded import EmbeddedPostgres
from z4j_brain.settings import Settings


@contextmanager
def database(settings: Settings) -> Generator[Dsn]:
    """The migrated database of ``settings`` for the duration of the block."""
    embedded: EmbeddedPostgres | None = None
    if settings.database_url:
        dsn = Dsn(url=settings.database_url)
    else:
        embedded = EmbeddedPostgres(settings.pgdata)
        dsn = embedded.start()
    try:
        migrate.migrate_up(dsn)
        yield dsn
    finally:
        if embedded is not None:
            embedded.stop()
