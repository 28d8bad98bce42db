"""The peer virtualenv with the stock z4j 1.x agents, and the processes the tests run in it.

The stock packages (``z4j-bare``, ``z4j-rq``, pinned below) are installed from PyPI into a
separate virtualenv, never into ours: our workspace ships its own ``z4j_core``, and the point
is to run the agents exactly as a 1.x user installs them. The scripts the peer runs live in
``peer/`` next to this file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PEER_DIR = Path(__file__).resolve().parent / "peer"

#: What a z4j 1.13 user installs: the agents plus the RQ/redis they were verified with
#: (reference/z4j-1x-live.md: rq 3.0.0, websockets 17.4).
PINS = (
    "z4j-core==1.13.0",
    "z4j-bare==1.13.0",
    "z4j-rq==1.13.0",
    "rq==3.0.0",
    "redis==8.1.0",
    "websockets==17.4",
)


@dataclass(frozen=True)
class PeerVenv:
    """A built peer virtualenv."""

    root: Path
    install_seconds: float
    installer: str

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def versions(self) -> dict[str, str]:
        """Installed distribution versions, lower-cased names."""
        out = subprocess.run(
            [str(self.python), "-c", _VERSIONS_SNIPPET],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        return dict(json.loads(out))


_VERSIONS_SNIPPET = (
    "import json, importlib.metadata as m;"
    "print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()}))"
)


class PyPIUnreachableError(RuntimeError):
    """The install failed and the package index does not answer."""


def _index_url() -> str:
    for name in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"):
        if os.environ.get(name):
            return os.environ[name]
    return "https://pypi.org/simple/"


def _index_reachable() -> bool:
    try:
        httpx.get(_index_url().rstrip("/") + "/z4j-bare/", timeout=10, follow_redirects=True)
    except httpx.HTTPError:
        return False
    return True


def _uv() -> str | None:
    """uv, when available: it installs the peer in ~2 s where pip takes ~15 s."""
    candidate = os.environ.get("UV") or shutil.which("uv")
    if candidate and os.environ.get("Z4J_COMPAT_INSTALLER", "uv") == "uv":
        return candidate
    return None


def build_peer_venv(root: Path) -> PeerVenv:
    """Create ``root`` with ``python -m venv`` and install :data:`PINS` from PyPI.

    Uses ``uv pip install`` when uv is around (``Z4J_COMPAT_INSTALLER=pip`` forces pip).
    Raises :class:`PyPIUnreachableError` when the install fails and the index cannot be
    reached; any other failure raises ``RuntimeError`` with the installer's output.
    """
    started = time.monotonic()
    uv = _uv()
    venv_cmd = [sys.executable, "-m", "venv", *(["--without-pip"] if uv else []), str(root)]
    subprocess.run(venv_cmd, check=True, capture_output=True, timeout=300)
    python = root / "bin" / "python"
    if uv:
        install = [uv, "pip", "install", "--python", str(python), *PINS]
        installer = "uv"
    else:
        install = [str(python), "-m", "pip", "install", "--disable-pip-version-check", *PINS]
        installer = "pip"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    done = subprocess.run(
        install, capture_output=True, text=True, timeout=600, env=env, check=False
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-4000:]
        if not _index_reachable():
            raise PyPIUnreachableError(f"{_index_url()} unreachable; {installer} said:\n{output}")
        raise RuntimeError(f"peer venv install failed ({installer}):\n{output}")
    return PeerVenv(root=root, install_seconds=time.monotonic() - started, installer=installer)


@dataclass(frozen=True)
class AgentSettings:
    """What a 1.x agent is configured with, as the ``Z4J_*`` environment."""

    brain_url: str
    token: str
    hmac_secret: str
    project_id: str
    agent_name: str = "compat-agent"

    def env(self) -> dict[str, str]:
        return {
            "Z4J_BRAIN_URL": self.brain_url,
            "Z4J_TOKEN": self.token,
            "Z4J_HMAC_SECRET": self.hmac_secret,
            "Z4J_PROJECT_ID": self.project_id,
            "Z4J_AGENT_NAME": self.agent_name,
        }


@dataclass
class PeerProcess:
    """A process running in the peer venv: its ``proc``, its combined output in ``log``."""

    proc: subprocess.Popen[bytes]
    log: Path
    home: Path
    tap: Path | None = None
    name: str = "peer"
    extra: dict[str, Any] = field(default_factory=dict[str, Any])

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tapped_events(self) -> list[dict[str, Any]]:
        """Events the stock agent buffered (one dict per line of the tap file)."""
        if self.tap is None or not self.tap.exists():
            return []
        lines = self.tap.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def wait_for_output(self, needle: str, timeout: float = 30.0) -> None:
        """Wait until ``needle`` shows up in the log; raise with the log otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.output():
                return
            if not self.alive():
                break
            time.sleep(0.05)
        if needle in self.output():
            return
        state = "still running" if self.alive() else f"exited {self.proc.returncode}"
        raise AssertionError(f"{self.name}: {needle!r} not seen ({state}):\n{self.output()}")

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM (an RQ warm shutdown: the agent flushes at exit), then SIGKILL the group."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.returncode


def peer_env(
    venv: PeerVenv, home: Path, agent: AgentSettings | None, **extra: str
) -> dict[str, str]:
    """Environment for a peer process: no inherited ``Z4J_*``, a private HOME, the peer venv first.

    ``agent=None`` runs without z4j configuration and with ``Z4J_DISABLED=1``.
    """
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    env = {k: v for k, v in os.environ.items() if not k.startswith("Z4J_") and k not in drop}
    home.mkdir(parents=True, exist_ok=True)
    env["HOME"] = str(home)
    env["VIRTUAL_ENV"] = str(venv.root)
    env["PATH"] = f"{venv.bin}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    if agent is None:
        env["Z4J_DISABLED"] = "1"
    else:
        env.update(agent.env())
    env.update(extra)
    return env


def _spawn(
    argv: list[str], env: Mapping[str, str], log: Path, cwd: Path, name: str
) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(
            argv,
            env=dict(env),
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # stop() can reach the whole group
        )


def start_rq_worker(
    venv: PeerVenv,
    workdir: Path,
    *,
    redis_url: str,
    queue: str,
    agent: AgentSettings | None,
    worker_class: str | None = "z4j_rq.worker.Worker",
    name: str = "rq-worker",
    extra_env: Mapping[str, str] | None = None,
) -> PeerProcess:
    """Start a real ``rq worker`` on ``queue`` with the stock agent installed the 1.x way.

    The worker loads ``peer/rq_settings.py`` (``-c rq_settings``), which calls
    ``z4j_rq.register_worker_bootstrap()``: the agent runs inside the worker process and
    patches ``execute_job`` there. ``worker_class`` defaults to the memory-corrected fork worker
    z4j-rq's README recommends; ``None`` runs RQ's stock ``Worker``. ``agent=None`` runs the
    worker with z4j disabled. Returns once the process is spawned; use ``wait_for_output``.
    """
    home = workdir / f"{name}-home"
    tap = workdir / f"{name}-events.jsonl"
    env = peer_env(
        venv,
        home,
        agent,
        Z4J_RQ_REDIS_URL=redis_url,
        Z4J_COMPAT_EVENT_TAP=str(tap),
        **dict(extra_env or {}),
    )
    argv = [
        str(venv.bin / "rq"),
        "worker",
        "-c",
        "rq_settings",
        "-P",
        str(PEER_DIR),
        "-u",
        redis_url,
        "--name",
        f"{name}-{os.getpid()}-{time.monotonic_ns() % 10**9}",
        *(["--worker-class", worker_class] if worker_class else []),
        queue,
    ]
    log = workdir / f"{name}.log"
    proc = _spawn(argv, env, log, PEER_DIR, name)
    return PeerProcess(proc=proc, log=log, home=home, tap=tap, name=name)


def start_bare_agent(
    venv: PeerVenv,
    workdir: Path,
    *,
    redis_url: str,
    agent: AgentSettings,
    name: str = "bare-agent",
    extra_env: Mapping[str, str] | None = None,
) -> PeerProcess:
    """Start ``peer/bare_agent.py``: the stock ``z4j_bare.install_agent`` runtime, idle."""
    home = workdir / f"{name}-home"
    tap = workdir / f"{name}-events.jsonl"
    env = peer_env(venv, home, agent, Z4J_COMPAT_EVENT_TAP=str(tap), **dict(extra_env or {}))
    argv = [str(venv.python), str(PEER_DIR / "bare_agent.py"), "--redis-url", redis_url]
    log = workdir / f"{name}.log"
    proc = _spawn(argv, env, log, PEER_DIR, name)
    return PeerProcess(proc=proc, log=log, home=home, tap=tap, name=name)


@dataclass(frozen=True)
class EnqueuedJob:
    """One job as RQ reports it after ``enqueue``."""

    id: str
    kind: str
    func: str
    status: str
    result: Any
    error: str | None


def enqueue(
    venv: PeerVenv,
    workdir: Path,
    *,
    redis_url: str,
    queue: str,
    ok: int = 0,
    boom: int = 0,
    flaky: int = 0,
    slow: int = 0,
    slow_seconds: float = 1.0,
    wait: float = 0.0,
) -> list[EnqueuedJob]:
    """Enqueue jobs with stock RQ in the peer venv; with ``wait`` > 0, until all are final.

    Raises ``AssertionError`` (with the script's output) when waiting timed out.
    """
    argv = [
        str(venv.python),
        str(PEER_DIR / "enqueue.py"),
        "--redis-url",
        redis_url,
        "--queue",
        queue,
        "--ok",
        str(ok),
        "--boom",
        str(boom),
        "--flaky",
        str(flaky),
        "--slow",
        str(slow),
        "--slow-seconds",
        str(slow_seconds),
        "--wait",
        str(wait),
    ]
    env = peer_env(venv, workdir / "enqueue-home", None)
    done = subprocess.run(
        argv, env=env, cwd=PEER_DIR, capture_output=True, text=True, timeout=wait + 60, check=False
    )
    if done.returncode not in (0, 2) or not done.stdout.strip():
        raise AssertionError(f"enqueue failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    jobs = [EnqueuedJob(**item) for item in report["jobs"]]
    if done.returncode == 2:
        raise AssertionError(f"jobs not finished after {wait}s: {jobs}\n{done.stderr}")
    return jobs
