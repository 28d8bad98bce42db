"""Daily ``events`` partitions: create today..today+7, drop those past retention.

Dropping is decided by each partition's catalog range (``z4j_events_partitions()``), never by
its name, so a renamed or hand-made partition is judged by what it actually holds.
"""

from __future__ import annotations

import datetime as dt
import logging

import msgspec

from z4j_brain.db.queries import partitions as q
from z4j_brain.db.queries._types import ConnectionLike

log = logging.getLogger("z4j.jobs.partitions")

DAYS_AHEAD = 7


class PartitionReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one maintenance pass did."""

    created: list[dt.date]
    dropped: list[str]
    default_rows: int


def utc_today() -> dt.date:
    """Today's date in UTC, the calendar of the partitions."""
    return dt.datetime.now(dt.UTC).date()


async def maintain_partitions(
    conn: ConnectionLike, *, retention_days: int, today: dt.date | None = None
) -> PartitionReport:
    """One pass: ensure the coming days exist, drop the expired ones, report stragglers."""
    day0 = today or utc_today()
    created: list[dt.date] = []
    for offset in range(DAYS_AHEAD + 1):
        day = day0 + dt.timedelta(days=offset)
        if await q.ensure_events_partition(conn, day=day):
            created.append(day)
    dropped = list(
        await q.drop_events_partitions_before(conn, cutoff=day0 - dt.timedelta(days=retention_days))
    )
    default_rows = await q.count_default_partition_rows(conn) or 0
    if created or dropped:
        log.info(
            "events partitions: created %s, dropped %s", [d.isoformat() for d in created], dropped
        )
    if default_rows:
        log.warning("events_default holds %d rows outside every daily partition", default_rows)
    return PartitionReport(created=created, dropped=dropped, default_rows=default_rows)
