"""Write or check ``sql/schema.sql``: dbmate's dump of a database migrated from scratch.

Always dumped from a throw-away embedded PostgreSQL 18 with its own ``pg_dump``, so the
file is byte-identical on every machine whatever server the tests use.
``python -m z4j_brain.db.schemadump [--check] [--migrations-dir D] [--schema-file F]``.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from z4j_brain.db import migrate
from z4j_brain.db.embedded import EmbeddedPostgres, bin_dir
from z4j_brain.errors import ConfigError


def dump(migrations: Path) -> str:
    """Migrate a fresh database with ``migrations`` and return dbmate's schema dump."""
    with tempfile.TemporaryDirectory(prefix="z4j-schema-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pgdata")
        dsn = server.start()
        try:
            out = Path(tmp) / "schema.sql"
            env = {
                **os.environ,
                "PATH": f"{bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
                "Z4J_DBMATE_URL": dsn.for_dbmate(),
            }
            argv = [
                migrate.dbmate_binary(),
                "--env",
                "Z4J_DBMATE_URL",
                "--migrations-dir",
                str(migrations),
                "--schema-file",
                str(out),
            ]
            for command in ("up", "dump"):
                proc = subprocess.run(
                    [*argv, command], capture_output=True, text=True, env=env, check=False
                )
                if proc.returncode != 0:
                    raise ConfigError(
                        "schema dump",
                        f"dbmate {command} failed: {proc.stderr.strip()}",
                        "fix the migration named above",
                    )
            return out.read_text()
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``just schema`` and ``just check-schema``."""
    root = Path(__file__).resolve().parents[3]
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="fail when the file differs instead of writing it"
    )
    parser.add_argument("--migrations-dir", type=Path, default=root / "sql" / "migrations")
    parser.add_argument("--schema-file", type=Path, default=root / "sql" / "schema.sql")
    args = parser.parse_args(argv)
    try:
        fresh = dump(args.migrations_dir)
    except ConfigError as exc:
        print(f"schemadump: {exc.one_line()}", file=sys.stderr)
        return 2
    current = args.schema_file.read_text() if args.schema_file.exists() else ""
    if not args.check:
        if fresh != current:
            args.schema_file.write_text(fresh)
            print(f"wrote {args.schema_file}")
        return 0
    if fresh == current:
        return 0
    diff = difflib.unified_diff(
        current.splitlines(), fresh.splitlines(), "committed", "migrations", lineterm=""
    )
    print("\n".join(list(diff)[:60]), file=sys.stderr)
    print(
        f"{args.schema_file} is stale: run `just schema` and commit it with the migration",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
