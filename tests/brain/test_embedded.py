"""The embedded PostgreSQL: start, stop, and recovery from killed runs."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import asyncpg

from z4j_brain.db.embedded import EmbeddedPostgres


def _query(server: EmbeddedPostgres, sql: str) -> object:
    async def run() -> object:
        conn = await asyncpg.connect(server.dsn.with_database("postgres").url)
        try:
            if ";" in sql:
                return await conn.execute(sql)
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    return asyncio.run(run())


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} still alive")


def test_start_stop_and_restart_keeps_data(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pgdata")
    with server:
        assert str(_query(server, "SHOW server_version")).startswith("18.")
        assert _query(server, "SHOW listen_addresses") == ""
        _query(server, "CREATE TABLE kept (x int)")
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
    with EmbeddedPostgres(tmp_path / "pgdata") as again:
        assert _query(again, "SELECT count(*) FROM kept") == 0


def test_stale_pidfile_from_a_killed_run_is_recovered(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    with EmbeddedPostgres(pgdata):
        pass
    # A postmaster.pid naming a live process that is not PostgreSQL (PID reuse after a crash).
    (pgdata / "postmaster.pid").write_text(f"{os.getpid()}\n{pgdata}\n0\n5432\n\n\n\n")
    with EmbeddedPostgres(pgdata) as server:
        assert _query(server, "SELECT 1") == 1


def test_crash_of_the_server_is_recovered(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    first = EmbeddedPostgres(pgdata)
    first.start()
    try:
        _query(first, "CREATE TABLE survivor (x int); INSERT INTO survivor VALUES (1)")
    except BaseException:
        first.stop()
        raise
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    _wait_gone(pid)
    second = EmbeddedPostgres(pgdata)
    second.start()
    try:
        assert _query(second, "SELECT count(*) FROM survivor") == 1
        assert second.started_here
    finally:
        second.stop()


def test_server_orphaned_by_a_dead_owner_is_adopted(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    EmbeddedPostgres(pgdata).start()
    # The owning z4j process died without stopping the server.
    (tmp_path / "pgdata.owner").write_text("999999999\n")
    second = EmbeddedPostgres(pgdata)
    second.start()
    assert second.started_here
    second.stop()
    assert not (pgdata / "postmaster.pid").exists()


def test_server_of_a_live_owner_is_shared_not_stopped(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    owner = EmbeddedPostgres(pgdata)
    owner.start()
    try:
        guest = EmbeddedPostgres(pgdata)
        guest.start()
        assert not guest.started_here
        guest.stop()
        assert _query(owner, "SELECT 1") == 1
    finally:
        owner.stop()


def test_long_data_directory_uses_a_short_socket_directory(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 40) / "pgdata"
    with EmbeddedPostgres(deep) as server:
        assert server.socket_dir != deep
        assert len(str(server.socket_dir)) < 90
        assert _query(server, "SELECT 2") == 2
