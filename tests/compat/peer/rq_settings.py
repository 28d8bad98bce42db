"""RQ settings module for ``rq worker -c rq_settings``: the z4j-rq 1.x documented bootstrap.

z4j-rq's ``register_worker_bootstrap()`` reads ``Z4J_BRAIN_URL``, ``Z4J_TOKEN``,
``Z4J_PROJECT_ID``, ``Z4J_HMAC_SECRET`` (and ``Z4J_AGENT_NAME``, ``Z4J_RQ_REDIS_URL``) from the
environment and starts the agent in this worker process; ``Z4J_DISABLED=1`` or missing
settings leave the worker running without z4j. Runs only in the peer virtualenv.
"""

# pyright: reportMissingImports=false
# (runs only in the peer venv, which has the stock rq / z4j 1.x; our venv has neither)

from __future__ import annotations

import os

import observe
from z4j_rq import register_worker_bootstrap

# RQ reads its connection from REDIS_URL here when ``-u`` is not given.
REDIS_URL = os.environ.get("Z4J_RQ_REDIS_URL", "redis://127.0.0.1:6379/0")

observe.install_logging()
observe.install_event_tap()
register_worker_bootstrap()
