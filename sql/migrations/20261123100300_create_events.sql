-- migrate:up
-- Events are range-partitioned by day (UTC) on occurred_at, so retention is a DROP TABLE of
-- whole days instead of a DELETE. The primary key must contain the partition key; id alone
-- dedupes because an agent resends an event with the same id and the same occurred_at.
CREATE TABLE events (
    project_id  uuid        NOT NULL,
    occurred_at timestamptz NOT NULL,
    id          uuid        NOT NULL,
    agent_id    uuid        NOT NULL,
    engine      text        NOT NULL,
    task_id     text,
    kind        text        NOT NULL,
    payload     jsonb       NOT NULL DEFAULT '{}',
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, occurred_at, id)
) PARTITION BY RANGE (occurred_at);

CREATE INDEX events_task_idx ON events (project_id, engine, task_id, occurred_at);
CREATE INDEX events_kind_idx ON events (project_id, kind, occurred_at);

-- Catches rows for a day whose partition does not exist yet, so ingest never fails on a
-- missing partition; z4j_ensure_events_partition moves such rows into the new partition.
CREATE TABLE events_default PARTITION OF events DEFAULT;

COMMENT ON TABLE events IS
    'Every lifecycle event an agent reported, as received (after agent-side redaction). Partitioned by day on occurred_at (UTC); partitions are named events_pYYYYMMDD, rows outside every partition land in events_default.';
COMMENT ON COLUMN events.project_id IS 'Owning project (no foreign key: the hot insert path skips the lookup; projects are archived, not deleted).';
COMMENT ON COLUMN events.occurred_at IS 'When the event happened, as the agent reported it; the partition key.';
COMMENT ON COLUMN events.id IS 'Event id chosen by the agent and kept across resends; a resent event is stored once.';
COMMENT ON COLUMN events.agent_id IS 'Agent whose connection delivered the event.';
COMMENT ON COLUMN events.engine IS 'Engine that produced the event (celery, rq, ...).';
COMMENT ON COLUMN events.task_id IS 'Engine task id for task.* events; NULL for worker, queue and schedule events.';
COMMENT ON COLUMN events.kind IS 'Event kind: task.sent, task.received, task.started, task.succeeded, task.failed, task.retried, task.revoked, task.rejected, worker.*, queue.depth_report, schedule.*, unknown.';
COMMENT ON COLUMN events.payload IS 'The event''s data object as sent by the agent.';
COMMENT ON COLUMN events.received_at IS 'When the brain stored the event.';
COMMENT ON TABLE events_default IS
    'Default partition of events: rows whose day had no partition yet. Normally empty; the partition job moves rows out when it creates their day.';

-- The range of every daily partition, read from the catalog bounds rather than the name.
CREATE FUNCTION z4j_events_partitions()
RETURNS TABLE (partition_name text, range_start timestamptz, range_end timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.relname::text,
           substring(b.bound FROM $re$FROM \('([^']+)'\)$re$)::timestamptz,
           substring(b.bound FROM $re$TO \('([^']+)'\)$re$)::timestamptz
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b
    WHERE i.inhparent = 'events'::regclass
      AND b.bound <> 'DEFAULT'
    ORDER BY 2
$$;
COMMENT ON FUNCTION z4j_events_partitions() IS
    'Lists the daily partitions of events with the range each covers, taken from the partition bounds in the catalog.';

-- Creates the partition for one UTC day; does nothing when a partition already covers any part
-- of that day. Serialised by an advisory lock so concurrent brain processes cannot race.
CREATE FUNCTION z4j_ensure_events_partition(day date)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    lo   timestamptz := day::timestamp AT TIME ZONE 'UTC';
    hi   timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
    part text        := 'events_p' || to_char(day, 'YYYYMMDD');
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('z4j.events_partitions'));
    IF EXISTS (SELECT 1 FROM z4j_events_partitions() p WHERE p.range_start < hi AND p.range_end > lo) THEN
        RETURN false;
    END IF;
    PERFORM set_config('lock_timeout', '5s', true);
    EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    -- Rows that arrived before the partition existed sit in events_default; attaching would
    -- fail while they are there, so move them first (same transaction, nothing is lost).
    EXECUTE format(
        'WITH moved AS (DELETE FROM events_default WHERE occurred_at >= %L AND occurred_at < %L RETURNING *) '
        'INSERT INTO %I SELECT * FROM moved', lo, hi, part);
    EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    EXECUTE format('COMMENT ON TABLE %I IS %L', part,
                   format('Events that occurred on %s (UTC); a daily partition of events.', day));
    RETURN true;
END
$$;
COMMENT ON FUNCTION z4j_ensure_events_partition(date) IS
    'Creates the events partition for one UTC day if no partition covers it yet; returns true when it created one.';

-- Drops every daily partition whose whole range ends on or before the cutoff day (UTC).
CREATE FUNCTION z4j_drop_events_partitions_before(cutoff date)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    p record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('z4j.events_partitions'));
    -- DROP locks the parent exclusively: give up rather than queue ingest behind a long reader.
    PERFORM set_config('lock_timeout', '5s', true);
    FOR p IN
        SELECT partition_name FROM z4j_events_partitions()
        WHERE range_end <= (cutoff::timestamp AT TIME ZONE 'UTC')
        ORDER BY range_start
    LOOP
        EXECUTE format('DROP TABLE %I', p.partition_name);
        RETURN NEXT p.partition_name;
    END LOOP;
END
$$;
COMMENT ON FUNCTION z4j_drop_events_partitions_before(date) IS
    'Drops the events partitions whose range ends on or before the given UTC day and returns their names; the only code path that deletes events.';

-- migrate:down
DROP FUNCTION z4j_drop_events_partitions_before(date);
DROP FUNCTION z4j_ensure_events_partition(date);
DROP FUNCTION z4j_events_partitions();
DROP TABLE events;
