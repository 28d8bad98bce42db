"""RQ jobs for the compatibility tests, run by the peer venv's ``rq worker`` and enqueue script.

This module runs only inside the peer virtualenv (stock ``rq``), never in ours.
"""

# pyright: reportMissingImports=false
# (runs only in the peer venv, which has the stock rq / z4j 1.x; our venv has neither)

from __future__ import annotations

import time

from rq import get_current_job


def ok(x: int) -> int:
    """Succeed with a value derived from the argument."""
    return x * 2


def boom() -> None:
    """Always fail."""
    raise ValueError("boom")


def flaky(key: str) -> str:
    """Fail on the first attempt for ``key``, succeed on every later one.

    The attempt counter lives in Redis (the job's own connection), because each RQ attempt
    runs in a fresh work-horse process.
    """
    job = get_current_job()
    if job is None:
        raise RuntimeError("flaky must run inside an RQ job")
    attempts = int(job.connection.incr(f"z4j-compat:flaky:{key}"))
    job.connection.expire(f"z4j-compat:flaky:{key}", 3600)
    if attempts == 1:
        raise RuntimeError(f"flaky {key}: first attempt fails on purpose")
    return f"{key} ok after {attempts} attempts"


def slow(seconds: float) -> float:
    """Sleep, then return how long."""
    time.sleep(seconds)
    return seconds
