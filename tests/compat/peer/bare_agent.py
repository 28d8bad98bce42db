"""Run the stock ``z4j_bare`` agent runtime with no engine work: connect, heartbeat, idle.

Configuration comes from the ``Z4J_*`` environment (``Z4J_BRAIN_URL``, ``Z4J_TOKEN``,
``Z4J_PROJECT_ID``, ``Z4J_HMAC_SECRET``, ``Z4J_AGENT_NAME``), exactly as a bare Python
project would configure it. ``install_agent`` needs at least one engine adapter, so an RQ
adapter on ``--redis-url`` is registered; nothing runs jobs, so it emits no task events.
Stops the runtime gracefully on SIGTERM/SIGINT. Runs only in the peer virtualenv.
"""

# pyright: reportMissingImports=false
# (runs only in the peer venv, which has the stock rq / z4j 1.x; our venv has neither)

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

import observe
from redis import Redis
from z4j_bare import install_agent
from z4j_rq import RqEngineAdapter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--run-seconds", type=float, default=0.0, help="0: until SIGTERM")
    args = parser.parse_args()

    observe.install_logging()
    observe.install_event_tap()
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    runtime = install_agent(engines=[RqEngineAdapter(rq_app=Redis.from_url(args.redis_url))])
    print("compat: agent installed", flush=True)
    stop.wait(args.run_seconds or None)
    runtime.stop(timeout=5.0)
    print("compat: agent stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
