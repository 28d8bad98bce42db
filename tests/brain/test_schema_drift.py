"""`just check-schema`: sql/schema.sql is the dump of the migrations, and the check bites."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

pytestmark = pytest.mark.slow


def _check(migrations: Path, schema: Path) -> subprocess.CompletedProcess[str]:
    argv = [
        sys.executable,
        "-m",
        "z4j_brain.db.schemadump",
        "--check",
        "--migrations-dir",
        str(migrations),
        "--schema-file",
        str(schema),
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)


def test_committed_schema_matches_the_migrations() -> None:
    result = _check(REPO / "sql" / "migrations", REPO / "sql" / "schema.sql")
    assert result.returncode == 0, result.stderr


def test_a_new_migration_without_a_new_dump_fails(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(REPO / "sql" / "migrations", migrations)
    (migrations / "29990101000000_add_column.sql").write_text(
        "-- migrate:up\nALTER TABLE projects ADD COLUMN colour text;\n"
        "-- migrate:down\nALTER TABLE projects DROP COLUMN colour;\n"
    )
    result = _check(migrations, REPO / "sql" / "schema.sql")
    assert result.returncode == 1
    assert "+    colour text" in result.stderr
    assert "is stale: run `just schema`" in result.stderr


def test_a_hand_edited_dump_fails(tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(
        (REPO / "sql" / "schema.sql").read_text().replace("archived_at", "archived_on")
    )
    result = _check(REPO / "sql" / "migrations", schema)
    assert result.returncode == 1


def test_a_broken_migration_is_reported_cleanly(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(REPO / "sql" / "migrations", migrations)
    (migrations / "29990101000000_broken.sql").write_text("-- migrate:up\nCREATE TABLEX nope;\n")
    result = _check(migrations, REPO / "sql" / "schema.sql")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "dbmate up failed" in result.stderr
