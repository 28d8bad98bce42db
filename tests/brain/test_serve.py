"""`z4j serve` as a real process: boot, restart, external database, bad input."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from support import Z4J, Served, free_port, run_z4j, serve_env

from z4j_brain.db.dsn import Dsn

pytestmark = pytest.mark.slow


def _postmaster_pid(home: Path) -> int | None:
    try:
        return int((home / "pgdata" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def test_first_boot_then_warm_restart_on_embedded_postgres(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    first = serve()
    first.wait_ready()
    assert httpx.get(f"{first.base}/api/v1/health").json() == {"status": "ok"}
    out = first.output()
    assert "database: embedded PostgreSQL 18" in out
    assert f"data directory: {home}" in out
    secret_file = home / "secret.env"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secrets_before = secret_file.read_text()
    assert "Z4J_SECRET=" in secrets_before
    assert "Z4J_SESSION_SECRET=" in secrets_before
    assert first.stop() == 0
    assert _postmaster_pid(home) is None, "the embedded PostgreSQL must stop with z4j serve"

    second = serve()
    second.wait_ready()
    assert secret_file.read_text() == secrets_before
    assert "applied" not in second.output()
    assert second.stop() == 0


def test_external_database_is_created_and_migrated(
    serve: Callable[..., Served], tmp_path: Path, pg_server: Dsn
) -> None:
    target = pg_server.with_database(f"z4j_ext_{os.getpid()}_{free_port()}")
    served = serve(env=serve_env(tmp_path / "home", Z4J_DATABASE_URL=target.url))
    served.wait_ready()
    out = served.output()
    assert "database: external PostgreSQL" in out
    assert not (tmp_path / "home" / "pgdata").exists()
    assert served.stop() == 0


def test_killed_serve_and_crashed_postgres_recover_on_next_start(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    first = serve()
    first.wait_ready()
    pg = _postmaster_pid(home)
    assert pg is not None
    first.kill()
    os.kill(pg, signal.SIGKILL)
    time.sleep(0.5)
    second = serve()
    second.wait_ready()
    assert second.stop() == 0


def _one_clean_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("z4j: error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = _one_clean_line(
            run_z4j(
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                env=serve_env(tmp_path / "home"),
            )
        )
    assert "--port" in line
    assert "already in use" in line


@pytest.mark.parametrize(
    ("extra", "setting"),
    [
        ({"Z4J_DATABASE_URL": "mysql://root@localhost/z4j"}, "Z4J_DATABASE_URL"),
        ({"Z4J_SECRET": "too-short"}, "Z4J_SECRET"),
        ({"Z4J_BIND_PORT": "seventy"}, "Z4J_BIND_PORT"),
    ],
)
def test_bad_settings_end_with_one_line(
    tmp_path: Path, extra: dict[str, str], setting: str
) -> None:
    line = _one_clean_line(run_z4j("serve", env=serve_env(tmp_path / "home", **extra)))
    assert setting in line


def test_unreachable_external_database(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/z4j"
    line = _one_clean_line(
        run_z4j(
            "serve",
            "--port",
            str(free_port()),
            env=serve_env(tmp_path / "home", Z4J_DATABASE_URL=url),
        )
    )
    assert "Z4J_DATABASE_URL" in line
    assert "cannot connect" in line


def test_unwritable_home(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    line = _one_clean_line(run_z4j("serve", env=serve_env(blocker / "home")))
    assert "Z4J_HOME" in line


def test_secret_file_readable_by_others(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "secret.env").write_text(f"Z4J_SECRET={'x' * 40}\n")
    (home / "secret.env").chmod(0o644)
    line = _one_clean_line(run_z4j("serve", env=serve_env(home)))
    assert "chmod 600" in line


def test_help_lists_the_options() -> None:
    result = run_z4j("serve", "--help", env=serve_env(Path("/nonexistent")))
    assert result.returncode == 0
    for option in ("--host", "--port", "--workers", "--home", "--database-url"):
        assert option in result.stdout


def _nobody_can_run_python() -> bool:
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import z4j_brain"],
            user=65534,
            group=65534,
            extra_groups=[],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except PermissionError:
        return False
    return probe.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to an unprivileged user needs root")
def test_serve_as_an_unprivileged_user(tmp_path: Path) -> None:
    if not _nobody_can_run_python():
        pytest.skip("the interpreter is not reachable by `nobody` (e.g. under a 0700 /root)")
    # Root runs the embedded server as `embedded_postgres`; everyone else runs it as themselves.
    base = Path(tempfile.mkdtemp(prefix="z4j-nobody-"))
    try:
        os.chown(base, 65534, 65534)
        port = free_port()
        log = tmp_path / "nobody.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [Z4J, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=serve_env(base / "home", HOME=str(base)),
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                user=65534,
                group=65534,
                extra_groups=[],
                cwd=base,
                start_new_session=True,
            )
        served = Served(proc, port, log)
        try:
            served.wait_ready()
            assert (base / "home" / "pgdata").stat().st_uid == 65534
        finally:
            assert served.stop() == 0
        assert _postmaster_pid(base / "home") is None
    finally:
        shutil.rmtree(base, ignore_errors=True)
