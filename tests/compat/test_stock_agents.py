"""The stock z4j 1.13 agents from PyPI, unchanged, against our brain's ``/ws/agent``.

Each test starts ``z4j serve`` on a
fresh clone of the migrated database, mints an agent, and runs the stock agent in the peer venv.
"""

from __future__ import annotations

import collections
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from brainside import AgentCredentials, agent_socket_missing, fetch, issue_retry, mint_agent, poll
from peerenv import (
    AgentSettings,
    EnqueuedJob,
    PeerProcess,
    PeerVenv,
    enqueue,
    start_bare_agent,
    start_rq_worker,
)
from support import Served, free_port, serve_env

from z4j_brain.db.dsn import Dsn

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

SECRET = "compat-test-secret-" + "s" * 45
PROJECT = "compat"
TERMINAL_STATES = {"success", "failure", "revoked", "rejected"}


@dataclass
class OurBrain:
    """A running ``z4j serve`` and how to start it again on the same port and database."""

    served: Served
    dsn: Dsn
    restart: Callable[[], Served]

    @property
    def url(self) -> str:
        return self.served.base

    def agent(self, creds: AgentCredentials, name: str) -> AgentSettings:
        """1.x agent settings for this brain (``Z4J_PROJECT_ID`` is the slug, as in 1.x)."""
        return AgentSettings(
            brain_url=self.url,
            token=creds.token,
            hmac_secret=creds.hmac_secret,
            project_id=PROJECT,
            agent_name=name,
        )


@pytest.fixture
def brain(db: Dsn, serve: Callable[..., Served], tmp_path: Path) -> OurBrain:
    """``z4j serve`` on the test's database; fails when ``/ws/agent`` is not served."""
    port = free_port()
    env = serve_env(
        tmp_path / "brain-home",
        Z4J_DATABASE_URL=db.url,
        Z4J_SECRET=SECRET,
        Z4J_SESSION_SECRET=SECRET,
    )

    def start() -> Served:
        served = serve(env=env, port=port)
        served.wait_ready()
        return served

    served = start()
    missing = agent_socket_missing(f"ws://127.0.0.1:{port}/ws/agent")
    assert missing is None, f"/ws/agent is not served: {missing}"
    return OurBrain(served=served, dsn=db, restart=start)


@pytest.fixture
def creds(brain: OurBrain) -> AgentCredentials:
    return mint_agent(brain.dsn, PROJECT, f"stock-rq-{uuid.uuid4().hex[:6]}", secret=SECRET)


def _tasks(brain: OurBrain, project_id: uuid.UUID) -> dict[str, dict[str, Any]]:
    rows = fetch(
        brain.dsn,
        "SELECT task_id, name, queue, state::text AS state, exception, exception_message,"
        " traceback FROM tasks WHERE project_id = $1 AND engine = 'rq'",
        project_id,
    )
    return {row["task_id"]: row for row in rows}


def _events(brain: OurBrain, project_id: uuid.UUID) -> list[dict[str, Any]]:
    return fetch(
        brain.dsn,
        "SELECT id::text AS id, kind, task_id, engine FROM events WHERE project_id = $1",
        project_id,
    )


def _assert_tasks(
    brain: OurBrain, project_id: uuid.UUID, jobs: list[EnqueuedJob], queue: str
) -> None:
    """Every job shows up as a task with its final state, name and queue."""
    ids = {job.id for job in jobs}
    tasks = poll(
        lambda: _tasks(brain, project_id),
        lambda rows: all(rows.get(i, {}).get("state") in TERMINAL_STATES for i in ids),
        timeout=60,
        what="every job as a finished task",
    )
    expected_state = {"ok": "success", "boom": "failure", "flaky": "success", "slow": "success"}
    for job in jobs:
        task = tasks[job.id]
        assert (task["name"], task["queue"], task["state"]) == (
            f"tasks.{job.kind}",
            queue,
            expected_state[job.kind],
        ), task
        if job.kind == "boom":
            text = " ".join(
                str(task[k] or "") for k in ("exception", "exception_message", "traceback")
            )
            assert "boom" in text, task


def _assert_events_exactly_once(brain: OurBrain, project_id: uuid.UUID, agent: PeerProcess) -> None:
    """The events table holds every event the stock agent captured, each exactly once."""
    tapped = agent.tapped_events()
    assert tapped, agent.output()
    wanted = {event["id"] for event in tapped}
    assert len(wanted) == len(tapped), "the stock agent minted a duplicate event id"
    poll(
        lambda: {row["id"] for row in _events(brain, project_id)},
        lambda stored: wanted <= stored,
        timeout=60,
        what=f"{len(wanted)} tapped events in the events table",
    )
    rows = _events(brain, project_id)
    counts = collections.Counter(row["id"] for row in rows)
    assert {i: n for i, n in counts.items() if n != 1} == {}
    assert set(counts) == wanted
    by_kind = collections.Counter((row["task_id"], row["kind"]) for row in rows)
    assert by_kind == collections.Counter((e["task_id"], e["kind"]) for e in tapped)


def _assert_stock_event_shape(jobs: list[EnqueuedJob], agent: PeerProcess) -> None:
    """What the stock RQ agent emits (z4j-1x-live §4): no terminal event for a retried attempt."""
    per_task = collections.Counter((e["task_id"], e["kind"]) for e in agent.tapped_events())
    for job in jobs:
        started = 2 if job.kind == "flaky" else 1
        final = "task.failed" if job.kind == "boom" else "task.succeeded"
        assert per_task[(job.id, "task.started")] == started, (job, per_task)
        assert per_task[(job.id, final)] == 1, (job, per_task)


def _connections(agent: PeerProcess) -> int:
    return agent.output().count("z4j agent connected to ")


def test_stock_bare_agent_connects_and_heartbeats(
    brain: OurBrain, creds: AgentCredentials, peer_venv: PeerVenv, redis_url: str, tmp_path: Path
) -> None:
    """hello/hello_ack, then signed heartbeat + agent_status frames the brain accepts."""
    agent = start_bare_agent(
        peer_venv, tmp_path, redis_url=redis_url, agent=brain.agent(creds, "compat-bare")
    )
    try:
        agent.wait_for_output("z4j agent connected: session=", timeout=30)
        found = re.search(r"heartbeat_interval=(\d+)s", agent.output())
        assert found, agent.output()
        # Stay connected across a full heartbeat period: a rejected signature, seq or frame
        # closes the socket (4403/4400) and the agent logs a disconnect and reconnects.
        time.sleep(int(found.group(1)) + 2)
        assert agent.alive(), agent.output()
        assert _connections(agent) == 1, agent.output()
        assert "disconnected" not in agent.output(), agent.output()
    finally:
        code = agent.stop()
    assert code == 0, agent.output()


def test_stock_rq_worker_events_reach_the_brain_exactly_once(
    brain: OurBrain, creds: AgentCredentials, peer_venv: PeerVenv, redis_url: str, tmp_path: Path
) -> None:
    queue = f"compat-{uuid.uuid4().hex[:8]}"
    worker = start_rq_worker(
        peer_venv, tmp_path, redis_url=redis_url, queue=queue, agent=brain.agent(creds, "rq-1")
    )
    try:
        worker.wait_for_output("z4j agent connected: session=", timeout=30)
        jobs = enqueue(
            peer_venv, tmp_path, redis_url=redis_url, queue=queue, ok=3, boom=3, flaky=3, wait=60
        )
        _assert_stock_event_shape(jobs, worker)
        _assert_tasks(brain, creds.project_id, jobs, queue)
        _assert_events_exactly_once(brain, creds.project_id, worker)
        assert _connections(worker) == 1, worker.output()
    finally:
        code = worker.stop()
    assert code == 0, worker.output()
    # Nothing arrives twice after the agent's shutdown flush either.
    _assert_events_exactly_once(brain, creds.project_id, worker)


def test_events_buffered_while_the_brain_is_down_arrive_exactly_once(
    brain: OurBrain, creds: AgentCredentials, peer_venv: PeerVenv, redis_url: str, tmp_path: Path
) -> None:
    """Kill the brain, run jobs (the agent buffers), restart it: all events land, once each."""
    queue = f"compat-{uuid.uuid4().hex[:8]}"
    worker = start_rq_worker(
        peer_venv, tmp_path, redis_url=redis_url, queue=queue, agent=brain.agent(creds, "rq-2")
    )
    try:
        worker.wait_for_output("z4j agent connected: session=", timeout=30)
        first = enqueue(peer_venv, tmp_path, redis_url=redis_url, queue=queue, ok=2, wait=60)
        _assert_tasks(brain, creds.project_id, first, queue)
        brain.served.kill()
        second = enqueue(
            peer_venv, tmp_path, redis_url=redis_url, queue=queue, ok=2, boom=1, flaky=1, wait=60
        )
        brain.served = brain.restart()
        poll(lambda: _connections(worker), lambda n: n >= 2, timeout=90, what="a reconnect")
        _assert_tasks(brain, creds.project_id, first + second, queue)
        _assert_events_exactly_once(brain, creds.project_id, worker)
    finally:
        worker.stop()


def test_retry_command_runs_on_the_stock_agent_and_its_result_is_recorded(
    brain: OurBrain, creds: AgentCredentials, peer_venv: PeerVenv, redis_url: str, tmp_path: Path
) -> None:
    """A retry_task command issued through our command service re-runs a failed RQ job."""
    queue = f"compat-{uuid.uuid4().hex[:8]}"
    name = f"rq-retry-{uuid.uuid4().hex[:6]}"
    worker = start_rq_worker(
        peer_venv, tmp_path, redis_url=redis_url, queue=queue, agent=brain.agent(creds, name)
    )
    try:
        worker.wait_for_output("z4j agent connected: session=", timeout=30)
        (failed,) = enqueue(peer_venv, tmp_path, redis_url=redis_url, queue=queue, boom=1, wait=60)
        _assert_tasks(brain, creds.project_id, [failed], queue)
        agent_name = fetch(
            brain.dsn,
            "SELECT name FROM agents WHERE project_id = $1 AND name LIKE 'stock-rq-%'",
            creds.project_id,
        )[0]["name"]
        command_id = issue_retry(brain.dsn, creds.project_id, agent_name, failed.id, "tasks.boom")
        (command,) = poll(
            lambda: fetch(
                brain.dsn,
                "SELECT status::text AS status, result, error, acked_at FROM commands"
                " WHERE id = $1",
                command_id,
            ),
            lambda rows: rows[0]["status"] in ("completed", "failed", "timeout"),
            timeout=60,
            what="the retry command's result",
        )
        assert command["status"] == "completed", (command, worker.output())
        assert command["acked_at"] is not None
        assert json.loads(command["result"])["task_id"] == failed.id, command
        # The job ran again: a second task.started for the same RQ job id reaches the brain.
        poll(
            lambda: fetch(
                brain.dsn,
                "SELECT count(*) AS n FROM events WHERE task_id = $1 AND kind = 'task.started'",
                failed.id,
            )[0]["n"],
            lambda n: n >= 2,
            timeout=60,
            what="the retried run's task.started",
        )
    finally:
        worker.stop()
