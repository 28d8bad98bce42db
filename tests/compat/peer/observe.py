"""Test-only observation of the stock agent inside peer processes: logging and an event tap.

Nothing here changes what the agent sends. ``install_logging`` routes the ``z4j`` loggers to
stderr (captured in the process log); ``install_event_tap`` wraps
``AgentRuntime.record_event`` so every event the stock agent captures is also appended, as
one JSON line, to the file named by ``Z4J_COMPAT_EVENT_TAP``. The tests compare that file with
what the brain stored.
"""

# pyright: reportMissingImports=false
# (runs only in the peer venv, which has the stock rq / z4j 1.x; our venv has neither)

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from typing import Any

_tap_lock = threading.Lock()


def install_logging() -> None:
    """Send ``z4j.*`` records at ``Z4J_COMPAT_LOG_LEVEL`` (default INFO) to stderr."""
    level = os.environ.get("Z4J_COMPAT_LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    )
    z4j_logger = logging.getLogger("z4j")
    z4j_logger.addHandler(handler)
    z4j_logger.setLevel(level)
    z4j_logger.propagate = False


def install_event_tap() -> None:
    """Record every event the agent buffers, when ``Z4J_COMPAT_EVENT_TAP`` names a file."""
    path = os.environ.get("Z4J_COMPAT_EVENT_TAP")
    if not path:
        return
    from z4j_bare.runtime import AgentRuntime

    original = AgentRuntime.record_event

    def record_event(self: Any, event: Any) -> None:
        try:
            line = json.dumps(
                {
                    "id": str(event.id),
                    "kind": str(getattr(event.kind, "value", event.kind)),
                    "engine": event.engine,
                    "task_id": event.task_id,
                    "occurred_at": event.occurred_at.isoformat(),
                    "pid": os.getpid(),
                }
            )
            with _tap_lock, open(path, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        except Exception:
            logging.getLogger("z4j.compat.tap").exception("event tap failed")
        original(self, event)

    AgentRuntime.record_event = record_event  # type: ignore[method-assign]
