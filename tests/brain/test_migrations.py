"""The real migrations: documented, reversible, and detected as applied."""

from __future__ import annotations

import asyncpg

from z4j_brain.db import migrate
from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import connect

UNDOCUMENTED_COLUMNS = """
SELECT c.relname || '.' || a.attname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'schema_migrations'
  AND col_description(c.oid, a.attnum) IS NULL
ORDER BY 1
"""

UNDOCUMENTED_OBJECTS = """
SELECT 'table ' || c.relname FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
WHERE c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
  AND obj_description(c.oid, 'pg_class') IS NULL
UNION ALL
SELECT 'type ' || t.typname FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = 'public'
WHERE t.typtype = 'e' AND obj_description(t.oid, 'pg_type') IS NULL
UNION ALL
SELECT 'function ' || p.proname FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
WHERE obj_description(p.oid, 'pg_proc') IS NULL
"""


async def test_every_table_column_type_and_function_is_commented(
    conn: asyncpg.Connection,
) -> None:
    assert [r[0] for r in await conn.fetch(UNDOCUMENTED_COLUMNS)] == []
    assert [r[0] for r in await conn.fetch(UNDOCUMENTED_OBJECTS)] == []


async def test_core_tables_exist_and_events_is_partitioned(conn: asyncpg.Connection) -> None:
    tables = {
        r[0]
        for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    assert {"projects", "agents", "tasks", "events_default"} <= tables
    strategy = await conn.fetchval(
        "SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'events'::regclass"
    )
    assert strategy == "r"
    pk = await conn.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'events_pkey'"
    )
    assert pk == "PRIMARY KEY (project_id, occurred_at, id)"


async def test_template_is_at_head(conn: asyncpg.Connection) -> None:
    assert await migrate.pending_versions(conn) == []
    assert migrate.known_versions() == sorted(migrate.known_versions())
    assert len(migrate.known_versions()) >= 4


async def test_down_migrations_undo_everything_and_up_restores(db: Dsn) -> None:
    for _ in migrate.known_versions():
        migrate.run_dbmate(db, "rollback")
    conn = await connect(db)
    try:
        left = await conn.fetch(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
            "AND relname <> 'schema_migrations'"
        )
        assert left == []
        assert await migrate.pending_versions(conn) == migrate.known_versions()
    finally:
        await conn.close()
    assert len(migrate.migrate_up(db)) == len(migrate.known_versions())
