"""Enqueue compatibility jobs with stock RQ and optionally wait for their outcome.

Usage (inside the peer virtualenv)::

    python enqueue.py --redis-url URL --queue Q --ok 3 --boom 3 --flaky 3 --wait 30

Prints one JSON object: ``{"jobs": [{"id", "kind", "func", "status", "result", "error"}]}``.
``status`` is RQ's final status (``finished``/``failed``/...) when ``--wait`` is given, else the
status right after enqueueing. Exits 2 when waiting timed out with jobs still unfinished.
"""

# pyright: reportMissingImports=false
# (runs only in the peer venv, which has the stock rq / z4j 1.x; our venv has neither)

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from typing import Any

import tasks
from redis import Redis
from rq import Queue, Retry
from rq.job import Job

TERMINAL = {"finished", "failed", "stopped", "canceled"}


def _status(job: Job) -> str:
    status = job.get_status(refresh=True)
    return str(getattr(status, "value", status))


def _outcome(job: Job) -> dict[str, Any]:
    status = _status(job)
    result: Any = None
    error: str | None = None
    if status == "finished":
        result = job.return_value()
    elif status == "failed":
        latest = job.latest_result()
        error = getattr(latest, "exc_string", None) if latest is not None else None
    return {"status": status, "result": result, "error": error}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--queue", default="default")
    parser.add_argument("--ok", type=int, default=0)
    parser.add_argument("--boom", type=int, default=0)
    parser.add_argument("--flaky", type=int, default=0)
    parser.add_argument("--slow", type=int, default=0)
    parser.add_argument("--slow-seconds", type=float, default=1.0)
    parser.add_argument("--flaky-retries", type=int, default=2)
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to wait for outcomes")
    args = parser.parse_args()

    queue = Queue(args.queue, connection=Redis.from_url(args.redis_url))
    run = uuid.uuid4().hex[:8]
    jobs: list[tuple[str, Job]] = []
    for i in range(args.ok):
        jobs.append(("ok", queue.enqueue(tasks.ok, i)))
    for _ in range(args.boom):
        jobs.append(("boom", queue.enqueue(tasks.boom)))
    for i in range(args.flaky):
        retry = Retry(max=args.flaky_retries)
        jobs.append(("flaky", queue.enqueue(tasks.flaky, f"{run}-{i}", retry=retry)))
    for _ in range(args.slow):
        jobs.append(("slow", queue.enqueue(tasks.slow, args.slow_seconds)))

    deadline = time.monotonic() + args.wait
    while args.wait and time.monotonic() < deadline:
        if all(_status(job) in TERMINAL for _, job in jobs):
            break
        time.sleep(0.1)

    report = [
        {"id": job.id, "kind": kind, "func": job.func_name, **_outcome(job)} for kind, job in jobs
    ]
    print(json.dumps({"queue": args.queue, "jobs": report}))
    if args.wait and any(item["status"] not in TERMINAL for item in report):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
