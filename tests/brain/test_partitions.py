"""Daily events partitions: created ahead, dropped by range past retention, never losing rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import asyncpg

from z4j_brain.db.dsn import Dsn
from z4j_brain.db.pool import connect
from z4j_brain.db.queries import events as eq
from z4j_brain.db.queries import partitions as pq
from z4j_brain.jobs.partitions import DAYS_AHEAD, maintain_partitions

TODAY = dt.date(2026, 11, 23)
UTC = dt.UTC


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


def _event(at: dt.datetime, **kw: Any) -> eq.InsertEventsParams:
    values: dict[str, Any] = {
        "project_id": uuid.uuid4(),
        "occurred_at": at,
        "id": uuid.uuid4(),
        "agent_id": uuid.uuid4(),
        "engine": "rq",
        "task_id": "t1",
        "kind": "task.started",
        "payload": {"task_name": "x", "n": [1, 2]},
    }
    values.update(kw)
    return eq.InsertEventsParams(**values)


async def _ranges(conn: asyncpg.Connection) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    return {
        r.partition_name: (r.range_start, r.range_end)
        for r in await pq.list_events_partitions(conn)
    }


async def test_maintenance_creates_the_coming_week_once(conn: asyncpg.Connection) -> None:
    report = await maintain_partitions(conn, retention_days=30, today=TODAY)
    assert report.created == [TODAY + dt.timedelta(days=n) for n in range(DAYS_AHEAD + 1)]
    assert report.dropped == []
    ranges = await _ranges(conn)
    assert ranges["events_p20261123"] == (_midnight(TODAY), _midnight(TODAY + dt.timedelta(days=1)))
    assert len(ranges) == DAYS_AHEAD + 1
    again = await maintain_partitions(conn, retention_days=30, today=TODAY)
    assert again.created == []
    assert await _ranges(conn) == ranges


async def test_bounds_are_utc_whatever_the_session_time_zone(conn: asyncpg.Connection) -> None:
    await conn.execute("SET TimeZone = 'Pacific/Kiritimati'")
    assert await pq.ensure_events_partition(conn, day=TODAY)
    ((start, end),) = (await _ranges(conn)).values()
    assert start == _midnight(TODAY)
    assert end - start == dt.timedelta(days=1)


async def test_rows_in_the_default_partition_move_into_the_new_day(
    conn: asyncpg.Connection,
) -> None:
    early = _event(_midnight(TODAY) + dt.timedelta(hours=5))
    other_day = _event(_midnight(TODAY) + dt.timedelta(days=3))
    assert await eq.insert_events(conn, rows=[early, other_day]) == 2
    assert await pq.count_default_partition_rows(conn) == 2
    assert await pq.ensure_events_partition(conn, day=TODAY)
    assert await pq.count_default_partition_rows(conn) == 1
    row = await conn.fetchrow(
        "SELECT tableoid::regclass::text AS part, payload FROM events WHERE id = $1", early.id
    )
    assert row is not None
    assert row["part"] == "events_p20261123"
    assert row["payload"] == {"task_name": "x", "n": [1, 2]}
    assert await eq.count_events_for_project(conn, project_id=early.project_id) == 1


async def test_resent_event_conflicts_on_its_id(conn: asyncpg.Connection) -> None:
    await pq.ensure_events_partition(conn, day=TODAY)
    event = _event(_midnight(TODAY) + dt.timedelta(hours=1))
    await eq.insert_events(conn, rows=[event])
    try:
        await eq.insert_events(conn, rows=[event])
    except asyncpg.UniqueViolationError:
        pass
    else:
        raise AssertionError("the primary key must reject a second copy of the same event")


async def test_expired_partitions_are_dropped_by_range(conn: asyncpg.Connection) -> None:
    for back in (40, 31, 30, 29, 0):
        await pq.ensure_events_partition(conn, day=TODAY - dt.timedelta(days=back))
    await eq.insert_events(
        conn, rows=[_event(_midnight(TODAY - dt.timedelta(days=30)) + dt.timedelta(hours=2))]
    )
    report = await maintain_partitions(conn, retention_days=30, today=TODAY)
    assert report.dropped == ["events_p20261014", "events_p20261023"]
    ranges = await _ranges(conn)
    assert min(start for start, _ in ranges.values()) == _midnight(TODAY - dt.timedelta(days=30))
    assert await conn.fetchval("SELECT count(*) FROM events") == 1


async def test_names_do_not_decide_what_is_dropped(conn: asyncpg.Connection) -> None:
    await pq.ensure_events_partition(conn, day=TODAY - dt.timedelta(days=90))
    await pq.ensure_events_partition(conn, day=TODAY)
    # Names that lie about the dates: the old one looks new, the current one looks ancient.
    await conn.execute("ALTER TABLE events_p20260825 RENAME TO events_old_but_named_new")
    await conn.execute("ALTER TABLE events_p20261123 RENAME TO events_p20000101")
    dropped = await pq.drop_events_partitions_before(conn, cutoff=TODAY - dt.timedelta(days=30))
    assert dropped == ["events_old_but_named_new"]
    assert "events_p20000101" in await _ranges(conn)


async def test_concurrent_creation_of_the_same_day_is_safe(db: Dsn) -> None:
    conns = [await connect(db) for _ in range(4)]
    try:
        results = await asyncio.gather(*(pq.ensure_events_partition(c, day=TODAY) for c in conns))
        assert results.count(True) == 1
        assert results.count(False) == 3
        assert len(await _ranges(conns[0])) == 1
    finally:
        for c in conns:
            await c.close()
