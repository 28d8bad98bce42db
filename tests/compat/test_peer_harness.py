"""The compatibility harness itself, without our brain: peer venv, Redis, a real ``rq worker``.

These run in the normal suite. They prove that when a compatibility test fails, it is the brain
and not the plumbing.
"""

from __future__ import annotations

import base64
import collections
import uuid
from pathlib import Path

import pytest
from peerenv import PINS, AgentSettings, PeerVenv, enqueue, start_bare_agent, start_rq_worker
from support import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_peer_venv_has_the_pinned_stock_agents(peer_venv: PeerVenv) -> None:
    versions = peer_venv.versions()
    for pin in PINS:
        name, version = pin.split("==")
        assert versions.get(name) == version, (name, versions)
    print(f"peer venv: {peer_venv.installer}, {peer_venv.install_seconds:.1f} s")


def test_rq_worker_runs_jobs_with_z4j_disabled(
    peer_venv: PeerVenv, redis_url: str, tmp_path: Path
) -> None:
    queue = f"compat-{uuid.uuid4().hex[:8]}"
    worker = start_rq_worker(peer_venv, tmp_path, redis_url=redis_url, queue=queue, agent=None)
    try:
        # rq_settings was imported and z4j-rq honoured its documented opt-out.
        worker.wait_for_output("Z4J_DISABLED set - skipping bootstrap")
        jobs = enqueue(
            peer_venv, tmp_path, redis_url=redis_url, queue=queue, ok=3, boom=2, flaky=2, wait=45
        )
    finally:
        worker.stop()

    by_kind = collections.defaultdict[str, list[str]](list)
    for job in jobs:
        by_kind[job.kind].append(job.status)
    assert by_kind == {
        "ok": ["finished"] * 3,
        "boom": ["failed"] * 2,
        "flaky": ["finished"] * 2,
    }
    assert sorted(job.result for job in jobs if job.kind == "ok") == [0, 2, 4]
    assert all("ValueError: boom" in (job.error or "") for job in jobs if job.kind == "boom")
    assert all("after 2 attempts" in job.result for job in jobs if job.kind == "flaky")
    assert {job.func for job in jobs} == {"tasks.ok", "tasks.boom", "tasks.flaky"}
    assert worker.tapped_events() == []


def _unreachable_agent() -> AgentSettings:
    """Settings that pass the agent's config checks but point at a port nobody listens on."""
    return AgentSettings(
        brain_url=f"http://127.0.0.1:{free_port()}",
        token="compat-token-" + "x" * 30,
        hmac_secret=base64.urlsafe_b64encode(b"k" * 32).decode(),
        project_id="compat",
    )


def test_stock_agent_in_rq_worker_captures_events_while_brain_is_down(
    peer_venv: PeerVenv, redis_url: str, tmp_path: Path
) -> None:
    """The agent installs in the worker, captures lifecycle events and never breaks the jobs."""
    queue = f"compat-{uuid.uuid4().hex[:8]}"
    worker = start_rq_worker(
        peer_venv, tmp_path, redis_url=redis_url, queue=queue, agent=_unreachable_agent()
    )
    try:
        worker.wait_for_output("worker capture hook installed")
        jobs = enqueue(
            peer_venv, tmp_path, redis_url=redis_url, queue=queue, ok=2, boom=1, flaky=1, wait=45
        )
    finally:
        worker.stop()

    assert [job.status for job in jobs] == ["finished", "finished", "failed", "finished"]
    events = worker.tapped_events()
    kinds = collections.Counter((event["task_id"], event["kind"]) for event in events)
    ok1, ok2, boom, flaky = (job.id for job in jobs)
    assert kinds == {
        (ok1, "task.started"): 1,
        (ok1, "task.succeeded"): 1,
        (ok2, "task.started"): 1,
        (ok2, "task.succeeded"): 1,
        (boom, "task.started"): 1,
        (boom, "task.failed"): 1,
        # The failed first attempt, re-queued by RQ, emits only task.started.
        (flaky, "task.started"): 2,
        (flaky, "task.succeeded"): 1,
    }
    assert len({event["id"] for event in events}) == len(events)
    assert {event["engine"] for event in events} == {"rq"}


def test_bare_agent_script_runs_and_stops(
    peer_venv: PeerVenv, redis_url: str, tmp_path: Path
) -> None:
    agent = start_bare_agent(peer_venv, tmp_path, redis_url=redis_url, agent=_unreachable_agent())
    try:
        agent.wait_for_output("compat: agent installed")
        assert agent.alive()
    finally:
        code = agent.stop()
    assert code == 0, agent.output()
    assert "compat: agent stopped" in agent.output()
