"""Helpers shared by tests: free ports and ``z4j serve`` / ``z4j`` subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from z4j_brain.db.dsn import Dsn

REPO = Path(__file__).resolve().parents[1]
Z4J = str(Path(sys.executable).parent / "z4j")


def admin_sql(dsn: Dsn, *statements: str) -> None:
    """Run statements on their own connection (CREATE/DROP DATABASE cannot share a transaction)."""

    async def run() -> None:
        conn = await asyncpg.connect(dsn.url)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """A running ``z4j serve`` subprocess."""

    def __init__(self, proc: subprocess.Popen[str], port: int, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.log = log
        self.base = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        """Everything the process wrote so far."""
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Poll readiness until 200; returns the seconds it took. Fails with the log otherwise."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                pytest.fail(f"z4j serve exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.base}/api/v1/health/ready", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        pytest.fail(f"z4j serve not ready after {timeout}s:\n{self.output()}")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait; returns the exit code. Leftover group members are killed.

        The process runs in its own session (``start_new_session``), so its group also holds
        granian's workers, which outlive a SIGKILLed parent.
        """
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL the whole process group at once: a crash, not a shutdown."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def serve_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment for a brain subprocess: no inherited Z4J_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("Z4J_")}
    env["Z4J_HOME"] = str(home)
    env.update(extra)
    return env


def run_z4j(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a short ``z4j`` command and capture its output."""
    return subprocess.run(
        [Z4J, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
