"""What the booting parent hands to each granian worker process.

``z4j serve`` resolves settings, starts the embedded database and migrates once, in the
parent; workers must see exactly the same result, so the parent serialises it into one
environment variable that the app factory reads back.
"""

from __future__ import annotations

import os

import msgspec

from z4j_brain.db.dsn import Dsn
from z4j_brain.settings import Settings

ENV_VAR = "Z4J_INTERNAL_RUNTIME"


class Runtime(msgspec.Struct, frozen=True, kw_only=True):
    """Resolved settings plus the database actually in use."""

    settings: Settings
    dsn: Dsn
    embedded: bool

    def export(self) -> None:
        """Put this runtime into the environment inherited by worker processes."""
        os.environ[ENV_VAR] = msgspec.json.encode(self).decode()

    @classmethod
    def from_environ(cls) -> Runtime:
        """The runtime exported by the parent ``z4j serve``."""
        raw = os.environ.get(ENV_VAR)
        if not raw:
            raise RuntimeError(f"{ENV_VAR} is not set: start the brain with `z4j serve`")
        return msgspec.json.decode(raw, type=cls)
