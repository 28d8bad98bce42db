"""Boot time of `z4j serve` to `/api/v1/health/ready` = 200: first boot and warm boot.

First boot starts from an empty $Z4J_HOME (secret minting, initdb, migrations, partitions);
warm boot restarts on the same home. Prints one line per run and the medians.
Usage: uv run python tests/bench/boot.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

Z4J = str(Path(sys.executable).parent / "z4j")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def boot_once(home: Path) -> float:
    """Start `z4j serve`, return seconds until ready, then stop it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("Z4J_")}
    env["Z4J_HOME"] = str(home)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [Z4J, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"z4j serve exited with {proc.returncode}")
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{port}/api/v1/health/ready", timeout=1).status_code
                    == 200
                ):
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    first: list[float] = []
    warm: list[float] = []
    for run in range(args.runs):
        home = Path(tempfile.mkdtemp(prefix="z4j-bench-"))
        try:
            first.append(boot_once(home))
            warm.append(boot_once(home))
        finally:
            shutil.rmtree(home, ignore_errors=True)
        print(
            f"run {run + 1}: first boot {first[-1]:.2f} s, warm boot {warm[-1]:.2f} s", flush=True
        )
    for label, values in (("first boot", first), ("warm boot", warm)):
        median = statistics.median(values)
        print(
            f"{label} to ready: median {median:.2f} s "
            f"(min {min(values):.2f}, max {max(values):.2f})"
        )


if __name__ == "__main__":
    main()
